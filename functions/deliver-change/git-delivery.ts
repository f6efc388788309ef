import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CredentialRefusedError,
  PatchDoesNotApplyError,
  PlatformError,
  ThrottledError,
  TransientError,
  ValidationFailedError,
} from "#lib/errors.ts";
import { redactBounded } from "#lib/redaction.ts";

/**
 * Builds the delivery commit outside the session with the real `git`, in a throwaway repository under the task's
 * temporary directory, and pushes it as a new branch.
 *
 * Why real git and not the forge's Git Data API: the exported patch is git's own format (binary-safe, renames,
 * modes), and only `git apply` applies all of it exactly as `git am` would for the person who reads it; a second
 * patch applier would be a second interpretation of what was approved. Nothing is checked out: the prepared
 * revision is fetched shallow (one commit, no blobs written to a work tree), the patch is applied to the index
 * only (`apply --cached`), and `write-tree`/`commit-tree` make the commit, so no file of the repository is ever
 * written to disk or executed, and no hook can run (none is configured and none is reachable). The same code
 * delivers to a local repository (local mode) and to an https remote (AWS), which one test suite covers.
 *
 * The credential travels as an `http.extraHeader` in git's environment (GIT_CONFIG_*): never on a command line
 * (visible in the process list), never in a config file or a remote URL (written to disk, echoed in errors).
 */

export interface GitRemote {
  /** An https URL, or (local mode) an absolute path to a repository. */
  readonly url: string;
  /** For https remotes: the write token (sent as HTTP basic auth `x-access-token:<token>`, as GitHub expects). */
  readonly token?: string;
}

interface CommitIdentity {
  readonly name: string;
  readonly email: string;
  /** ISO-8601: the commit's author and committer date (the approval's time, so a retry builds the same commit). */
  readonly date: string;
}

export interface BranchDeliveryInput {
  readonly remote: GitRemote;
  /** The prepared revision: the branch's parent. Full hex object id. */
  readonly baseRevision: string;
  readonly patch: Buffer;
  readonly branch: string;
  readonly message: string;
  readonly identity: CommitIdentity;
  /** Where the throwaway repository is made. @default os.tmpdir() (Lambda's /tmp) */
  readonly tmpRoot?: string;
  /** Per git command. @default 120000 */
  readonly timeoutMs?: number;
}

