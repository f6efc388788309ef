import { z } from "zod";
import { ValidationFailedError } from "../errors.ts";
import type { Finding } from "./findings.ts";
import type { Invocation } from "./invocation.ts";

/**
 * A repository's additions to the policy. It can only add:
 * - `allow`: commands the policy does not know, declared read-only or workspace-write. An entry replaces only an
 *   "unknown command / subcommand / script" finding; it never changes a finding of a stronger class, and never
 *   one about text only known at run time or text the shell cannot parse.
 * - `approve`: commands that must always wait for a person, whatever the built-in rules say.
 *
 * Patterns are words matched against the simple command after wrappers are removed: the first word is a literal
 * command name (no wildcards, so no entry can allow every unknown command), later words may use `*` and `?`, and
 * a final `**` matches any remaining arguments. `npm run e2e **`, `make docs-*`, `./scripts/check.sh`.
 */
const PATTERN_LIMIT = 200;

const CommandPattern = z
  .string()
  .trim()
  .min(1, "must name a command")
  .max(PATTERN_LIMIT, `must be at most ${PATTERN_LIMIT} characters`)
  .refine((p) => !/[*?[\]]/.test(p.split(/\s+/)[0] ?? ""), {
    message: "the first word must be a literal command name, without * or ?",
  })
  .refine((p) => !p.split(/\s+/).slice(0, -1).includes("**"), { message: "** may only be the last word" });

const Reason = z.string().trim().min(1).max(300, "must be at most 300 characters");

const PolicyConfigSchema = z
  .object({
    allow: z
      .array(
        z
          .object({
            command: CommandPattern,
            class: z.enum(["read-only", "workspace-write"]),
            reason: Reason.optional(),
          })
          .strict(),
      )
      .max(500, "at most 500 entries")
      .default([]),
    approve: z
      .array(
        z
          .object({
            command: CommandPattern,
            class: z
              .enum([
                "vcs-remote",
                "infrastructure",
                "package-publish",
                "credentials",
                "network-write",
                "destructive",
                "unknown",
              ])
              .default("unknown"),
            reason: Reason,
          })
          .strict(),
      )
      .max(500, "at most 500 entries")
      .default([]),
  })
  .strict();

export type PolicyConfig = z.output<typeof PolicyConfigSchema>;
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/** Validates a configuration; errors name the field (`allow[2].class`) and the problem. */
export function parsePolicyConfig(input: unknown, source = "policy config"): PolicyConfig {
  const result = PolicyConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationFailedError(
    result.error.issues.map((issue) => ({
      field: `${source}${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`,
      problem: issue.message,
    })),
  );
}

interface CompiledPattern {
  readonly name: string;
  readonly args: readonly RegExp[];
  readonly rest: boolean;
}

export interface CompiledConfig {
  readonly allow: readonly {
    readonly pattern: CompiledPattern;
    readonly entry: PolicyConfig["allow"][number];
  }[];
  readonly approve: readonly {
    readonly pattern: CompiledPattern;
    readonly entry: PolicyConfig["approve"][number];
  }[];
}

export function compileConfig(config: PolicyConfig): CompiledConfig {
  return {
    allow: config.allow.map((entry) => ({ pattern: compilePattern(entry.command), entry })),
    approve: config.approve.map((entry) => ({ pattern: compilePattern(entry.command), entry })),
  };
}

function compilePattern(pattern: string): CompiledPattern {
  const words = pattern.trim().split(/\s+/);
  const [name = "", ...args] = words;
  const rest = args.at(-1) === "**";
  const literalArgs = rest ? args.slice(0, -1) : args;
  return { name, args: literalArgs.map(globToRegExp), rest };
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "s");
}

function matches(pattern: CompiledPattern, inv: Invocation): boolean {
  const basename = inv.name.slice(inv.name.lastIndexOf("/") + 1);
  const nameMatches = pattern.name === inv.name || (!pattern.name.includes("/") && pattern.name === basename);
  if (!nameMatches) return false;
  const values = inv.args.map((a) => a.value);
  // A word only known at run time never matches: the allow list cannot vouch for what it does not see.
  if (values.some((v) => v === null)) return false;
  if (pattern.rest ? values.length < pattern.args.length : values.length !== pattern.args.length)
    return false;
  return pattern.args.every((re, i) => re.test(values[i] as string));
}

/** Applies a repository's rules to the built-in findings about one simple command. */
export function applyConfig(
  inv: Invocation,
  findings: readonly Finding[],
  config: CompiledConfig,
): Finding[] {
  const out = [...findings];
  for (const { pattern, entry } of config.approve) {
    if (matches(pattern, inv)) {
      out.push({
        class: entry.class,
        subject: inv.subject,
        detail: `the repository's policy: ${entry.reason}`,
      });
    }
  }
  if (!out.some((f) => f.overridable)) return out;
  const allowed = config.allow.find(({ pattern }) => matches(pattern, inv));
  if (allowed === undefined) return out;
  const detail = `allowed by the repository's policy${allowed.entry.reason ? `: ${allowed.entry.reason}` : ""}`;
  return out.map((f) => (f.overridable ? { class: allowed.entry.class, subject: f.subject, detail } : f));
}
