import {
  type BedrockAgentCoreClient,
  InvokeAgentRuntimeCommandCommand,
  type InvokeAgentRuntimeCommandCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore";
import { assertSessionId } from "./agentcore-client.ts";
import { toRepairError } from "./agentcore-errors.ts";
import type { ArtifactStore, ArtifactWriter } from "./artifact-store.ts";
import { isNetworkError } from "./aws-failure-class.ts";
import { commandHash } from "./command-hash.ts";
import type { CommandOutcome, CommandPurpose } from "./contracts.ts";
import {
  CommandStreamBrokenError,
  PlatformError,
  RepairError,
  ThrottledError,
  TransientError,
  ValidationFailedError,
} from "./errors.ts";
import { FailureDigestBuilder } from "./failure-digest/failure-digest.ts";
import { appendLedger, LEDGER_COMMAND_MAX, LEDGER_FAILING_TESTS_MAX } from "./ledger.ts";
import { logger, recordCommandMetrics, recordThrottle } from "./observability.ts";
import type { RateGate } from "./rate-gate/token-bucket.ts";
import { redactBounded } from "./redaction.ts";
import { commandOutputKey } from "./run-artifacts.ts";
import { type CollectedCommand, collectCommandStream } from "./stream-collector.ts";

/**
 * Runs one command in the repair's AgentCore session (InvokeAgentRuntimeCommand) and turns it into a
 * CommandOutcome: the stream is collected in bounded memory, the full redacted output goes to the artifact store,
 * and the command is appended to the execution's ledger. Shared by every task that runs commands.
 */

/** The service's limits on the command body (API_InvokeAgentRuntimeCommandRequestBody). */
export const COMMAND_MAX_BYTES = 65_536;
export const COMMAND_TIMEOUT_MIN = 1;
const COMMAND_TIMEOUT_MAX = 3600;
/** How long past the command's own timeout we wait for the service to report TIMED_OUT before giving up. */
const STOP_GRACE_MS = 20_000;

export interface SessionTarget {
  readonly runtimeArn: string;
  readonly qualifier?: string;
  readonly sessionId: string;
}

export interface CommandRunnerDependencies {
  readonly agentCore: BedrockAgentCoreClient;
  readonly store: ArtifactStore;
  readonly digest: { readonly headBytes: number; readonly tailBytes: number };
  /** Milliseconds since the epoch; injectable so tests control durations. */
  readonly now?: () => number;
  /** Shared by every execution: keeps the runtime's commands under its InvokeAgentRuntimeCommand quota. */
  readonly rateGate?: RateGate;
}

export interface CommandRun {
  readonly target: SessionTarget;
  readonly executionName: string;
  readonly iteration: number;
  readonly purpose: CommandPurpose;
  /** The exact command text: what is hashed, recorded and reported. */
  readonly command: string;
  /** What is actually sent when it differs from `command` (e.g. wrapped to run in the workspace). */
  readonly script?: string;
  readonly timeoutSeconds: number;
  /** The timeout asked for, when it did not fit this invocation and `timeoutSeconds` is shortened (recorded). */
  readonly requestedTimeoutSeconds?: number;
  /** Record metrics and a ledger entry (false for bookkeeping commands: probes, polls). @default true */
  readonly record?: boolean;
  /** Store the full output in the artifact store (false for bookkeeping whose output is parsed, not kept). @default true */
  readonly keepOutput?: boolean;
  /** Recorded as a detached command (its output was produced earlier by a background run). */
  readonly detached?: boolean;
  /** Return stdout exactly as it arrived (see CollectOptions.captureStdoutChars); more is a PlatformError. */
  readonly captureStdoutChars?: number;
  /**
   * Read every line of the output for a failure digest while it streams (validation commands); the workspace path
   * makes the locations relative. The outcome's `failure` is then the digest, whatever the exit code (a detached
   * run's output is read by a command of its own, whose exit code is not the run's).
   */
  readonly failureDigest?: { readonly workspacePath: string };
}

export function validateCommandSize(script: string, field = "command"): void {
  const bytes = Buffer.byteLength(script, "utf8");
  if (bytes === 0 || bytes > COMMAND_MAX_BYTES) {
    throw new ValidationFailedError([
      {
        field,
        problem:
          bytes === 0
            ? "is empty; a command must be 1-65536 bytes"
            : `is ${bytes} bytes as sent (with its wrapper); the limit is ${COMMAND_MAX_BYTES}`,
      },
    ]);
  }
}

export function validateTimeout(timeoutSeconds: number, field = "timeoutSeconds"): void {
  if (
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < COMMAND_TIMEOUT_MIN ||
    timeoutSeconds > COMMAND_TIMEOUT_MAX
  ) {
    throw new ValidationFailedError([
      {
        field,
        problem: `is ${timeoutSeconds}; it must be an integer from ${COMMAND_TIMEOUT_MIN} to ${COMMAND_TIMEOUT_MAX}`,
      },
    ]);
  }
}

export async function runCommandInSession(
  deps: CommandRunnerDependencies,
  run: CommandRun,
): Promise<CommandOutcome> {
  const now = deps.now ?? Date.now;
  const sessionId = assertSessionId(run.target.sessionId);
  const script = run.script ?? run.command;
  validateCommandSize(script);
  validateTimeout(run.timeoutSeconds);

  const hash = commandHash(run.command);
  const startedMs = now();
  const key = commandOutputKey(run.executionName, {
    iteration: run.iteration,
    purpose: run.purpose,
    commandHash: hash,
    startedAt: new Date(startedMs),
  });
  const writer = run.keepOutput === false ? undefined : deps.store.openWriter(key);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), run.timeoutSeconds * 1000 + STOP_GRACE_MS);
  timer.unref();

  let response: InvokeAgentRuntimeCommandCommandOutput;
  try {
    // Right before the call, inside the try: a ThrottledError from the gate is handled as the service's 429.
    await deps.rateGate?.acquire(run.target.runtimeArn);
    response = await deps.agentCore.send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: run.target.runtimeArn,
        ...(run.target.qualifier ? { qualifier: run.target.qualifier } : {}),
        runtimeSessionId: sessionId,
        contentType: "application/json",
        accept: "application/vnd.amazon.eventstream",
        body: { command: script, timeout: run.timeoutSeconds },
      }),
      { abortSignal: abort.signal },
    );
  } catch (error) {
    clearTimeout(timer);
    await writer?.abort();
    const mapped = toRepairError(error, { operation: "InvokeAgentRuntimeCommand", phase: "request" });
    if (mapped instanceof ThrottledError) recordThrottle("InvokeAgentRuntimeCommand");
    throw mapped;
  }

  const failure = run.failureDigest
    ? new FailureDigestBuilder({ workspacePath: run.failureDigest.workspacePath })
    : undefined;
  let collected: CollectedCommand;
  try {
    collected = await collectCommandStream(response.stream, {
      headBytes: deps.digest.headBytes,
      tailBytes: deps.digest.tailBytes,
      ...(writer ? { sink: writer } : {}),
      ...(run.captureStdoutChars !== undefined ? { captureStdoutChars: run.captureStdoutChars } : {}),
      ...(failure ? { reader: failure } : {}),
    });
  } catch (error) {
    if (error instanceof CommandStreamBrokenError) {
      throw await recordBrokenStream(deps, run, { hash, startedMs, writer, error });
    }
    await writer?.abort();
    throw error instanceof RepairError
      ? error
      : toRepairError(error, { operation: "InvokeAgentRuntimeCommand", phase: "stream" });
  } finally {
    clearTimeout(timer);
  }

  // The stream ended with contentStop: the exit code is known. What fails from here on is our bookkeeping, never
  // the command, so it must not be reported as a broken stream (an unknown outcome).
  const finished = { commandHash: hash, exitCode: collected.exitCode, status: collected.status };
  let artifactUri = "";
  if (writer) {
    try {
      artifactUri = await writer.close();
    } catch (error) {
      await writer.abort();
      throw bookkeepingFailure(error, "storing its output", finished);
    }
  }
  const outcome: CommandOutcome = {
    commandHash: hash,
    command: redactBounded(run.command, LEDGER_COMMAND_MAX),
    purpose: run.purpose,
    status: collected.status,
    exitCode: collected.exitCode,
    durationMs: Math.max(0, now() - startedMs),
    stdout: collected.stdout,
    stderr: collected.stderr,
    artifactUri,
    ...(failure ? { failure: failure.digest() } : {}),
  };
  if (run.record !== false) await recordCommandOutcome(deps, run, outcome);
  if (collected.captureOverflow) {
    throw new PlatformError(
      `the command printed more than the ${run.captureStdoutChars} characters that can be captured`,
      finished,
    );
  }
  return collected.capturedStdout !== undefined
    ? { ...outcome, capturedStdout: collected.capturedStdout }
    : outcome;
}

