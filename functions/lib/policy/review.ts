import { commandHash } from "../command-hash.ts";
import type { CommandReview } from "../contracts.ts";
import { ValidationFailedError } from "../errors.ts";
import { loadBashParser } from "./bash-parser.ts";
import { DEFAULT_EGRESS_ALLOW_LIST, parseEgressList } from "./egress.ts";
import { checkSpecExamples } from "./examples.ts";
import { type Finding, formatReason, isAllowedClass, sortClasses } from "./findings.ts";
import { createJudge } from "./judge.ts";
import { compileConfig, type PolicyConfig } from "./policy-config.ts";
import { commandRules, toolSpecs } from "./rules/index.ts";
import { initialState } from "./shell-state.ts";
import { subjectOf, type WalkEnvironment, Walker } from "./walker.ts";
import { normalizeAbsolute } from "./workspace-paths.ts";

/**
 * The command policy: which proposed commands run directly and which wait for a person.
 *
 * A command is parsed with tree-sitter-bash and every simple command in it is judged, wherever it sits: lists,
 * pipelines, subshells, if/for/while/case bodies, functions (where they are called), command and process
 * substitutions, here-documents, and shell text handed to `bash -c`, `sh -c`, `eval`, `watch`, `trap`, `env -S`,
 * `find -exec sh -c` or `git rebase --exec` (parsed again, up to `maxDepth` levels). Wrappers (`sudo`, `env`,
 * `nice`, `timeout`, `xargs`, `find -exec`, `npx`, `command`, `exec`, ...) are looked through. The walker follows
 * `cd`, `pushd`/`popd`, variables with static values and `for` loops, so relative paths are resolved as the shell
 * would; redirections are judged like any other write.
 *
 * Each simple command gets one or more classes (read-only, workspace-write, vcs-remote, infrastructure,
 * package-publish, credentials, network-write, destructive, unknown). The decision is `allow` only when every
 * finding is read-only or workspace-write; anything dynamic (a name or a written path only known at run time),
 * unparseable, too deep, or not known to the rules is `unknown`, and waits for a person. Writes outside the
 * workspace (and scratch space under /tmp) are reported as destructive, with the path in the reason.
 *
 * Flags never lower a dangerous verb: `git push --dry-run`, `npm publish --dry-run` and `kubectl apply
 * --dry-run=client` still wait, because whether the flag is honoured depends on the tool and its version.
 */
export interface PolicyOptions {
  /** The repository's directory, where commands start: `/mnt/workspace/<repo>`. */
  readonly workspace: string;
  /** The repository's additions (already validated with `parsePolicyConfig`). */
  readonly config?: PolicyConfig;
  /** Levels of shell text inside shell text (`bash -c "eval ..."`) judged before giving up. @default 8 */
  readonly maxDepth?: number;
  /** Hosts commands may contact without a person: the deployment's egress allow-list. @default DEFAULT_EGRESS_ALLOW_LIST */
  readonly egressAllowList?: readonly string[];
}

/** What one review knows beyond the command: the workspace files the agent changed since the prepared revision. */
export interface ReviewContext {
  /** Paths relative to the workspace (git's `$.change.files[].path`), or absolute paths under it. */
  readonly changedPaths?: readonly string[];
}

export interface CommandPolicy {
  readonly workspace: string;
  /**
   * Judges one proposed command. Synchronous: the parser is loaded when the policy is created. With changed paths,
   * a command that runs or loads a workspace file the agent changed needs a person.
   */
  review(command: string, context?: ReviewContext): CommandReview;
}

/** Commands longer than this are not parsed at all (bounded work per command); they wait for a person. */
const EXAMPLE_WORKSPACE = "/mnt/workspace/example";

export const MAX_COMMAND_BYTES = 65_536;
const MAX_REASONS = 40;
const DEFAULT_MAX_DEPTH = 8;
const MAX_DEPTH_LIMIT = 16;

