import { posix } from "node:path";
import type { CommandClass } from "../contracts.ts";
import { judgeDestination } from "./egress.ts";
import type { Finding } from "./findings.ts";
import type { Invocation, RuleContext } from "./invocation.ts";
import { judgePath, type PathAccess } from "./path-effects.ts";
import { taskRisk } from "./rules/tasks.ts";
import type { Word } from "./shell-words.ts";
import {
  type Call,
  type CompiledLevel,
  compileLevel,
  finding,
  type OptionSpec,
  type ParsedOption,
  type ToolSpec,
} from "./spec.ts";
import { displayPath, resolvePath, zoneOf } from "./workspace-paths.ts";

/**
 * The one dispatcher every tool spec goes through. It owns the rules the old per-tool functions each had to
 * remember:
 * - a word only known at run time where a subcommand, an option or a path is expected needs a person;
 * - an option the spec does not list needs a person (unless the spec says every documented option is harmless);
 * - a subcommand the spec does not list needs a person; a missing one takes the spec's declared default;
 * - options only add findings: a flag never lowers what a subcommand does (`push --dry-run` still waits);
 * - paths written are judged by where they resolve (workspace, scratch, outside, devices, credentials, `.git/`);
 * - a workspace file that decides what runs (`loads`, a script run by path) is trusted only while unchanged.
 */
export type Rule = (inv: Invocation, ctx: RuleContext) => Finding[];

export function compileSpec(spec: ToolSpec): Rule {
  const root = compileLevel(spec, spec.names.split(/\s+/)[0] ?? "", undefined);
  return (inv, ctx) => dispatch(root, inv, ctx);
}

interface Walk {
  readonly inv: Invocation;
  readonly ctx: RuleContext;
  readonly out: Finding[];
  cwd: string | null;
}

function dispatch(root: CompiledLevel, inv: Invocation, ctx: RuleContext): Finding[] {
  const w: Walk = { inv, ctx, out: [], cwd: ctx.cwd };
  const words = inv.args;
  const options: ParsedOption[] = [];
  let level = root;
  const passed: CompiledLevel[] = [];
  let i = 0;
  // Options before the subcommand belong to the tool (`git -C dir push`), then each subcommand level in turn.
  while (level.subcommands !== undefined) {
    i = parseLeadingOptions(w, level, words, i, options);
    if (i < 0) return w.out;
    const word = words[i];
    if (word === undefined) {
      passed.push(level);
      level = level.default as CompiledLevel;
      break;
    }
    if (word.value === null) {
      add(w, "unknown", `the subcommand of ${level.path} is only known at run time (${word.raw})`);
      return w.out;
    }
    const sub = level.subcommands.get(word.value);
    if (sub === undefined && level.otherwise !== undefined) {
      passed.push(level);
      level = level.otherwise;
      break;
    }
    if (sub === undefined) {
      add(w, "unknown", `"${word.value}" is not a subcommand of ${level.path} the policy knows`, true);
      return w.out;
    }
    passed.push(level);
    level = sub;
    i += 1;
  }
  const operands = level.rawArgs ? words.slice(i) : parseRest(w, level, words, i, options);
  if (operands === null) return w.out;
  if (level.class !== undefined) add(w, level.class, level.detail || `runs ${level.path}`);
  judgeOperands(w, level, operands);
  for (const file of level.loads) judgeLoaded(w, level, file);
  const logics = [...passed, level].map((l) => l.logic).filter((l) => l !== undefined);
  if (logics.length > 0) {
    const call: Call = {
      inv,
      ctx: w.cwd === ctx.cwd ? ctx : { ...ctx, cwd: w.cwd },
      path: level.path,
      options,
      operands,
      leaf: level.class,
      find: (c, d, o) => add(w, c, d, o),
    };
    for (const logic of logics) logic(call);
  }
  if (w.out.length === 0) add(w, "unknown", `${level.path} has no class in its spec`);
  return w.out;
}

function add(w: Walk, commandClass: CommandClass, detail: string, overridable = false): void {
  w.out.push(finding(w.inv, commandClass, detail, overridable));
}

/** Options up to the subcommand; returns the index of the subcommand word, or -1 after a run-time word. */
function parseLeadingOptions(
  w: Walk,
  level: CompiledLevel,
  words: readonly Word[],
  start: number,
  out: ParsedOption[],
): number {
  let i = start;
  while (i < words.length) {
    const word = words[i] as Word;
    if (word.value === null) {
      return i;
    }
    if (word.value === "--") return i + 1;
    if (!isOption(word.value)) return i;
    const next = parseOption(w, level, words, i, out);
    if (next < 0) return -1;
    i = next;
  }
  return i;
}

function isOption(text: string): boolean {
  return text.length > 1 && text.startsWith("-");
}