/**
 * A failure after the command finished (its exit code is known): a throttled, transient or network failure of the
 * store is a TransientError (retryable), anything else a PlatformError. Both name the exit code in their details.
 */
function bookkeepingFailure(
  error: unknown,
  step: string,
  finished: { commandHash: string; exitCode: number; status: string },
): RepairError {
  const retryable =
    error instanceof ThrottledError ||
    error instanceof TransientError ||
    (!(error instanceof RepairError) && isNetworkError(error));
  const reason = redactBounded(error instanceof Error ? error.message : String(error), 500);
  const message = `the command finished (exit ${finished.exitCode}, ${finished.status}) but ${step} failed: ${reason}`;
  const details = {
    ...finished,
    step,
    ...(error instanceof RepairError ? { storeError: error.name } : {}),
  };
  return retryable
    ? new TransientError(message, details, { cause: error })
    : new PlatformError(message, details, { cause: error });
}

/**
 * Metrics, a log line and a ledger record for a finished command. Exported for commands whose outcome is assembled
 * from several calls (a detached run: started, polled, then its output read).
 */
export async function recordCommandOutcome(
  deps: Pick<CommandRunnerDependencies, "store" | "now">,
  run: Pick<
    CommandRun,
    | "executionName"
    | "iteration"
    | "purpose"
    | "command"
    | "detached"
    | "timeoutSeconds"
    | "requestedTimeoutSeconds"
  >,
  outcome: CommandOutcome,
): Promise<void> {
  const outputBytes = outcome.stdout.bytes + outcome.stderr.bytes;
  recordCommandMetrics({
    purpose: run.purpose,
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    outputBytes,
  });
  logger.info("command finished", {
    commandHash: outcome.commandHash,
    purpose: run.purpose,
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    stdoutBytes: outcome.stdout.bytes,
    stderrBytes: outcome.stderr.bytes,
    timeoutSeconds: run.timeoutSeconds,
  });
  try {
    await appendLedger(deps.store, run.executionName, {
      kind: "command",
      at: new Date((deps.now ?? Date.now)()).toISOString(),
      iteration: run.iteration,
      purpose: run.purpose,
      command: run.command,
      commandHash: outcome.commandHash,
      status: outcome.status,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      stdoutBytes: outcome.stdout.bytes,
      stderrBytes: outcome.stderr.bytes,
      artifactUri: outcome.artifactUri,
      timeoutSeconds: run.timeoutSeconds,
      ...(run.requestedTimeoutSeconds !== undefined
        ? { requestedTimeoutSeconds: run.requestedTimeoutSeconds }
        : {}),
      ...(run.detached ? { detached: true } : {}),
      ...(outcome.failure && !(outcome.status === "COMPLETED" && outcome.exitCode === 0)
        ? {
            failure: {
              tool: outcome.failure.tool,
              failingCount: outcome.failure.failingCount ?? outcome.failure.failingTests.length,
              failingTests: outcome.failure.failingTests.slice(0, LEDGER_FAILING_TESTS_MAX),
            },
          }
        : {}),
    });
  } catch (error) {
    throw bookkeepingFailure(error, "recording it in the ledger", {
      commandHash: outcome.commandHash,
      exitCode: outcome.exitCode,
      status: outcome.status,
    });
  }
}

