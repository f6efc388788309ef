/**
 * The shapes that travel between the Lambda tasks through Step Functions state. Every task reads the whole state
 * (`Payload.$: "$"`) and the ASL stores its result under one key with ResultSelector `$.Payload` and ResultPath.
 * Everything here is bounded: full command output lives in the artifact store, state carries digests only.
 *
 * State layout (JSONPath):
 *   $.request     RepairRequest          (Normalize the request)
 *   $.iteration   number                 (starts at 0; incremented by "Count the iteration")
 *   $.workspace   WorkspaceState         (Prepare the workspace)
 *   $.validation  CommandOutcome         (Run validation)
 *   $.verdict     Verdict                (Parse the exit code)
 *   $.agent       AgentTurn              (Invoke the agent)
 *   $.review      ReviewResult           (Review proposed commands)
 *   $.change      ChangeRecord           (Measure the change: what git says changed since the prepared revision)
 *   $.export      ChangeExport           (Export the change: the patch's key, hash and stats)
 *   $.delivery    ChangeDelivery         (Deliver the change)
 *   $.report      FinalReport            (Finalize)
 *   $.error       { Error, Cause }       (Catch ResultPath)
 */

export type TriggerKind = "repair-requested" | "codebuild" | "api" | "console";

export type RepositorySource =
  | { readonly kind: "git"; readonly url: string; readonly revision?: string; readonly branch?: string }
  | { readonly kind: "local"; readonly path: string; readonly revision?: string };

export interface RepairLimits {
  /** Agent iterations before giving up. @default 3 */
  readonly maxIterations: number;
  /** Timeout of each command in seconds (1-3600). @default 300 */
  readonly commandTimeoutSeconds: number;
  /** Wall-clock budget of the whole repair in seconds. @default 3600 */
  readonly budgetSeconds: number;
}

/** The canonical request emitted by normalize-request; every later task reads it from `$.request`. */
export interface RepairRequest {
  /** Deterministic: same repository, revision and command give the same id (sha256, hex, 64 chars). */
  readonly requestId: string;
  /** sha256 of repository + revision: the repository lock's key (one repair per repository and commit at once). */
  readonly lockKey: string;
  /** Deterministic session id, 33-256 characters, derived from requestId. */
  readonly sessionId: string;
  readonly runtimeArn: string;
  readonly qualifier?: string;
  readonly source: RepositorySource;
  /** Directory name under the mount path: [A-Za-z0-9._-]{1,100}, never "." or "..". */
  readonly repoName: string;
  /** `${mountPath}/${repoName}` */
  readonly workspacePath: string;
  readonly validationCommand: string;
  readonly limits: RepairLimits;
  readonly trigger: TriggerKind;
  readonly requestedBy?: string;
  /** ISO-8601, when normalize-request accepted it. */
  readonly acceptedAt: string;
  /** acceptedAt in epoch seconds (a string, as DynamoDB's N takes it): the lock step's ":now". */
  readonly acceptedAtEpoch: string;
  /** ISO-8601: acceptedAt + budgetSeconds. No agent turn starts after it. */
  readonly deadline: string;
  /**
   * Epoch seconds (a string, as DynamoDB's N attribute takes it) when the repository lock may be taken again even
   * if this execution never released it: the deadline plus an hour.
   */
  readonly lockExpiresAt: string;
}

export interface WorkspaceState {
  readonly path: string;
  readonly revision: string;
  /** true when session storage already held the repository (resume after stop). */
  readonly resumed: boolean;
  readonly clearedLockFiles: readonly string[];
  /**
   * sha256 of .git/config, .git/hooks, .git/info and the tool shims as prepared (trusted-git.ts): a later change to
   * them is an execution surface git does not show as a file change. null when it could not be read.
   */
  readonly internals: string | null;
}

export interface OutputDigest {
  readonly head: string;
  readonly tail: string;
  readonly bytes: number;
  readonly lines: number;
  readonly truncated: boolean;
}

/** measure / export / revert: the system's own git commands on the change in the session (export-change). */
export type CommandPurpose = "prepare" | "validation" | "proposed" | "poll" | "measure" | "export" | "revert";

