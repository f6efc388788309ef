import type { Node } from "web-tree-sitter";
import type { BashParser } from "./bash-parser.ts";
import type { Finding } from "./findings.ts";
import type { Assignment, Invocation, RuleContext, Stdin } from "./invocation.ts";
import { judgePath } from "./path-effects.ts";
import { loaderVariable } from "./rules/environment.ts";
import { scanCommandText, scanInvocation } from "./sensitive-references.ts";
import {
  assignVariable,
  childShellState,
  copyState,
  MAX_VALUES_PER_VARIABLE,
  mergeInto,
  type ShellState,
} from "./shell-state.ts";
import { dynamicWord, evaluateWord, type Word, type WordEnvironment } from "./shell-words.ts";
import { HOME, resolvePath } from "./workspace-paths.ts";

/** What every walker of one review shares: where the workspace is and how a simple command is judged. */
export interface WalkEnvironment {
  readonly workspace: string;
  readonly parser: BashParser;
  /** Levels of shell text inside shell text (`bash -c "eval '...'"`) and inline function calls. */
  readonly maxDepth: number;
  judgeInvocation(inv: Invocation, ctx: RuleContext): Finding[];
  knows(name: string): boolean;
  readonly egress: readonly string[];
  readonly changed: readonly string[] | undefined;
}

/** Upper bound on the variable combinations one simple command is judged under (`for a in ...; for b in ...`). */
const MAX_COMBINATIONS = 16;
/** Wrappers inside wrappers (`sudo nice timeout 5 env git ...`). */
const MAX_WRAPPER_DEPTH = 32;

const SUBJECT_LIMIT = 160;

export function subjectOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SUBJECT_LIMIT ? `${flat.slice(0, SUBJECT_LIMIT - 1)}…` : flat;
}

/** Only these only read; every other form (`>`, `>>`, `>|`, `&>`, `&>>`, `>&`, `<>`, `n>`) opens for writing. */
const READ_REDIRECTS = new Set(["<", "<&", "<&-"]);
const BRANCHING = new Set([
  "if_statement",
  "elif_clause",
  "else_clause",
  "while_statement",
  "until_statement",
  "for_statement",
  "c_style_for_statement",
  "select_statement",
]);

export class Walker {
  readonly findings: Finding[] = [];

  constructor(
    private readonly env: WalkEnvironment,
    private readonly depth: number,
    private readonly callStack: readonly string[],
  ) {}

  walk(node: Node, st: ShellState): void {
    if (node.isMissing) {
      this.unknown(node, `the command is incomplete here (missing ${node.type})`);
      return;
    }
    switch (node.type) {
      case "comment":
        return;
      case "program":
      case "compound_statement":
      case "do_group":
        this.walkChildren(node, st);
        return;
      case "list":
        this.walkList(node, st);
        return;
      case "pipeline":
        // Every element of a pipeline runs in its own subshell: a `cd` there changes nothing after it.
        for (const child of node.namedChildren) this.walk(child, copyState(st));
        return;
      case "subshell":
      case "command_substitution":
      case "process_substitution":
        this.walkChildren(node, copyState(st));
        return;
      case "redirected_statement":
        this.walkRedirected(node, st);
        return;
      case "command":
        this.walkCommand(node, st, { kind: "inherited" });
        return;
      case "variable_assignment":
        this.walkAssignment(node, st);
        return;
      case "variable_assignments":
        for (const child of node.namedChildren) this.walk(child, st);
        return;
      case "declaration_command":
        this.walkDeclaration(node, st);
        return;
      case "unset_command":
        this.walkUnset(node, st);
        return;
      case "function_definition":
        this.defineFunction(node, st);
        return;
      case "case_statement":
        this.walkCase(node, st);
        return;
      case "test_command":
        this.walkChildren(node, st);
        this.push({ class: "read-only", subject: subjectOf(node.text), detail: "tests a condition" });
        return;
      case "file_redirect":
      case "heredoc_redirect":
      case "herestring_redirect":
        this.judgeRedirect(node, subjectOf(node.parent?.text ?? node.text), st);
        return;
      case "ERROR":
        this.unknown(node, "the shell cannot parse this part");
        this.walkChildren(node, st);
        return;
      default:
        if (BRANCHING.has(node.type)) {
          this.walkBranch(node, st);
          return;
        }
        this.walkChildren(node, st);
    }
  }

