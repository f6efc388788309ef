import { COMMAND_CLASSES, type CommandClass } from "../contracts.ts";
import type { Finding } from "./findings.ts";
import type { Invocation, RuleContext } from "./invocation.ts";
import type { Word } from "./shell-words.ts";

/**
 * A tool's policy as data: one `ToolSpec` per tool, the shape of codex's `execpolicy` `define_program` tables, with
 * classes instead of a single allow bit. The dispatcher (`dispatcher.ts`) owns every rule the tools share; a spec
 * only states facts from the tool's manual:
 *
 * - `class`: what running this level does (the tool, or one subcommand of it).
 * - `options`: the options the tool documents, in a small language, space-separated:
 *   `-o|--output=write` (aliases with `|`; `=` takes a value, and what the value is: `=` anything, `=read`, `=write`,
 *   `=remove` a path, `=cwd` a directory the rest runs in, `=shell` shell text, `=url` a network destination),
 *   `!class` after it raises the class (`--force!destructive`), `+` after a value makes it repeatable data only.
 *   Options are never lowering: they only add findings.
 * - `anyOption`: every option the manual documents is harmless except those listed (ls, grep); otherwise an option
 *   the spec does not list needs a person.
 * - `operands`: what the words that are not options are (see `Operands`).
 * - `subcommands` and `default`: the first operand picks a subcommand (a level of its own, or a class); a
 *   subcommand the spec does not list needs a person, and a missing one takes `default` (never a guess).
 * - `logic`: the escape hatch for the few tools whose arguments are a language (sed scripts, git config keys, find
 *   expressions, awk programs).
 * - `loads`: workspace files whose content decides what runs (package.json for `npm run`, a Makefile): while the
 *   agent has changed one of them, the run needs a person.
 * - `examples`: commands that must be allowed and must need approval, checked when the policy loads.
 */
export type OperandKind =
  /** Text, names, patterns: nothing the shell would treat as a path or a command. */
  | "data"
  /** Paths read. */
  | "read"
  /** Paths written (created, truncated, appended to, modified in place). */
  | "write"
  /** Paths removed. */
  | "remove"
  /** Sources read, the last operand written (cp, mv, install). */
  | "copy"
  /** A command and its arguments (sudo, env, nice, xargs). */
  | "command"
  /** A script file executed, then its arguments (bash x.sh, python x.py). */
  | "script"
  /** Network destinations (URLs or host names). */
  | "urls"
  /** No operand at all: any operand needs a person. */
  | "none";

/** Operand kinds in order, the last one repeating: `"data read"` is a pattern then files (grep). */
type Operands = string;

const OPERAND_KINDS = new Set<string>([
  "data",
  "read",
  "write",
  "remove",
  "copy",
  "command",
  "script",
  "urls",
  "none",
]);
const WHOLE_KINDS = new Set<string>(["copy", "command", "script"]);

export function parseOperands(text: string, where: string): readonly OperandKind[] {
  const kinds = text.split(/\s+/).filter((k) => k !== "");
  if (kinds.length === 0 || kinds.some((k) => !OPERAND_KINDS.has(k))) {
    throw new SpecError(`${where}: operands "${text}" must be kinds among ${[...OPERAND_KINDS].join(", ")}`);
  }
  const whole = kinds.findIndex((k) => WHOLE_KINDS.has(k));
  if (whole >= 0 && (whole !== kinds.length - 1 || kinds.slice(0, -1).some((k) => k !== "data"))) {
    throw new SpecError(`${where}: operands "${text}": copy, command and script come last, after data only`);
  }
  return kinds as OperandKind[];
}

export interface Level {
  readonly class?: CommandClass;
  /** Why, for a reviewer: "lists files", "pushes to a remote". */
  readonly detail?: string;
  readonly options?: string;
  readonly anyOption?: boolean;
  readonly operands?: Operands;
  readonly subcommands?: Readonly<Record<string, CommandClass | Level>>;
  readonly default?: CommandClass | Level;
  /** The level for a first operand that is not a listed subcommand (`yarn <script>`); the word stays an operand. */
  readonly otherwise?: Level;
  readonly logic?: Logic;
  readonly loads?: string;
  /** Options end at the first operand (POSIX): what follows belongs to the command or text it runs. */
  readonly stopOptions?: boolean;
  /** The words are a language of their own (find expressions, dd operands): only `logic` reads them. */
  readonly rawArgs?: boolean;
  /** This level's options may also be written after any subcommand below it (`cdk synth --app X`, `npm i --prefix`). */
  readonly globalOptions?: boolean;
}

export interface ToolSpec extends Level {
  /** Space-separated names the tool is called by. */
  readonly names: string;
  readonly examples: { readonly allow: readonly string[]; readonly approve: readonly string[] };
}

/** What the dispatcher hands an escape hatch: the words already parsed by the level's option table. */
export interface Call {
  readonly inv: Invocation;
  readonly ctx: RuleContext;
  /** `git config`, `sed`: the tool and subcommand path. */
  readonly path: string;
  readonly options: readonly ParsedOption[];
  readonly operands: readonly Word[];
  /** The class the subcommand reached declares, if any. */
  readonly leaf: CommandClass | undefined;
  /** Adds a finding about this simple command. */
  find(commandClass: CommandClass, detail: string, overridable?: boolean): void;
}

type Logic = (call: Call) => void;

type ValueKind =
  | "flag"
  | "optional"
  | "any"
  | "read"
  | "write"
  | "remove"
  | "cwd"
  | "shell"
  | "url"
  | "command";

