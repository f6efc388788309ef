import type { Node } from "web-tree-sitter";

/**
 * What the walker knows while it reads a command line left to right: the working directory, variables with
 * static values (a `for` loop gives several), inline functions and aliases, and whether a virtual environment
 * under the workspace was activated. Subshells, pipelines and substitutions get a copy; branches are merged.
 */
export interface ShellState {
  cwd: string | null;
  readonly vars: Map<string, readonly string[]>;
  readonly functions: Map<string, Node>;
  readonly aliases: Map<string, string>;
  /** `pushd` saves directories here for `popd`. */
  dirStack: (string | null)[];
  venv: boolean;
}

/** A loop over more values than this makes the variable unknown (bounded work for every command line). */
export const MAX_VALUES_PER_VARIABLE = 16;

export function initialState(workspace: string): ShellState {
  return {
    cwd: workspace,
    vars: new Map(),
    functions: new Map(),
    aliases: new Map(),
    dirStack: [],
    venv: false,
  };
}

export function copyState(state: ShellState): ShellState {
  return {
    cwd: state.cwd,
    vars: new Map(state.vars),
    functions: new Map(state.functions),
    aliases: new Map(state.aliases),
    dirStack: [...state.dirStack],
    venv: state.venv,
  };
}

/** A child shell (`bash -c`): same directory, nothing else inherited that the policy tracks. */
export function childShellState(state: ShellState): ShellState {
  return {
    cwd: state.cwd,
    vars: new Map(),
    functions: new Map(),
    aliases: new Map(),
    dirStack: [],
    venv: state.venv,
  };
}

/** After a branch that may or may not have run: keep only what is the same either way. */
export function mergeInto(target: ShellState, branch: ShellState): void {
  if (target.cwd !== branch.cwd) target.cwd = null;
  if (JSON.stringify(target.dirStack) !== JSON.stringify(branch.dirStack)) target.dirStack = [];
  for (const name of new Set([...target.vars.keys(), ...branch.vars.keys()])) {
    const a = target.vars.get(name);
    const b = branch.vars.get(name);
    if (a === undefined || b === undefined) {
      target.vars.delete(name);
      continue;
    }
    const union = [...new Set([...a, ...b])];
    if (union.length > MAX_VALUES_PER_VARIABLE) target.vars.delete(name);
    else target.vars.set(name, union);
  }
  for (const [name, body] of branch.functions) target.functions.set(name, body);
  for (const [name, value] of branch.aliases) target.aliases.set(name, value);
  target.venv = target.venv && branch.venv;
}

export function assignVariable(state: ShellState, name: string, value: string | null): void {
  if (value === null) state.vars.delete(name);
  else state.vars.set(name, [value]);
}