export interface CommandOutcome {
  /** sha256 hex of the exact command text. */
  readonly commandHash: string;
  /** The command text after redaction (never the raw text if it held a secret). */
  readonly command: string;
  readonly purpose: CommandPurpose;
  readonly status: "COMPLETED" | "TIMED_OUT";
  readonly exitCode: number;
  readonly durationMs: number;
  readonly stdout: OutputDigest;
  readonly stderr: OutputDigest;
  /** Where the full (redacted) output was stored. */
  readonly artifactUri: string;
  /** Present while a detached command is still running; the state machine waits and polls. */
  readonly pending?: { readonly runId: string; readonly pollAfterSeconds: number };
  /**
   * The exact stdout, unredacted, when the caller asked run-command to capture it (`capture`, only for the
   * system's own measure/export commands, whose output is base64 and never reaches state or logs).
   */
  readonly capturedStdout?: string;
  /**
   * The failure digest read from every line of the output as it streamed (validation commands that did not pass);
   * null otherwise. Parse the exit code prefers it to re-reading the kept head and tail.
   */
  readonly failure?: FailureDigest | null;
}

type VerdictOutcome = "passed" | "failed" | "timed-out" | "platform-error";

export interface FailureLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export interface FailureDigest {
  /**
   * The tool recognised: vitest, jest, node-test, pytest, go-test, tsc, eslint or generic; "none" when there was
   * nothing to read (the command passed, or there was no outcome).
   */
  readonly tool: string;
  readonly failingTests: readonly string[];
  /**
   * How many tests failed in all (the tool's own summary count when it prints one, else the failures named), while
   * failingTests keeps only the first few. 0 for tools that run no tests (tsc, eslint). Absent in digests written
   * before it existed.
   */
  readonly failingCount?: number;
  readonly locations: readonly FailureLocation[];
  readonly firstErrors: readonly string[];
  /** Head and tail of the output when nothing more precise was recognised (bounded). */
  readonly excerpt: string;
}

export interface Verdict {
  readonly outcome: VerdictOutcome;
  readonly exitCode: number;
  readonly digest: FailureDigest;
}

export interface ProposedCommand {
  readonly command: string;
  readonly reason?: string;
}

export interface AgentTurn {
  readonly summary: string;
  readonly changedFiles: readonly string[];
  readonly proposedCommands: readonly ProposedCommand[];
  readonly iteration: number;
}

export type PolicyDecision = "allow" | "approve";

/** Every class the policy reports, in the order it reports them. */
export const COMMAND_CLASSES = [
  "read-only",
  "workspace-write",
  "vcs-remote",
  "infrastructure",
  "package-publish",
  "credentials",
  "network-write",
  "destructive",
  "unknown",
] as const;

export type CommandClass = (typeof COMMAND_CLASSES)[number];

export interface CommandReview {
  readonly command: string;
  readonly commandHash: string;
  readonly decision: PolicyDecision;
  readonly classes: readonly CommandClass[];
  readonly reasons: readonly string[];
}

export interface ReviewedCommandRecord extends CommandReview {
  /** ran: executed (allowed or approved); held: waits for approval; denied / expired: recorded, not run. */
  readonly disposition: "ran" | "held" | "denied" | "expired";
  readonly exitCode?: number;
  readonly status?: "COMPLETED" | "TIMED_OUT";
  readonly durationMs?: number;
}

export interface ReviewResult {
  readonly records: readonly ReviewedCommandRecord[];
  /** The agent turn these records belong to (a new turn starts a new review). */
  readonly iteration: number;
  /** Index in the turn's proposedCommands of the next command to judge. */
  readonly nextIndex: number;
  /** The next command that needs a person's decision, or null (the ASL goes to "Wait for approval" when set). */
  readonly awaitingApproval: CommandReview | null;
}

export interface FinalReport {
  readonly outcome: "repaired" | "not-repaired" | "failed";
  readonly iterations: number;
  readonly reportUri: string;
  readonly markdownUri: string;
}

/**
 * Error names are the ASL Retry/Catch contract. Every task throws only these (see `errors.ts`).
 */