  private walkChildren(node: Node, st: ShellState): void {
    for (const child of node.children) this.walk(child, st);
  }

  private walkList(node: Node, st: ShellState): void {
    const operator = node.children.find((c) => !c.isNamed)?.type;
    const [left, right] = [node.namedChildren[0], node.namedChildren.at(-1)];
    if (left === undefined || right === undefined || left.equals(right)) {
      this.walkChildren(node, st);
      return;
    }
    this.walk(left, st);
    if (operator === "||") {
      // The right side runs only when the left failed: what it changes may or may not have happened.
      const branch = copyState(st);
      this.walk(right, branch);
      mergeInto(st, branch);
    } else {
      this.walk(right, st);
    }
  }

  private walkBranch(node: Node, st: ShellState): void {
    const branch = copyState(st);
    if (node.type === "for_statement") this.bindLoopVariable(node, branch);
    if (node.type === "c_style_for_statement") branch.vars.clear();
    this.walkChildren(node, branch);
    mergeInto(st, branch);
  }

  private walkCase(node: Node, st: ShellState): void {
    const value = node.childForFieldName("value");
    if (value !== null) this.walk(value, copyState(st));
    for (const item of node.namedChildren) {
      if (item.type !== "case_item") continue;
      const branch = copyState(st);
      this.walkChildren(item, branch);
      mergeInto(st, branch);
    }
  }

  private bindLoopVariable(node: Node, st: ShellState): void {
    const variable = node.childForFieldName("variable")?.text;
    if (variable === undefined) return;
    const valueNodes = node.childrenForFieldName("value");
    const values: string[] = [];
    for (const v of valueNodes) {
      this.walk(v, copyState(st));
      const word = evaluateWord(v, this.wordEnv(st, {}));
      if (word.value === null || values.length >= MAX_VALUES_PER_VARIABLE) {
        st.vars.delete(variable);
        return;
      }
      values.push(word.value);
    }
    // `for x; do` loops over the positional parameters: unknown.
    if (valueNodes.length === 0) st.vars.delete(variable);
    else st.vars.set(variable, values);
  }

  private walkAssignment(node: Node, st: ShellState): void {
    const name = node.childForFieldName("name")?.text;
    const valueNode = node.childForFieldName("value");
    if (valueNode !== null) this.walk(valueNode, copyState(st));
    if (name === undefined) return;
    const isAppend = node.children.some((c) => c.type === "+=");
    const value = valueNode === null ? "" : evaluateWord(valueNode, this.wordEnv(st, {})).value;
    assignVariable(st, name, isAppend ? null : value);
    this.push({ class: "read-only", subject: subjectOf(node.text), detail: "sets a shell variable" });
    const programFinding = programVariableFinding(subjectOf(node.text), name, value, this.env.workspace);
    if (programFinding !== null) this.push(programFinding);
  }

