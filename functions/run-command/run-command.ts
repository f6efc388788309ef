import { z } from "zod";
import { commandHash } from "#lib/command-hash.ts";
import {
  COMMAND_TIMEOUT_MIN,
  type CommandRun,
  type CommandRunnerDependencies,
  recordCommandOutcome,
  runCommandInSession,
  validateCommandSize,
  validateTimeout,
} from "#lib/command-runner.ts";
import type { TaskConfig } from "#lib/config.ts";
import type { CommandOutcome, CommandPurpose, OutputDigest } from "#lib/contracts.ts";
import { CommandTimedOutError, ValidationFailedError } from "#lib/errors.ts";
import { LEDGER_COMMAND_MAX } from "#lib/ledger.ts";
import { logger } from "#lib/observability.ts";
import { redactBounded } from "#lib/redaction.ts";
import { executionNameSchema, iterationSchema, requestInStateSchema } from "#lib/task-input.ts";
import { inWorkspace } from "#lib/workspace-shell.ts";
import {
  backgroundScript,
  bookkeeping,
  cleanupScript,
  detachedRunId,
  lostRunError,
  parseRunState,
  pollScript,
  readOutputScript,
  startScript,
  timedOut,
} from "./detached-run.ts";

/**
 * Runs one command in the repair's session and returns its CommandOutcome. A command that fits in this Lambda
 * invocation (its timeout plus a margin within both the remaining time and the configured maximum) runs
 * synchronously; a longer one starts detached in the session and returns `pending`, and the state machine calls
 * again with that `pending` until the outcome is ready.
 *
 * A "proposed" command is never detached: review-commands runs it through this function and needs its outcome in
 * the same call. When its timeout does not fit, it runs synchronously with the timeout shortened to what fits
 * (at least 1 s); the ledger records both the timeout asked for and the one used.
 */

export const runCommandInputSchema = z.looseObject({
  request: requestInStateSchema,
  command: z.string().min(1),
  purpose: z.enum(["prepare", "validation", "proposed", "poll", "measure", "export", "revert"]),
  /**
   * Return stdout exactly as it arrived, unredacted and not stored (`capturedStdout`): only for the system's own
   * measure/export/revert commands (export-change), whose output is base64 of a patch it scans itself.
   */
  capture: z.boolean().optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  executionName: executionNameSchema,
  iteration: iterationSchema,
  pending: z
    .looseObject({ runId: z.string().regex(/^[0-9a-f]{20}$/), pollAfterSeconds: z.number() })
    .optional(),
});

export type RunCommandInput = z.infer<typeof runCommandInputSchema>;

/** The system's own git commands (export-change): the only ones whose stdout may come back unredacted. */
const CAPTURE_PURPOSES: ReadonlySet<string> = new Set(["measure", "export", "revert"]);

/** Captured stdout travels back in the Lambda reply, which Lambda caps at 6 MB. */
const CAPTURE_MAX_CHARS = 5_000_000;

export interface RunCommandDependencies extends CommandRunnerDependencies {
  readonly config: Pick<
    TaskConfig,
    "maxSyncCommandSeconds" | "commandMarginSeconds" | "pollIntervalSeconds" | "toolCacheDir"
  >;
  /** Milliseconds this Lambda invocation has left (context.getRemainingTimeInMillis). */
  readonly remainingTimeMs: () => number;
}

/**
 * Every outcome carries `failure` (the state machine's ResultSelector reads it): a validation that did not pass
 * has the digest read from its whole output as it streamed; anything else has null.
 */
export async function runCommand(
  deps: RunCommandDependencies,
  input: RunCommandInput,
): Promise<CommandOutcome> {
  const outcome = await runOrPoll(deps, input);
  const passed = outcome.status === "COMPLETED" && outcome.exitCode === 0;
  return { ...outcome, failure: passed || outcome.pending ? null : (outcome.failure ?? null) };
}

async function runOrPoll(deps: RunCommandDependencies, input: RunCommandInput): Promise<CommandOutcome> {
  const timeoutSeconds = input.timeoutSeconds ?? input.request.limits.commandTimeoutSeconds;
  validateTimeout(timeoutSeconds);
  if (input.capture && !CAPTURE_PURPOSES.has(input.purpose)) {
    throw new ValidationFailedError([
      {
        field: "capture",
        problem: `is only for the measure, export and revert purposes, not "${input.purpose}"`,
      },
    ]);
  }
  const capture = input.capture === true;
  const run: CommandRun = {
    target: {
      runtimeArn: input.request.runtimeArn,
      sessionId: input.request.sessionId,
      ...(input.request.qualifier ? { qualifier: input.request.qualifier } : {}),
    },
    executionName: input.executionName,
    iteration: input.iteration,
    purpose: input.purpose as CommandPurpose,
    command: input.command,
    script: inWorkspace(input.request.workspacePath, deps.config.toolCacheDir, input.command),
    timeoutSeconds,
    // Captured output is the patch itself: it is returned, never stored redacted beside it.
    ...(capture ? { captureStdoutChars: CAPTURE_MAX_CHARS, keepOutput: false } : {}),
    ...(input.purpose === "validation"
      ? { failureDigest: { workspacePath: input.request.workspacePath } }
      : {}),
  };

  if (input.pending) return pollDetached(deps, input, run, input.pending.runId);

  const budgetSeconds = Math.min(
    deps.config.maxSyncCommandSeconds,
    Math.floor(deps.remainingTimeMs() / 1000),
  );
  if (timeoutSeconds + deps.config.commandMarginSeconds <= budgetSeconds) {
    const outcome = await runCommandInSession(deps, run);
    if (outcome.status === "TIMED_OUT" && input.purpose === "prepare")
      throw timedOutError(outcome, timeoutSeconds);
    return outcome;
  }
  if (input.purpose === "proposed" || capture) {
    const fitted = Math.max(COMMAND_TIMEOUT_MIN, budgetSeconds - deps.config.commandMarginSeconds);
    logger.warn("a proposed command's timeout does not fit this invocation; it runs with a shorter timeout", {
      commandHash: commandHash(input.command),
      requestedTimeoutSeconds: timeoutSeconds,
      timeoutSeconds: fitted,
      budgetSeconds,
    });
    return runCommandInSession(deps, {
      ...run,
      timeoutSeconds: fitted,
      requestedTimeoutSeconds: timeoutSeconds,
    });
  }
  return startDetached(deps, input, run);
}