export const ERROR_NAMES = [
  "ThrottledError",
  "TransientError",
  "SessionBusyError",
  "SessionNotFoundError",
  "CommandTimedOutError",
  "CommandStreamBrokenError",
  "ValidationFailedError",
  "AgentError",
  "ApprovalDeniedError",
  "ApprovalExpiredError",
  "PlatformError",
  "BudgetExhaustedError",
  "SecretInChangeError",
  "UnreviewableChangeError",
  "PatchMismatchError",
  "PatchDoesNotApplyError",
  "CredentialRefusedError",
] as const;

export type ErrorName = (typeof ERROR_NAMES)[number];

/**
 * The body invoke-agent POSTs to the agent's `/invocations` (through InvokeAgentRuntime). The agent replies with
 * `application/json` `AgentReply`, or `text/event-stream` whose events carry progress and whose final
 * `event: result` data is the `AgentReply` JSON.
 */
export interface AgentInvocation {
  readonly goal: string;
  readonly repoName: string;
  readonly workspacePath: string;
  readonly validationCommand: string;
  readonly iteration: number;
  readonly failure: FailureDigest;
  /** What earlier iterations did: their summaries and the commands' dispositions, bounded. */
  readonly previousAttempts: readonly { readonly summary: string; readonly commands: readonly string[] }[];
}

export interface AgentReply {
  readonly summary: string;
  readonly changedFiles: readonly string[];
  readonly proposedCommands: readonly ProposedCommand[];
}

/** One file of the measured change (git in the session, never the agent's own list). */
export interface ChangedFile {
  readonly path: string;
  readonly status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed" | "mode-changed";
  /** Renames and copies. */
  readonly oldPath?: string;
  readonly binary: boolean;
  /** 0 for binary files. */
  readonly insertions: number;
  readonly deletions: number;
  /** Why it is an execution surface (e.g. "package.json scripts"), if it is. */
  readonly surface?: string;
  /** A test file: called out on the final approval and in the report. */
  readonly testFile?: boolean;
  /** Why it is a protected path (CI config, infrastructure code, CODEOWNERS, lockfile), if it is. */
  readonly protected?: string;
}

/** A file the approval page and the report call out, and why. */
export interface ChangeFlag {
  readonly path: string;
  readonly reason: string;
}

/** What changed since the prepared revision, as git measured it after an agent turn (`$.change`). */
export interface ChangeRecord {
  /** The prepared revision (workspace.revision). */
  readonly baseRevision: string;
  /** At most CHANGE_FILES_MAX entries; `truncated` says when there were more. */
  readonly files: readonly ChangedFile[];
  readonly truncated: boolean;
  readonly stats: { readonly files: number; readonly insertions: number; readonly deletions: number };
  readonly iteration: number;
  /**
   * Set when the change touches an execution surface that must be approved before validation runs: the patch a
   * person approves (bound to its SHA-256) and the flags. null otherwise.
   */
  readonly gate: {
    readonly patchKey: string;
    readonly patchSha256: string;
    readonly flags: readonly ChangeFlag[];
    /** What the gating files hold (change-record.ts `surfaceDigest`): an approval covers exactly this. */
    readonly surfaceDigest: string;
  } | null;
  /**
   * The surfaceDigest a person approved earlier in this execution (carried from record to record); a later turn
   * that leaves the surfaces as approved does not ask again. null when none was approved.
   */
  readonly approvedSurfaces: string | null;
}

/** The exported change (`$.export`): the patch lives in the artifact store; state holds its key, hash and stats. */
export interface ChangeExport {
  /** null when nothing changed (there is nothing to deliver). */
  readonly patchKey: string | null;
  readonly patchSha256: string | null;
  readonly bytes: number;
  readonly stats: ChangeRecord["stats"];
  readonly commitMessageSubject: string;
  /** Protected paths, test changes and approved surfaces, for the approval page (bounded). */
  readonly flags: readonly ChangeFlag[];
  /** The files of the exported change (bounded as in ChangeRecord), for the approval page. */
  readonly files: readonly ChangedFile[];
}