/**
 * The words after the last subcommand: options anywhere (GNU tools permute), operands the rest. Wrappers and
 * script runners stop reading options at the first operand: what follows belongs to the command they run.
 */
function parseRest(
  w: Walk,
  level: CompiledLevel,
  words: readonly Word[],
  start: number,
  out: ParsedOption[],
): Word[] | null {
  const operands: Word[] = [];
  const stopAtFirst = level.stopOptions;
  let i = start;
  while (i < words.length) {
    const word = words[i] as Word;
    if (word.value === null) {
      if (
        !runtimeOperandIsSafe(level) &&
        !(word.input === true && inputOperandIsSafe(level)) &&
        !(stopAtFirst && operands.length > 0)
      ) {
        // Still read the rest: what else the command does adds its own findings (`xargs -I{} cp {} /etc/`).
        add(
          w,
          "unknown",
          `a word only known at run time (${word.raw}) where ${level.path} expects ${expects(level)}`,
        );
      }
      operands.push(word);
      i += 1;
      if (stopAtFirst) break;
      continue;
    }
    if (word.value === "--") {
      operands.push(...words.slice(i + 1));
      return operands;
    }
    if (isOption(word.value) && !(stopAtFirst && operands.length > 0)) {
      const next = parseOption(w, level, words, i, out);
      if (next < 0) return null;
      i = next;
      continue;
    }
    operands.push(word);
    i += 1;
    if (stopAtFirst) break;
  }
  operands.push(...words.slice(i));
  return operands;
}

function expects(level: CompiledLevel): string {
  switch (level.operands[0]) {
    case "data":
    case "none":
      return "an option";
    case "command":
      return "a command";
    case "urls":
      return "a destination";
    default:
      return "an option or a path";
  }
}

/** Data words may be anything at run time only when no option of the tool writes, runs or raises the class. */
function runtimeOperandIsSafe(level: CompiledLevel): boolean {
  return level.operands.every((k) => k === "data") && level.anyOption && !level.hasRiskyOption;
}

/**
 * What `xargs` reads in lands after the words written, and GNU tools take an option anywhere: it may be a path
 * read or a harmless option, so it is safe only for tools whose every option is harmless and whose operands are
 * read, never written (`xargs wc -l`, not `xargs git show`, whose `--output` writes).
 */
function inputOperandIsSafe(level: CompiledLevel): boolean {
  return (
    level.operands.every((k) => k === "data" || k === "read") && level.anyOption && !level.hasRiskyOption
  );
}

/** Reads one option (and its value); returns the next index, or -1 when the command needs a person. */
function parseOption(
  w: Walk,
  level: CompiledLevel,
  words: readonly Word[],
  i: number,
  out: ParsedOption[],
): number {
  const text = (words[i] as Word).value as string;
  const raw = (words[i] as Word).raw;
  if (text.startsWith("--")) {
    const eq = text.indexOf("=");
    const name = eq > 0 ? text.slice(0, eq) : text;
    const spec = lookupLong(level, name);
    if (spec === "ambiguous" || spec === undefined) {
      if (spec === undefined && level.anyOption) return i + 1;
      add(w, "unknown", `${name} is not an option of ${level.path} the policy knows`, true);
      return -1;
    }
    if (spec.value === "flag" || spec.value === "optional" || eq > 0) {
      const value = eq > 0 ? { value: text.slice(eq + 1), raw } : undefined;
      return applyOption(w, level, spec, name, value, out) ? i + 1 : -1;
    }
    return applyOption(w, level, spec, name, words[i + 1], out) ? i + 2 : -1;
  }
  const exact = level.options.get(text);
  // Single-dash long options with a glued value (`terraform -chdir=infra`, `go build -o=bin/x`).
  const eq = text.indexOf("=");
  const singleLong = exact === undefined && eq > 2 ? level.options.get(text.slice(0, eq)) : undefined;
  if (singleLong !== undefined && singleLong.value !== "flag" && singleLong.value !== "command") {
    const value = { value: text.slice(eq + 1), raw };
    return applyOption(w, level, singleLong, text.slice(0, eq), value, out) ? i + 1 : -1;
  }
  if (
    exact?.value === "command" ||
    (exact === undefined && level.options.get(text.slice(0, 2))?.value === "command")
  ) {
    // `python -m pytest -x`: the module and every word after it are the command that runs.
    const spec = (exact ?? level.options.get(text.slice(0, 2))) as OptionSpec;
    const glued = exact === undefined ? [{ value: text.slice(2), raw }] : [];
    const command = [...glued, ...words.slice(i + 1)];
    out.push({ name: spec.names[0] ?? text, written: text, spec, value: command[0] });
    w.out.push(...judgeWrappedCommand(w.inv, { ...w.ctx, cwd: w.cwd }, command, `${level.path} ${text}`));
    return words.length;
  }
  if (exact !== undefined) {
    const value = exact.value === "flag" || exact.value === "optional" ? undefined : words[i + 1];
    return applyOption(w, level, exact, text, value, out) ? i + (value === undefined ? 1 : 2) : -1;
  }
  // A cluster of short options: `-rf`, `-C dir`, `-Cdir`, `-qO-`.
  for (let c = 1; c < text.length; c += 1) {
    const name = `-${text[c]}`;
    const spec = level.options.get(name);
    if (spec === undefined) {
      if (level.anyOption) continue;
      add(w, "unknown", `${c === 1 ? text : name} is not an option of ${level.path} the policy knows`, true);
      return -1;
    }
    if (spec.value === "optional" && c + 1 < text.length) {
      // GNU `-i[SUFFIX]`: whatever follows in the word is the option's value (`sed -i.bak`).
      return applyOption(w, level, spec, name, { value: text.slice(c + 1), raw }, out) ? i + 1 : -1;
    }
    if (spec.value === "flag" || spec.value === "optional") {
      if (!applyOption(w, level, spec, name, undefined, out)) return -1;
      continue;
    }
    const glued = text.slice(c + 1);
    if (glued !== "") return applyOption(w, level, spec, name, { value: glued, raw }, out) ? i + 1 : -1;
    return applyOption(w, level, spec, name, words[i + 1], out) ? i + 2 : -1;
  }
  return i + 1;
}

