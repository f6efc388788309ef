import { z } from "zod";
import {
  type CommandRunnerDependencies,
  runCommandInSession,
  type SessionTarget,
} from "#lib/command-runner.ts";
import type { TaskConfig } from "#lib/config.ts";
import type { CommandOutcome, RepositorySource, WorkspaceState } from "#lib/contracts.ts";
import { CommandTimedOutError, PlatformError, ValidationFailedError } from "#lib/errors.ts";
import { appendLedger } from "#lib/ledger.ts";
import { logger } from "#lib/observability.ts";
import { digestText } from "#lib/output-digest.ts";
import { redactBounded } from "#lib/redaction.ts";
import {
  executionNameSchema,
  iterationSchema,
  type RequestInState,
  requestInStateSchema,
} from "#lib/task-input.ts";
import {
  assertRefName,
  cloneScript,
  parseReport,
  probeScript,
  resumeScript,
  type WorkspaceTarget,
} from "./workspace-scripts.ts";

/**
 * Makes `${mountPath}/${repoName}` hold the repository at the requested revision, through commands in the
 * session: reuse what session storage kept (resume after a stop: stale locks cleared) when it is the same
 * repository, otherwise clone afresh.
 */

export const prepareWorkspaceInputSchema = z.looseObject({
  request: requestInStateSchema,
  executionName: executionNameSchema,
  iteration: iterationSchema.default(0),
});

export type PrepareWorkspaceInput = z.infer<typeof prepareWorkspaceInputSchema>;

export interface PrepareWorkspaceDependencies extends CommandRunnerDependencies {
  readonly config: Pick<TaskConfig, "mountPath" | "toolCacheDir" | "commandMarginSeconds">;
  readonly remainingTimeMs: () => number;
}

/** The probe only runs `test` and `git config`: it never needs long. */
const PROBE_TIMEOUT_SECONDS = 60;

export async function prepareWorkspace(
  deps: PrepareWorkspaceDependencies,
  input: PrepareWorkspaceInput,
): Promise<WorkspaceState> {
  const { request } = input;
  const target = workspaceTarget(deps, request);
  const session: SessionTarget = {
    runtimeArn: request.runtimeArn,
    sessionId: request.sessionId,
    ...(request.qualifier ? { qualifier: request.qualifier } : {}),
  };
  const run = (command: string, timeoutSeconds: number, record: boolean) =>
    runCommandInSession(deps, {
      target: session,
      executionName: input.executionName,
      iteration: input.iteration,
      purpose: "prepare",
      command,
      timeoutSeconds,
      record,
      keepOutput: record,
    });

  const probe = parseReport(
    succeeded(await run(probeScript(target), PROBE_TIMEOUT_SECONDS, false), "inspect"),
  );
  const state = probe.values.get("state");
  const resumable = state === "repository" && probe.values.get("origin") === "match";
  if (state === "repository" && !resumable) {
    logger.warn("the workspace holds a different repository; it is replaced", { path: target.workspacePath });
  }

  const script = resumable ? resumeScript(target) : cloneScript(target, state !== "absent");
  const outcome = await run(script, commandTimeout(deps, request), true);
  if (outcome.status === "TIMED_OUT") {
    throw new CommandTimedOutError(
      `${resumable ? "resuming" : "cloning"} the workspace ran past its timeout of ${commandTimeout(deps, request)} s`,
      { artifactUri: outcome.artifactUri },
    );
  }
  const report = parseReport(succeeded(outcome, resumable ? "resume" : "clone"));
  const revision = report.values.get("revision");
  if (!revision || !/^[0-9a-f]{40,64}$/.test(revision)) {
    throw new PlatformError("preparing the workspace did not report the checked-out revision", {
      artifactUri: outcome.artifactUri,
    });
  }

  const workspace: WorkspaceState = {
    path: target.workspacePath,
    revision,
    resumed: resumable,
    clearedLockFiles: report.cleared,
    internals: report.values.get("internals") ?? null,
  };
  await appendLedger(deps.store, input.executionName, {
    kind: "workspace",
    at: new Date((deps.now ?? Date.now)()).toISOString(),
    iteration: input.iteration,
    ...workspace,
    clearedLockFiles: [...workspace.clearedLockFiles],
  });
  logger.info("workspace ready", { ...workspace });
  return workspace;
}

function workspaceTarget(deps: PrepareWorkspaceDependencies, request: RequestInState): WorkspaceTarget {
  const expected = `${deps.config.mountPath}/${request.repoName}`;
  if (request.workspacePath !== expected) {
    throw new ValidationFailedError([
      {
        field: "request.workspacePath",
        problem: `is "${request.workspacePath}"; with the mount path ${deps.config.mountPath} it must be "${expected}"`,
      },
    ]);
  }
  const source = request.source as RepositorySource;
  assertRefName(source.revision, "request.source.revision");
  if (source.kind === "git") assertRefName(source.branch, "request.source.branch");
  return {
    workspacePath: request.workspacePath,
    mountPath: deps.config.mountPath,
    source,
    toolCacheDir: deps.config.toolCacheDir,
  };
}

/** The request's command timeout, cut to what this invocation can still wait. */
function commandTimeout(deps: PrepareWorkspaceDependencies, request: RequestInState): number {
  const available = Math.floor(deps.remainingTimeMs() / 1000) - deps.config.commandMarginSeconds;
  if (available < 1) {
    throw new PlatformError("the Lambda invocation has no time left to prepare the workspace", { available });
  }
  return Math.min(request.limits.commandTimeoutSeconds, available);
}

function succeeded(outcome: CommandOutcome, step: string): string {
  if (outcome.status === "COMPLETED" && outcome.exitCode === 0) return digestText(outcome.stdout);
  const stderr = outcome.stderr.tail || outcome.stderr.head;
  throw new PlatformError(
    `could not ${step} the workspace (exit ${outcome.exitCode}): ${redactBounded(stderr.trim(), 800) || "no error output"}`,
    { exitCode: outcome.exitCode, status: outcome.status, artifactUri: outcome.artifactUri },
  );
}
