import type { Node } from "web-tree-sitter";
import { HOME } from "./workspace-paths.ts";

/**
 * A shell word after quote removal. `value` is null when any part of it is only known at run time (a variable
 * the policy has no value for, a command substitution, arithmetic): such a word can never be trusted as a
 * command name, a subcommand or a path that is written.
 */
export interface Word {
  readonly value: string | null;
  /** The source text, as the person wrote it. */
  readonly raw: string;
  /** Arguments a wrapper reads from its input (`xargs`): operands, never a subcommand or a command name. */
  readonly input?: true;
}

/** What a word may expand to: the variables the walker knows a single value for, and the working directory. */
export interface WordEnvironment {
  lookup(name: string): string | undefined;
  readonly cwd: string | null;
}

export function staticWord(value: string): Word {
  return { value, raw: value };
}

export function dynamicWord(raw: string): Word {
  return { value: null, raw };
}

export function evaluateWord(node: Node, env: WordEnvironment): Word {
  return { value: evaluate(node, env, true), raw: node.text };
}

function evaluate(node: Node, env: WordEnvironment, atStart: boolean): string | null {
  switch (node.type) {
    case "word":
      return expandTilde(unescapeUnquoted(node.text), atStart && node.text.startsWith("~"));
    case "number":
      return node.text;
    case "raw_string":
      return node.text.slice(1, -1);
    case "ansi_c_string":
      return decodeAnsiC(node.text.slice(2, -1));
    case "string":
      return evaluateDoubleQuoted(node, env);
    case "translated_string": {
      const inner = node.namedChildren.find((c) => c?.type === "string");
      return inner ? evaluateDoubleQuoted(inner, env) : null;
    }
    case "concatenation": {
      let out = "";
      let first = true;
      for (const part of node.children) {
        if (part === null) continue;
        const value = evaluate(part, env, atStart && first);
        if (value === null) return null;
        out += value;
        first = false;
      }
      return out;
    }
    case "simple_expansion":
    case "expansion":
      return expandVariable(node, env);
    case "command_substitution":
      return isPwdSubstitution(node) ? env.cwd : null;
    case "$":
      return "$";
    case "process_substitution":
      // `<(cmd)` is a pipe the shell names /dev/fd/N: the command inside is judged where the walker meets it.
      return node.text.startsWith("<(") ? "/dev/fd/63" : null;
    default:
      // Arithmetic, process substitution, brace expressions and anything new are only known at run time.
      return null;
  }
}

function evaluateDoubleQuoted(node: Node, env: WordEnvironment): string | null {
  let out = "";
  for (const part of node.children) {
    if (part === null || part.type === '"') continue;
    if (part.type === "string_content") {
      out += unescapeDoubleQuoted(part.text);
      continue;
    }
    const value = evaluate(part, env, false);
    if (value === null) return null;
    out += value;
  }
  return out;
}

function expandVariable(node: Node, env: WordEnvironment): string | null {
  const named = node.namedChildren.filter((c): c is Node => c !== null);
  // `${NAME}` and `$NAME` only: any operator (`${X:-y}`, `${X/a/b}`, `${!X}`) makes the value run-time only.
  if (named.length !== 1 || named[0]?.type !== "variable_name") return null;
  if (node.type === "expansion" && node.childCount !== 3) return null;
  const name = named[0].text;
  if (name === "HOME") return HOME;
  if (name === "PWD") return env.cwd;
  return env.lookup(name) ?? null;
}

function isPwdSubstitution(node: Node): boolean {
  return /^(\$\(\s*pwd\s*\)|`\s*pwd\s*`)$/.test(node.text);
}

function expandTilde(value: string, unquotedTilde: boolean): string {
  if (!unquotedTilde) return value;
  if (value === "~" || value.startsWith("~/")) return HOME + value.slice(1);
  // `~user/...`: another user's home, outside any workspace.
  return `/${value}`;
}

function unescapeUnquoted(text: string): string {
  return text.replace(/\\(\n|.)/gs, (_m, ch: string) => (ch === "\n" ? "" : ch));
}

function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_m, ch: string) => (ch === "\n" ? "" : ch));
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** `$'...'` strings, so `$'\x67it' push` is judged as `git push`. */
export function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/gs,
    (_m, esc: string) => {
      const head = esc[0] ?? "";
      if (head === "x" || head === "u" || head === "U") {
        return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
      }
      if (/^[0-7]/.test(esc)) return String.fromCodePoint(Number.parseInt(esc, 8) & 0xff);
      if (head === "c" && esc.length === 2) return String.fromCharCode((esc.charCodeAt(1) & 0x1f) >>> 0);
      return SIMPLE_ESCAPES[esc] ?? `\\${esc}`;
    },
  );
}