export interface OptionSpec {
  readonly names: readonly string[];
  readonly value: ValueKind;
  readonly raises: CommandClass | undefined;
}

export interface ParsedOption {
  /** The option's first name in the spec (`-X` for `--request`). */
  readonly name: string;
  /** The name as written, after resolving an abbreviation (`--pid` in a group of container options). */
  readonly written: string;
  readonly spec: OptionSpec | undefined;
  readonly value: Word | undefined;
}

export interface CompiledLevel {
  readonly path: string;
  readonly class: CommandClass | undefined;
  readonly detail: string;
  readonly options: ReadonlyMap<string, OptionSpec>;
  readonly longNames: readonly string[];
  readonly anyOption: boolean;
  readonly operands: readonly OperandKind[];
  readonly subcommands: ReadonlyMap<string, CompiledLevel> | undefined;
  readonly default: CompiledLevel | undefined;
  readonly otherwise: CompiledLevel | undefined;
  readonly logic: Logic | undefined;
  readonly loads: readonly string[];
  /** An option that writes, runs, or raises the class exists: a run-time word might be one of them. */
  readonly hasRiskyOption: boolean;
  readonly stopOptions: boolean;
  readonly rawArgs: boolean;
  readonly source: Level;
}

const VALUE_KINDS = new Set<string>(["?", "", "read", "write", "remove", "cwd", "shell", "url", "command"]);
const CLASSES = new Set<string>(COMMAND_CLASSES);

export class SpecError extends Error {
  override readonly name = "SpecError";
}

/** Parses one level's option language; a malformed entry is a programming error in a spec and fails loading. */
export function parseOptions(text: string, where: string): OptionSpec[] {
  const out: OptionSpec[] = [];
  for (const token of text.split(/\s+/).filter((t) => t !== "")) {
    const m = /^([^=!]+)(?:=([a-z?]*))?(?:!([a-z-]+))?$/.exec(token);
    if (m === null) throw new SpecError(`${where}: option "${token}" is not NAMES[=KIND][!CLASS]`);
    const [, names = "", kind, raises] = m;
    if (kind !== undefined && !VALUE_KINDS.has(kind)) {
      throw new SpecError(`${where}: option "${token}" has the unknown value kind "${kind}"`);
    }
    if (raises !== undefined && !CLASSES.has(raises)) {
      throw new SpecError(`${where}: option "${token}" raises to the unknown class "${raises}"`);
    }
    const list = names.split("|");
    if (list.some((n) => !/^[-+][^-\s]|^--[^\s]+$/.test(n))) {
      throw new SpecError(`${where}: option "${token}" has a name that does not start with - or +`);
    }
    out.push({
      names: list,
      value:
        kind === undefined ? "flag" : kind === "" ? "any" : kind === "?" ? "optional" : (kind as ValueKind),
      raises: raises as CommandClass | undefined,
    });
  }
  return out;
}

function toLevel(value: CommandClass | Level): Level {
  return typeof value === "string" ? { class: value } : value;
}

export function compileLevel(
  level: Level,
  path: string,
  inherited: Level | undefined,
  globals: ReadonlyMap<string, OptionSpec> = new Map(),
): CompiledLevel {
  const options = new Map<string, OptionSpec>(globals);
  for (const o of parseOptions(level.options ?? "", path)) for (const n of o.names) options.set(n, o);
  const below = level.globalOptions === true ? options : globals;
  if (level.class !== undefined && !CLASSES.has(level.class)) {
    throw new SpecError(`${path}: unknown class "${level.class}"`);
  }
  let subcommands: Map<string, CompiledLevel> | undefined;
  if (level.subcommands !== undefined) {
    subcommands = new Map();
    for (const [key, value] of Object.entries(level.subcommands)) {
      for (const name of key.split(/\s+/)) {
        if (subcommands.has(name)) throw new SpecError(`${path}: subcommand "${name}" is listed twice`);
        subcommands.set(name, compileLevel(toLevel(value), `${path} ${name}`, level, below));
      }
    }
    if (level.default === undefined) {
      throw new SpecError(`${path}: a level with subcommands must declare its default (the class with none)`);
    }
  }
  const hasRisky = [...options.values()].some(
    (o) => o.raises !== undefined || !["flag", "any", "read"].includes(o.value),
  );
  return {
    path,
    class: level.class,
    detail: level.detail ?? "",
    options,
    longNames: [...options.keys()].filter((n) => n.startsWith("--")),
    anyOption: level.anyOption ?? (level.subcommands === undefined && inherited?.anyOption === true),
    operands: parseOperands(level.operands ?? "data", path),
    subcommands,
    default:
      level.default === undefined
        ? undefined
        : compileLevel(toLevel(level.default), `${path} (none)`, level, below),
    otherwise:
      level.otherwise === undefined
        ? undefined
        : compileLevel(level.otherwise, `${path} <name>`, level, below),
    logic: level.logic,
    loads: (level.loads ?? "").split(/\s+/).filter((s) => s !== ""),
    hasRiskyOption: hasRisky || level.logic !== undefined,
    rawArgs: level.rawArgs ?? false,
    stopOptions: level.stopOptions ?? /(command|script)$/.test(level.operands ?? ""),
    source: level,
  };
}

/** Every finding the dispatcher makes about one simple command goes through here. */
export function finding(
  inv: Invocation,
  commandClass: CommandClass,
  detail: string,
  overridable = false,
): Finding {
  return overridable
    ? { class: commandClass, subject: inv.subject, detail, overridable: true }
    : { class: commandClass, subject: inv.subject, detail };
}