export async function createCommandPolicy(options: PolicyOptions): Promise<CommandPolicy> {
  const workspace = validateWorkspace(options.workspace);
  const maxDepth = validateDepth(options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const parser = await loadBashParser();
  const judge = createJudge(
    commandRules,
    options.config === undefined ? undefined : compileConfig(options.config),
  );
  const egress = parseEgressList(options.egressAllowList ?? DEFAULT_EGRESS_ALLOW_LIST, "egressAllowList");
  const env: WalkEnvironment = {
    workspace,
    parser,
    maxDepth,
    judgeInvocation: judge,
    knows: (name: string) => Object.hasOwn(commandRules, name),
    egress,
    changed: undefined,
  };
  // The specs' own examples, under the built-in rules and the default egress list, in a workspace of their own.
  checkSpecExamples(toolSpecs, (command) =>
    review(command, {
      ...env,
      workspace: EXAMPLE_WORKSPACE,
      egress: DEFAULT_EGRESS_ALLOW_LIST,
      judgeInvocation: createJudge(commandRules, undefined),
    }),
  );
  return {
    workspace,
    review: (command, context) => review(command, withChanges(env, context)),
  };
}

/** One-off review; a service reviewing many commands should keep the policy from `createCommandPolicy`. */
export async function reviewCommand(command: string, options: PolicyOptions): Promise<CommandReview> {
  return (await createCommandPolicy(options)).review(command);
}

function withChanges(env: WalkEnvironment, context: ReviewContext | undefined): WalkEnvironment {
  const paths = context?.changedPaths;
  if (paths === undefined || paths.length === 0) return env;
  const changed = paths
    .filter((p) => typeof p === "string" && p !== "")
    .map((p) => normalizeAbsolute(p.startsWith("/") ? p : `${env.workspace}/${p}`));
  return { ...env, changed };
}

function review(command: string, env: WalkEnvironment): CommandReview {
  return summarize(command, judgeCommand(command, env));
}

function judgeCommand(command: string, env: WalkEnvironment): Finding[] {
  const subject = subjectOf(command);
  const bytes = Buffer.byteLength(command, "utf8");
  if (bytes > MAX_COMMAND_BYTES) {
    return [
      {
        class: "unknown",
        subject,
        detail: `the command is ${bytes} bytes; the limit is ${MAX_COMMAND_BYTES}`,
      },
    ];
  }
  if (command.includes("\0"))
    return [{ class: "unknown", subject, detail: "the command contains a NUL byte" }];
  const tree = env.parser.parse(command);
  try {
    const walker = new Walker(env, 0, []);
    walker.walk(tree.rootNode, initialState(env.workspace));
    if (walker.findings.length === 0) {
      return [
        {
          class: "unknown",
          subject: subject === "" ? "(empty)" : subject,
          detail: "there is no command to judge",
        },
      ];
    }
    return walker.findings;
  } finally {
    tree.delete();
  }
}

function summarize(command: string, findings: readonly Finding[]): CommandReview {
  const unique = new Map<string, Finding>();
  for (const f of findings) unique.set(`${f.class}\u0000${f.subject}\u0000${f.detail}`, f);
  const all = [...unique.values()];
  // The reasons a person must decide on come first.
  const ordered = [
    ...all.filter((f) => !isAllowedClass(f.class)),
    ...all.filter((f) => isAllowedClass(f.class)),
  ];
  const reasons = ordered.slice(0, MAX_REASONS).map(formatReason);
  if (ordered.length > MAX_REASONS) reasons.push(`… and ${ordered.length - MAX_REASONS} more`);
  return {
    command,
    commandHash: commandHash(command),
    decision: all.every((f) => isAllowedClass(f.class)) ? "allow" : "approve",
    classes: sortClasses(all.map((f) => f.class)),
    reasons,
  };
}

function validateWorkspace(workspace: string): string {
  if (!workspace.startsWith("/")) {
    throw new ValidationFailedError([
      { field: "workspace", problem: `must be an absolute path, got ${workspace}` },
    ]);
  }
  const normalized = normalizeAbsolute(workspace);
  if (normalized === "/" || normalized.split("/").includes("~")) {
    throw new ValidationFailedError([
      { field: "workspace", problem: `must be a directory below /, got ${workspace}` },
    ]);
  }
  return normalized;
}

function validateDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH_LIMIT) {
    throw new ValidationFailedError([
      { field: "maxDepth", problem: `must be an integer from 1 to ${MAX_DEPTH_LIMIT}, got ${depth}` },
    ]);
  }
  return depth;
}