/** Keeps what arrived (it is the best evidence of what happened), records the broken run, returns the error. */
async function recordBrokenStream(
  deps: CommandRunnerDependencies,
  run: CommandRun,
  broken: {
    hash: string;
    startedMs: number;
    writer: ArtifactWriter | undefined;
    error: CommandStreamBrokenError;
  },
): Promise<CommandStreamBrokenError> {
  const now = deps.now ?? Date.now;
  let artifactUri = "";
  try {
    artifactUri = broken.writer ? await broken.writer.close() : "";
  } catch {
    await broken.writer?.abort();
  }
  const durationMs = Math.max(0, now() - broken.startedMs);
  const stdoutBytes = numberDetail(broken.error.details.stdoutBytes);
  const stderrBytes = numberDetail(broken.error.details.stderrBytes);
  recordCommandMetrics({
    purpose: run.purpose,
    status: "STREAM_BROKEN",
    durationMs,
    outputBytes: stdoutBytes + stderrBytes,
  });
  logger.warn("command stream broke", {
    commandHash: broken.hash,
    purpose: run.purpose,
    durationMs,
    reason: broken.error.message,
  });
  if (run.record !== false) {
    await appendLedger(deps.store, run.executionName, {
      kind: "command",
      at: new Date(now()).toISOString(),
      iteration: run.iteration,
      purpose: run.purpose,
      command: run.command,
      commandHash: broken.hash,
      status: "STREAM_BROKEN",
      durationMs,
      stdoutBytes,
      stderrBytes,
      artifactUri,
      timeoutSeconds: run.timeoutSeconds,
    }).catch(() => undefined);
  }
  return new CommandStreamBrokenError(
    broken.error.message,
    { ...broken.error.details, commandHash: broken.hash, artifactUri },
    { cause: broken.error },
  );
}

function numberDetail(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