  private walkDeclaration(node: Node, st: ShellState): void {
    const keyword = node.children[0]?.type ?? "declare";
    const subject = subjectOf(node.text);
    let named = 0;
    let printsFunctions = false;
    for (const child of node.namedChildren) {
      if (child.type === "variable_assignment") {
        named += 1;
        this.walkAssignment(child, st);
      } else if (child.type === "variable_name") {
        named += 1;
        if (keyword === "local") st.vars.delete(child.text);
      } else {
        if (/^-[a-zA-Z]*[fF]/.test(child.text)) printsFunctions = true;
        // A name reference or an integer attribute evaluates a value later: `declare -n r=x`, `declare -i n="$v"`.
        if (/^-[a-zA-Z]*[ni]/.test(child.text))
          this.unknown(node, `${keyword} ${child.text} evaluates a value as a name or arithmetic`);
        this.walk(child, copyState(st));
      }
    }
    if (named > 0) return;
    if (keyword === "local" || printsFunctions) {
      this.push({ class: "read-only", subject, detail: `${keyword} without variables` });
      return;
    }
    // `export`, `declare -p`, `declare -x`, `typeset`, `readonly` with no name print the environment.
    this.push({ class: "credentials", subject, detail: "prints the environment, which holds credentials" });
  }

  private walkUnset(node: Node, st: ShellState): void {
    for (const child of node.namedChildren) {
      st.vars.delete(child.text);
      st.functions.delete(child.text);
    }
    this.push({ class: "read-only", subject: subjectOf(node.text), detail: "unsets shell variables" });
  }

  private defineFunction(node: Node, st: ShellState): void {
    const name = node.childForFieldName("name")?.text;
    const body = node.childForFieldName("body");
    if (name === undefined || body === null) {
      this.unknown(node, "a function definition the policy cannot read");
      return;
    }
    // The body is judged where the function is called, in the caller's directory and variables.
    st.functions.set(name, body);
    this.push({ class: "read-only", subject: subjectOf(`${name}()`), detail: "defines a shell function" });
  }

  private walkRedirected(node: Node, st: ShellState): void {
    const body = node.childForFieldName("body");
    const subject = subjectOf(node.text);
    const redirects = node.children.filter((c) => body === null || !c.equals(body));
    const stdin = this.stdinFrom(redirects, st);
    if (body !== null) {
      if (body.type === "command") this.walkCommand(body, st, stdin);
      else this.walk(body, st);
    }
    for (const redirect of redirects) {
      if (!redirect.isNamed) continue;
      this.judgeRedirect(redirect, subject, st);
    }
  }

  private stdinFrom(redirects: readonly Node[], st: ShellState): Stdin {
    let stdin: Stdin = { kind: "inherited" };
    for (const r of redirects) {
      if (r.type === "heredoc_redirect") stdin = heredocText(r);
      if (r.type === "herestring_redirect") {
        const wordNode = r.namedChildren[0];
        const value = wordNode === undefined ? null : evaluateWord(wordNode, this.wordEnv(st, {})).value;
        stdin = value === null ? { kind: "dynamic" } : { kind: "text", text: `${value}\n` };
      }
      if (r.type === "file_redirect" && READ_REDIRECTS.has(redirectOperator(r))) {
        const destination = r.childForFieldName("destination");
        if (destination !== null && destination.type !== "number") {
          stdin = { kind: "file", word: evaluateWord(destination, this.wordEnv(st, {})) };
        }
      }
    }
    return stdin;
  }

  private judgeRedirect(node: Node, subject: string, st: ShellState): void {
    if (node.type === "heredoc_redirect") {
      for (const child of node.namedChildren) {
        if (child.type === "heredoc_start" || child.type === "heredoc_end") continue;
        if (child.type === "file_redirect") this.judgeRedirect(child, subject, st);
        else this.walk(child, st);
      }
      return;
    }
    if (node.type === "herestring_redirect") {
      this.walkChildren(node, copyState(st));
      return;
    }
    const operator = redirectOperator(node);
    const destinations = node.childrenForFieldName("destination");
    if (node.children.some((c) => c.type === "ERROR")) {
      this.unknown(node, "a redirection the shell cannot parse");
    }
    for (const destination of destinations) {
      if (destination.type === "process_substitution") {
        this.walk(destination, st);
        continue;
      }
      this.walk(destination, copyState(st));
      // `2>&1`, `>&2`, `<&-`: file descriptors, not files.
      if (destination.type === "number" || destination.text === "-") continue;
      const word = evaluateWord(destination, this.wordEnv(st, {}));
      const scope = { workspace: this.env.workspace, cwd: st.cwd };
      if (!READ_REDIRECTS.has(operator)) {
        const f = judgePath(subject, word, "write", scope);
        if (f !== null) this.push(f);
      } else {
        const f = judgePath(subject, word, "read", scope);
        if (f !== null) this.push(f);
      }
    }
  }

