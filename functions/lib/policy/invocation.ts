import type { Finding } from "./findings.ts";
import type { Word } from "./shell-words.ts";

/** `NAME=value` written before a command (or given to `env`): the command's environment. */
export interface Assignment {
  readonly name: string;
  readonly value: Word;
}

/** What the command reads on standard input, when the policy can see it. */
export type Stdin =
  | { readonly kind: "inherited" }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "dynamic" }
  | { readonly kind: "file"; readonly word: Word };

/** One simple command as the shell will run it: name and arguments after quote removal. */
export interface Invocation {
  readonly name: string;
  readonly args: readonly Word[];
  readonly assignments: readonly Assignment[];
  /** The source text of the simple command: the subject of every reason about it. */
  readonly subject: string;
  readonly stdin: Stdin;
}

/** What a rule may ask of the walker: where it is, and to judge wrapped commands or shell text. */
export interface RuleContext {
  readonly workspace: string;
  /** The working directory, or null after a `cd` the policy could not follow. */
  readonly cwd: string | null;
  /** A virtual environment under the workspace was activated earlier on the command line. */
  readonly venv: boolean;
  /** Hosts a command may contact without a person (the deployment's egress allow-list). */
  readonly egress: readonly string[];
  /** Absolute paths of workspace files the agent changed since the prepared revision, when known. */
  readonly changed: readonly string[] | undefined;
  /** Whether the policy has a rule for this command name (`yarn jest` runs the jest executable). */
  knows(name: string): boolean;
  /** Judges a command run by a wrapper (`sudo git push`), optionally in another directory. */
  judge(inv: Invocation, options?: { readonly cwd?: string | null; readonly venv?: boolean }): Finding[];
  /** Parses and judges shell text one level deeper (`bash -c`, `eval`, `watch`, `trap`). */
  judgeScript(text: string, how: string, options?: { readonly sameShell?: boolean }): Finding[];
}

type Rule = (inv: Invocation, ctx: RuleContext) => Finding[];

export type RuleTable = Readonly<Record<string, Rule>>;