/** GNU getopt_long and git accept any unambiguous prefix of a long option: `--forc` is `--force`. */
function lookupLong(level: CompiledLevel, name: string): OptionSpec | "ambiguous" | undefined {
  const exact = level.options.get(name);
  if (exact !== undefined) return exact;
  const matches = new Set(level.longNames.filter((n) => n.startsWith(name)).map((n) => level.options.get(n)));
  // A level that lists only its risky options (`anyOption`) does not list the harmless option the prefix may
  // spell in full (`rg --files`, not `--files0-from`): only a prefix of a risky option is taken as that option.
  if (level.anyOption) {
    for (const m of matches) if (m !== undefined && isRisky(m)) return m;
    return undefined;
  }
  if (matches.size === 1) return [...matches][0];
  return matches.size > 1 ? "ambiguous" : undefined;
}

function isRisky(o: OptionSpec): boolean {
  return o.raises !== undefined || !["flag", "any", "read", "optional"].includes(o.value);
}

function applyOption(
  w: Walk,
  level: CompiledLevel,
  spec: OptionSpec,
  name: string,
  value: Word | undefined,
  out: ParsedOption[],
): boolean {
  out.push({ name: spec.names[0] ?? name, written: name, spec, value });
  if (spec.raises !== undefined) add(w, spec.raises, `${name} makes ${level.path} ${spec.raises}`);
  if (spec.value === "flag" || spec.value === "optional" || spec.value === "any") return true;
  if (value === undefined) {
    add(w, "unknown", `${name} of ${level.path} is missing its value`);
    return false;
  }
  switch (spec.value) {
    case "read":
    case "write":
    case "remove":
      judgePathWord(w, value, spec.value);
      return true;
    case "cwd":
      w.cwd = value.value === null ? null : resolvePath(value.value, w.cwd);
      return true;
    case "shell":
      w.out.push(...judgeShell(w, value, `${level.path} ${name}`));
      return true;
    case "url":
      w.out.push(judgeDestination(w.inv.subject, value, w.ctx.egress));
      return true;
    default:
      return true;
  }
}

function judgeShell(w: Walk, word: Word, how: string): Finding[] {
  if (word.value === null) {
    return [finding(w.inv, "unknown", `${how} runs shell text only known at run time (${word.raw})`)];
  }
  return w.ctx.judgeScript(word.value, how);
}

function judgePathWord(
  w: { inv: Invocation; ctx: RuleContext; out: Finding[]; cwd: string | null },
  word: Word,
  access: PathAccess,
): void {
  // `-` names standard input or output, by the convention of every tool that takes a path.
  if (word.value === "-") return;
  if (word.value === null && access === "read" && word.input !== true) {
    w.out.push(finding(w.inv, "unknown", `reads a path only known at run time (${word.raw})`));
    return;
  }
  const f = judgePath(w.inv.subject, word, access, { workspace: w.ctx.workspace, cwd: w.cwd });
  if (f !== null) w.out.push(f);
}