  private walkCommand(node: Node, st: ShellState, outerStdin: Stdin): void {
    const subject = subjectOf(node.text);
    const nameNode = node.childForFieldName("name");
    const prefix: Node[] = [];
    const argNodes: Node[] = [];
    const redirects: Node[] = [];
    for (let i = 0; i < node.childCount; i += 1) {
      const child = node.child(i);
      if (child === null) continue;
      const field = node.fieldNameForChild(i);
      if (child.type === "variable_assignment") prefix.push(child);
      else if (field === "argument") argNodes.push(child);
      else if (field === "redirect" || child.type.endsWith("_redirect")) redirects.push(child);
    }
    // Substitutions in the words run before the command, each in a subshell.
    const prefixValues = prefix.flatMap((p) => p.childrenForFieldName("value"));
    for (const part of [...prefixValues, ...(nameNode ? [nameNode] : []), ...argNodes]) {
      if (mayRunCommands(part)) this.walk(part, copyState(st));
    }
    for (const r of redirects) this.judgeRedirect(r, subject, st);
    const ownStdin = this.stdinFrom(redirects, st);
    const stdin = ownStdin.kind === "inherited" ? outerStdin : ownStdin;

    scanCommandText(subject, node, (f) => this.push(f));
    if (/@[PAEKak]\}|\(\([^)]*\$|\$\[/.test(node.text) || /\$\(\([^)]*[A-Za-z_]/.test(node.text)) {
      this.push({
        class: "unknown",
        subject,
        detail: "an expansion that evaluates a value as code or arithmetic (${x@P}, $((x)))",
      });
    }
    if (nameNode === null) return;
    const wordNode = nameNode.namedChildren[0] ?? nameNode;

    const combos = this.combinations([...prefix, wordNode, ...argNodes], st);
    const branches: ShellState[] = [];
    for (const combo of combos) {
      const branch = combos.length > 1 ? copyState(st) : st;
      const env = this.wordEnv(branch, combo);
      const name = evaluateWord(wordNode, env);
      const args = argNodes.map((a) => evaluateWord(a, env));
      const assignments = prefix.map((p) => assignmentOf(p, env));
      for (const a of assignments) {
        const f = programVariableFinding(subject, a.name, a.value.value, this.env.workspace);
        if (f !== null) this.push(f);
      }
      if (name.value === null) {
        this.push({
          class: "unknown",
          subject,
          detail: `the command name is only known at run time (${name.raw})`,
        });
        continue;
      }
      const inv: Invocation = { name: name.value, args, assignments, subject, stdin };
      scanInvocation(inv, branch.cwd, (f) => this.push(f), this.findings);
      this.dispatch(inv, branch);
      applyStateEffects(inv, branch, this.env.workspace);
      if (combos.length > 1) branches.push(branch);
    }
    // Keep only what every combination agrees on (a `cd $d` in a loop leaves the directory unknown).
    for (const b of branches) mergeInto(st, b);
  }

  private dispatch(inv: Invocation, st: ShellState): void {
    const fn = st.functions.get(inv.name);
    if (fn !== undefined) {
      this.callFunction(inv, fn, st);
      return;
    }
    const alias = st.aliases.get(inv.name);
    if (alias !== undefined) {
      const text = [alias, ...inv.args.map((a) => a.raw)].join(" ");
      // Like bash, an alias is not expanded again inside its own expansion (`alias ls='ls --color'`).
      st.aliases.delete(inv.name);
      try {
        for (const f of this.judgeScript(text, `alias ${inv.name}`, st)) this.push(f);
      } finally {
        st.aliases.set(inv.name, alias);
      }
      return;
    }
    for (const f of this.env.judgeInvocation(inv, this.ruleContext(st, 0))) this.push(f);
  }

  private callFunction(inv: Invocation, body: Node, st: ShellState): void {
    if (this.callStack.includes(inv.name)) {
      this.push({
        class: "destructive",
        subject: inv.subject,
        detail: `function ${inv.name} calls itself (the fork bomb pattern)`,
      });
      return;
    }
    if (this.depth + 1 > this.env.maxDepth) {
      this.push({
        class: "unknown",
        subject: inv.subject,
        detail: `calls nested deeper than ${this.env.maxDepth} levels`,
      });
      return;
    }
    const inner = new Walker(this.env, this.depth + 1, [...this.callStack, inv.name]);
    inner.walk(body, st);
    for (const f of inner.findings) this.push({ ...f, detail: `${f.detail}; run by function ${inv.name}` });
  }

  private ruleContext(st: ShellState, wrapperDepth: number): RuleContext {
    return {
      workspace: this.env.workspace,
      cwd: st.cwd,
      venv: st.venv,
      egress: this.env.egress,
      changed: this.env.changed,
      knows: (name) => this.env.knows(name),
      judge: (inv, options) => {
        if (wrapperDepth + 1 > MAX_WRAPPER_DEPTH) {
          return [{ class: "unknown", subject: inv.subject, detail: "wrappers nested too deeply" }];
        }
        const view: ShellState = {
          ...st,
          cwd: options?.cwd !== undefined ? options.cwd : st.cwd,
          venv: options?.venv ?? st.venv,
        };
        return this.env.judgeInvocation(inv, this.ruleContext(view, wrapperDepth + 1));
      },
      judgeScript: (text, how, options) =>
        this.judgeScript(text, how, options?.sameShell ? st : childShellState(st)),
    };
  }

  judgeScript(text: string, how: string, st: ShellState): Finding[] {
    const subject = subjectOf(text);
    if (this.depth + 1 > this.env.maxDepth) {
      return [
        {
          class: "unknown",
          subject,
          detail: `shell text nested deeper than ${this.env.maxDepth} levels (${how})`,
        },
      ];
    }
    const tree = this.env.parser.parse(text);
    try {
      const inner = new Walker(this.env, this.depth + 1, this.callStack);
      inner.walk(tree.rootNode, st);
      if (inner.findings.length === 0) {
        return [
          { class: "unknown", subject: subjectOf(`${how} ${text}`), detail: `${how} is given no command` },
        ];
      }
      return inner.findings.map((f) => ({ ...f, detail: `${f.detail}; run by ${how}` }));
    } finally {
      tree.delete();
    }
  }

  private combinations(nodes: readonly Node[], st: ShellState): Record<string, string>[] {
    const multi = new Map<string, readonly string[]>();
    // Most command lines bind no loop variable: skip walking the words' subtrees then.
    if (![...st.vars.values()].some((values) => values.length > 1)) return [{}];
    for (const n of nodes) {
      for (const ref of n.descendantsOfType(["variable_name"])) {
        const values = st.vars.get(ref.text);
        if (values !== undefined && values.length > 1) multi.set(ref.text, values);
      }
    }
    let combos: Record<string, string>[] = [{}];
    for (const [name, values] of multi) {
      const next: Record<string, string>[] = [];
      for (const combo of combos) for (const v of values) next.push({ ...combo, [name]: v });
      if (next.length > MAX_COMBINATIONS) {
        // Too many combinations to judge one by one: those variables count as unknown.
        return [{}];
      }
      combos = next;
    }
    return combos;
  }

  private wordEnv(st: ShellState, combo: Readonly<Record<string, string>>): WordEnvironment {
    return {
      cwd: st.cwd,
      lookup: (name) => {
        if (Object.hasOwn(combo, name)) return combo[name];
        const values = st.vars.get(name);
        return values !== undefined && values.length === 1 ? values[0] : undefined;
      },
    };
  }

  private unknown(node: Node, detail: string): void {
    this.push({ class: "unknown", subject: subjectOf(node.text === "" ? node.type : node.text), detail });
  }

  private push(f: Finding): void {
    this.findings.push(f);
  }
}

/** Only `$(...)`, backticks and process substitutions inside a word run commands; most words hold none. */
function mayRunCommands(node: Node): boolean {
  const text = node.text;
  return text.includes("$") || text.includes("`") || text.includes("<(") || text.includes(">(");
}

function redirectOperator(node: Node): string {
  return node.children.find((c) => !c.isNamed)?.type ?? "";
}

function heredocText(node: Node): Stdin {
  const start = node.children.find((c) => c.type === "heredoc_start")?.text ?? "";
  const body = node.children.find((c) => c.type === "heredoc_body");
  if (body === undefined) return { kind: "text", text: "" };
  const quoted = /['"\\]/.test(start);
  const expands = body.namedChildren.some((c) => c.type !== "heredoc_content");
  return quoted || !expands ? { kind: "text", text: body.text } : { kind: "dynamic" };
}

function assignmentOf(node: Node, env: WordEnvironment): Assignment {
  const name = node.childForFieldName("name")?.text ?? "";
  const valueNode = node.childForFieldName("value");
  const value: Word = valueNode === null ? { value: "", raw: "" } : evaluateWord(valueNode, env);
  return {
    name,
    value: valueNode === null ? value : value.value === null ? dynamicWord(valueNode.text) : value,
  };
}

function programVariableFinding(
  subject: string,
  name: string,
  value: string | null,
  workspace: string,
): Finding | null {
  const detail = loaderVariable(name, value, workspace);
  return detail === null ? null : { class: "unknown", subject, detail };
}

const CD_OPTIONS = new Set(["-L", "-P", "-e", "-@"]);

/** The builtins that change what later commands on the line see. */
function applyStateEffects(inv: Invocation, st: ShellState, workspace: string): void {
  switch (inv.name) {
    case "cd":
    case "pushd": {
      const target = inv.args.find((a) => a.value === null || !CD_OPTIONS.has(a.value));
      if (inv.name === "pushd") st.dirStack.push(st.cwd);
      // `pushd` alone swaps the top two directories; `cd -` and `pushd +N` use history the policy does not keep.
      if (target === undefined) st.cwd = inv.name === "pushd" ? null : HOME;
      else if (target.value === null || target.value === "-" || /^[+-]\d+$/.test(target.value)) st.cwd = null;
      else st.cwd = resolvePath(target.value, st.cwd);
      return;
    }
    case "popd":
      st.cwd = inv.args.length === 0 ? (st.dirStack.pop() ?? null) : null;
      return;
    case "source":
    case ".": {
      const file = inv.args[0]?.value;
      const path = file === undefined || file === null ? null : resolvePath(file, st.cwd);
      if (path?.startsWith(`${workspace}/`) && path.endsWith("/bin/activate")) st.venv = true;
      return;
    }
    case "deactivate":
      st.venv = false;
      return;
    case "read":
    case "mapfile":
    case "readarray":
      for (const a of inv.args)
        if (a.value !== null && /^[A-Za-z_]\w*$/.test(a.value)) st.vars.delete(a.value);
      return;
    case "alias":
      for (const a of inv.args) {
        const m = a.value === null ? null : /^([^=\s]+)=(.*)$/s.exec(a.value);
        if (m?.[1] !== undefined && m[2] !== undefined) st.aliases.set(m[1], m[2]);
      }
      return;
    case "unalias":
      for (const a of inv.args) if (a.value !== null) st.aliases.delete(a.value);
      return;
  }
}