export interface BranchDelivered {
  readonly branch: string;
  readonly commit: string;
  /** The branch already held this delivery (a retried or resumed delivery): nothing was pushed. */
  readonly alreadyDelivered: boolean;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const BRANCH = /^agentcore-repair\/[0-9a-f]{12}$/;
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Git {
  constructor(
    private readonly directory: string,
    private readonly environment: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
  ) {}

  run(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      execFile(
        "git",
        args,
        {
          cwd: this.directory,
          env: { ...this.environment, ...extraEnv },
          timeout: this.timeoutMs,
          maxBuffer: 16 * 1024 * 1024,
          encoding: "utf8",
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") {
            reject(
              error.killed
                ? new TransientError(`git ${args[0]} did not finish in ${this.timeoutMs} ms`)
                : new PlatformError(`git could not be started: ${error.message}`),
            );
            return;
          }
          resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
  }

  async ok(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await this.run(args, extraEnv);
    if (result.code !== 0) throw remoteFailure(args[0]!, result.stderr);
    return result.stdout.trim();
  }
}

/** git's environment: no system/global config, no prompts, no hooks, only the transport the remote needs. */
function gitEnvironment(remote: GitRemote, home: string): NodeJS.ProcessEnv {
  const transport = remote.url.startsWith("/") ? "file" : remote.url.startsWith("http://") ? "http" : "https";
  const config: [string, string][] = [
    ["core.hooksPath", "/dev/null"],
    ["core.fsmonitor", "false"],
    ["protocol.allow", "never"],
    [`protocol.${transport}.allow`, "always"],
    ["credential.helper", ""],
  ];
  if (remote.token !== undefined) {
    const basic = Buffer.from(`x-access-token:${remote.token}`, "utf8").toString("base64");
    config.push(["http.extraHeader", `Authorization: Basic ${basic}`]);
  }
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], index) => {
    environment[`GIT_CONFIG_KEY_${index}`] = key;
    environment[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return environment;
}

/** Names a failed remote operation by what the caller can do about it. stderr never holds the token (a header). */
export function remoteFailure(operation: string, stderr: string): Error {
  const detail = redactBounded(stderr.trim().split("\n").slice(-3).join(" / "), 500);
  const message = `git ${operation} failed: ${detail}`;
  if (
    /Authentication failed|could not read (Username|Password)|returned error: 40[13]|Permission to \S+ denied|permission denied|denied to/i.test(
      stderr,
    )
  ) {
    return new CredentialRefusedError(message, { operation });
  }
  if (/returned error: 429|rate limit/i.test(stderr)) return new ThrottledError(message, { operation });
  if (
    /returned error: 5\d\d|Could not resolve host|Connection (timed out|refused|reset)|Failed to connect|early EOF|RPC failed|the remote end hung up/i.test(
      stderr,
    )
  ) {
    return new TransientError(message, { operation });
  }
  return new PlatformError(message, { operation });
}

function assertDeliveryInput(input: BranchDeliveryInput): void {
  const problems: { field: string; problem: string }[] = [];
  if (!OBJECT_ID.test(input.baseRevision)) {
    problems.push({
      field: "workspace.revision",
      problem: "must be a full hex object id (40 or 64 characters)",
    });
  }
  if (!BRANCH.test(input.branch)) {
    problems.push({ field: "branch", problem: "must be agentcore-repair/<12 lowercase hex>" });
  }
  const { url } = input.remote;
  if (!url.startsWith("/") && !url.startsWith("https://") && !LOOPBACK_HTTP.test(url)) {
    problems.push({
      field: "remote",
      problem: "must be an https URL or an absolute local path (plain http only on loopback, for tests)",
    });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
}

/** Whether a commit on the remote is this delivery: the same tree on the same parent. */
async function isOurs(git: Git, commit: string, tree: string, base: string): Promise<boolean> {
  const [theirTree, theirParents] = await Promise.all([
    git.ok(["rev-parse", `${commit}^{tree}`]),
    git.ok(["rev-list", "--parents", "-n", "1", commit]),
  ]);
  return theirTree === tree && theirParents.split(" ").slice(1).join(" ") === base;
}

async function remoteBranchHead(git: Git, remote: string, branch: string): Promise<string | undefined> {
  const listed = await git.ok(["ls-remote", "--heads", remote, `refs/heads/${branch}`]);
  const line = listed.split("\n").find((entry) => entry.endsWith(`\trefs/heads/${branch}`));
  return line?.split("\t")[0];
}

/**
 * What an existing branch of that name means: this delivery (a retry) or someone else's branch, which is never
 * touched.
 */
async function existingDelivery(
  git: Git,
  remote: string,
  branch: string,
  commit: string,
  tree: string,
  base: string,
): Promise<BranchDelivered | undefined> {
  const head = await remoteBranchHead(git, remote, branch);
  if (head === undefined) return undefined;
  if (head === commit) return { branch, commit, alreadyDelivered: true };
  await git.ok(["fetch", "--quiet", "--no-tags", "--depth", "2", remote, `refs/heads/${branch}`]);
  if (await isOurs(git, head, tree, base)) return { branch, commit: head, alreadyDelivered: true };
  throw new PlatformError(
    `branch ${branch} already exists on the remote and is not this delivery (its head ${head.slice(0, 12)} is not ` +
      "the approved patch on the prepared revision); it is left alone and nothing was pushed",
    { branch },
  );
}

export async function deliverBranch(input: BranchDeliveryInput): Promise<BranchDelivered> {
  assertDeliveryInput(input);
  const directory = await mkdtemp(join(input.tmpRoot ?? tmpdir(), "deliver-"));
  try {
    const git = new Git(directory, gitEnvironment(input.remote, directory), input.timeoutMs ?? 120_000);
    const remote = input.remote.url;
    await git.ok(["init", "--quiet"]);

    const fetched = await git.run([
      "fetch",
      "--quiet",
      "--no-tags",
      "--depth",
      "1",
      remote,
      input.baseRevision,
    ]);
    if (fetched.code !== 0) {
      const failure = remoteFailure("fetch", fetched.stderr);
      if (failure.name !== "PlatformError") throw failure;
      throw new PatchDoesNotApplyError(
        `the prepared revision ${input.baseRevision.slice(0, 12)} is no longer on the remote (its history was ` +
          `rewritten?): ${failure.message}`,
        { baseRevision: input.baseRevision },
      );
    }

    await git.ok(["read-tree", input.baseRevision]);
    const patchFile = join(directory, "change.patch");
    await writeFile(patchFile, input.patch);
    const applied = await git.run(["apply", "--cached", "--binary", "--whitespace=nowarn", patchFile]);
    if (applied.code !== 0) {
      throw new PatchDoesNotApplyError(
        `the approved patch does not apply to the prepared revision ${input.baseRevision.slice(0, 12)}: ` +
          redactBounded(applied.stderr.trim().split("\n").slice(0, 3).join(" / "), 500),
        { baseRevision: input.baseRevision },
      );
    }
    const tree = await git.ok(["write-tree"]);
    const messageFile = join(directory, "message.txt");
    await writeFile(messageFile, input.message, "utf8");
    const { name, email, date } = input.identity;
    const commit = await git.ok(["commit-tree", tree, "-p", input.baseRevision, "-F", messageFile], {
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
      GIT_COMMITTER_DATE: date,
    });

    const existing = await existingDelivery(git, remote, input.branch, commit, tree, input.baseRevision);
    if (existing) return existing;
    // A plain push: it can only create the branch (or fast-forward it), never rewrite anyone's history.
    const pushed = await git.run([
      "push",
      "--quiet",
      "--no-verify",
      remote,
      `${commit}:refs/heads/${input.branch}`,
    ]);
    if (pushed.code !== 0) {
      const failure = remoteFailure("push", pushed.stderr);
      if (failure.name !== "PlatformError") throw failure;
      // Rejected: someone (an earlier attempt of ours, or not) created the branch between the check and the push.
      const raced = await existingDelivery(git, remote, input.branch, commit, tree, input.baseRevision);
      if (raced) return raced;
      throw failure;
    }
    return { branch: input.branch, commit, alreadyDelivered: false };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