function judgeOperands(w: Walk, level: CompiledLevel, operands: readonly Word[]): void {
  const kinds = level.operands;
  const last = kinds[kinds.length - 1] ?? "data";
  const lead = kinds.length - 1;
  switch (last) {
    case "copy":
      operands.forEach((word, index) => {
        judgePathWord(w, word, index === operands.length - 1 ? "write" : "read");
      });
      return;
    case "command":
      w.out.push(...judgeWrappedCommand(w.inv, { ...w.ctx, cwd: w.cwd }, operands.slice(lead), level.path));
      return;
    case "script": {
      const file = operands[lead];
      const ctx = { ...w.ctx, cwd: w.cwd };
      if (file !== undefined) w.out.push(...judgeScriptFile(w.inv, ctx, file, `${level.path} runs`));
      return;
    }
  }
  operands.forEach((word, index) => {
    const kind = kinds[Math.min(index, kinds.length - 1)];
    switch (kind) {
      case "none":
        add(w, "unknown", `${level.path} takes no operand here, got ${word.raw}`);
        return;
      case "read":
      case "write":
      case "remove":
        judgePathWord(w, word, kind);
        return;
      case "urls":
        w.out.push(judgeDestination(w.inv.subject, word, w.ctx.egress));
        return;
    }
  });
}

/** The command a wrapper runs (`sudo git push`, `env X=1 make`), judged like any other. */
export function judgeWrappedCommand(
  inv: Invocation,
  ctx: RuleContext,
  words: readonly Word[],
  wrapper: string,
): Finding[] {
  const [first, ...rest] = words;
  if (first === undefined) return [];
  if (first.value === null) {
    return [finding(inv, "unknown", `${wrapper} runs a command only known at run time (${first.raw})`)];
  }
  return ctx.judge({ ...inv, name: first.value, args: rest }, { cwd: ctx.cwd });
}

/**
 * A workspace file the run executes or loads, trusted as workspace-write only while the agent has not changed it
 * since the prepared revision (the change record's paths; none given means nothing is known to have changed).
 */
export function changedFinding(
  inv: Invocation,
  ctx: RuleContext,
  path: string,
  what: string,
): Finding | null {
  const changed = ctx.changed;
  if (changed === undefined) return null;
  const hit = changed.find((p) => p === path || (p.includes("*") && globMatch(p, path)));
  if (hit === undefined) return null;
  const relative = path.startsWith(`${ctx.workspace}/`) ? path.slice(ctx.workspace.length + 1) : path;
  return finding(
    inv,
    "unknown",
    `${what} ${relative}, which the agent changed since the prepared revision (review: git diff -- ${relative})`,
  );
}

function judgeLoaded(w: Walk, level: CompiledLevel, pattern: string): void {
  if (w.ctx.changed === undefined || w.cwd === null) return;
  const base = resolvePath(pattern, w.cwd);
  if (base === null) return;
  const re = globRegExp(base);
  for (const path of w.ctx.changed) {
    if (re.test(path)) {
      const f = changedFinding(w.inv, w.ctx, path, `${level.path} loads`);
      if (f !== null) w.out.push(f);
    }
  }
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  return new RegExp(`^${body}$`);
}

function globMatch(glob: string, path: string): boolean {
  return globRegExp(glob).test(path);
}

/**
 * A script file run by path or by an interpreter (`./scripts/test.sh`, `node scripts/build.mjs`): the policy cannot
 * see inside it, so it judges where it is, what it is called, and whether the agent changed it.
 */
export function judgeScriptFile(inv: Invocation, ctx: RuleContext, file: Word, verb: string): Finding[] {
  if (file.value === null) {
    return [finding(inv, "unknown", `${verb} a script whose path is only known at run time (${file.raw})`)];
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file.value)) {
    return [finding(inv, "unknown", `${verb} a script fetched from ${file.value}`, true)];
  }
  const path = resolvePath(file.value, ctx.cwd);
  if (path === null) {
    return [finding(inv, "unknown", `${verb} ${file.value} from a directory the policy could not follow`)];
  }
  const zone = zoneOf(path, ctx.workspace);
  const shown = displayPath(path);
  if (zone.kind !== "workspace" && zone.kind !== "scratch") {
    return [finding(inv, "unknown", `${verb} ${shown}, a program outside the workspace`, true)];
  }
  const changed = changedFinding(inv, ctx, path, verb);
  if (changed !== null) return [changed];
  const stem = posix.basename(path).replace(/\.[A-Za-z0-9]{1,4}$/, "");
  const risk = taskRisk(stem);
  if (risk === "safe") return [finding(inv, "workspace-write", `${verb} the workspace script ${shown}`)];
  if (risk === "unknown") {
    return [finding(inv, "unknown", `${verb} ${shown}, a workspace script the policy cannot see into`, true)];
  }
  return [finding(inv, risk.class, `${verb} ${shown}, whose name says it ${risk.detail}`)];
}