function timedOutError(outcome: CommandOutcome, timeoutSeconds: number): CommandTimedOutError {
  return new CommandTimedOutError(`the command ran past its timeout of ${timeoutSeconds} s and was stopped`, {
    commandHash: outcome.commandHash,
    timeoutSeconds,
    artifactUri: outcome.artifactUri,
  });
}

async function startDetached(
  deps: RunCommandDependencies,
  input: RunCommandInput,
  run: CommandRun,
): Promise<CommandOutcome> {
  const hash = commandHash(input.command);
  const runId = detachedRunId({
    executionName: input.executionName,
    iteration: input.iteration,
    purpose: input.purpose,
    commandHash: hash,
  });
  const scriptInput = {
    workspacePath: input.request.workspacePath,
    runId,
    command: input.command,
    timeoutSeconds: run.timeoutSeconds,
    toolCacheDir: deps.config.toolCacheDir,
  };
  // The background script carries the command; check the whole start script against the service's size limit.
  validateCommandSize(backgroundScript(scriptInput));
  const started = await bookkeeping(deps, run, startScript(scriptInput), "start");
  logger.info("command started detached", {
    commandHash: hash,
    runId,
    timeoutSeconds: run.timeoutSeconds,
    alreadyStarted: started.includes("state=already-started"),
  });
  return pendingOutcome(deps, input, hash, runId, { elapsedMs: 0, outputBytes: 0 });
}

async function pollDetached(
  deps: RunCommandDependencies,
  input: RunCommandInput,
  run: CommandRun,
  runId: string,
): Promise<CommandOutcome> {
  const now = deps.now ?? Date.now;
  const hash = commandHash(input.command);
  const state = parseRunState(
    await bookkeeping(deps, run, pollScript(input.request.workspacePath, runId), "poll"),
  );
  if (state.state === "running") {
    return pendingOutcome(deps, input, hash, runId, {
      elapsedMs: Math.max(0, now() - state.startedMs),
      outputBytes: state.outputBytes,
    });
  }
  if (state.state !== "done") throw lostRunError(runId, state);

  // Stream the finished run's output through the normal collector: redacted, digested, stored.
  const readTimeout = Math.max(
    1,
    Math.min(3600, Math.floor(deps.remainingTimeMs() / 1000) - deps.config.commandMarginSeconds),
  );
  const read = await runCommandInSession(deps, {
    ...run,
    script: readOutputScript(input.request.workspacePath, runId),
    timeoutSeconds: readTimeout,
    record: false,
  });
  const elapsedMs = Math.max(0, state.commandEndMs - state.commandStartMs);
  const outcome: CommandOutcome = {
    ...read,
    commandHash: hash,
    command: redactBounded(input.command, LEDGER_COMMAND_MAX),
    exitCode: state.exitCode,
    status: timedOut(state.exitCode, elapsedMs, run.timeoutSeconds) ? "TIMED_OUT" : "COMPLETED",
    durationMs: elapsedMs,
  };
  await recordCommandOutcome(deps, { ...run, detached: true }, outcome);
  await bookkeeping(deps, run, cleanupScript(input.request.workspacePath, runId), "clean up after").catch(
    (error: unknown) => logger.warn("could not remove a detached command's output file", { runId, error }),
  );
  if (outcome.status === "TIMED_OUT" && input.purpose === "prepare")
    throw timedOutError(outcome, run.timeoutSeconds);
  return outcome;
}

const emptyDigest = (bytes: number): OutputDigest => ({
  head: "",
  tail: "",
  bytes,
  lines: 0,
  truncated: bytes > 0,
});

/**
 * While a detached command runs, the outcome carries `pending` (the state machine waits and calls again); its
 * other fields are placeholders: exitCode -1, no artifact yet, the output size so far in stdout.bytes.
 */
function pendingOutcome(
  deps: RunCommandDependencies,
  input: RunCommandInput,
  hash: string,
  runId: string,
  progress: { elapsedMs: number; outputBytes: number },
): CommandOutcome {
  const timeoutSeconds = input.timeoutSeconds ?? input.request.limits.commandTimeoutSeconds;
  const leftSeconds = Math.ceil((timeoutSeconds * 1000 - progress.elapsedMs) / 1000) + 15;
  return {
    commandHash: hash,
    command: redactBounded(input.command, LEDGER_COMMAND_MAX),
    purpose: input.purpose as CommandPurpose,
    status: "COMPLETED",
    exitCode: -1,
    durationMs: progress.elapsedMs,
    stdout: emptyDigest(progress.outputBytes),
    stderr: emptyDigest(0),
    artifactUri: "",
    pending: { runId, pollAfterSeconds: Math.max(5, Math.min(deps.config.pollIntervalSeconds, leftSeconds)) },
  };
}
