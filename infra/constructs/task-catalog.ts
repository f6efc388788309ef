/**
 * The Lambda tasks of agentcore-repair as the infrastructure knows them: by name and entry path only (infra never
 * imports a handler). Everything that must agree between the CDK app and `statemachine/repair.asl.json` is derived
 * here: the `${<Pascal>FunctionArn}` substitution keys and the Lambda timeouts that the ASL Task timeouts must
 * exceed.
 */

export const TASK_NAMES = [
  "normalize-request",
  "prepare-workspace",
  "run-command",
  "parse-exit-code",
  "invoke-agent",
  "review-commands",
  "request-approval",
  "approval-api",
  "export-change",
  "deliver-change",
  "finalize",
] as const;

export type TaskName = (typeof TASK_NAMES)[number];

/**
 * approval-api is reached through the public approval API, never from the state machine: keeping it out of the
 * definition also avoids a dependency cycle (it needs states:SendTaskSuccess on the state machine).
 */
export type StateMachineTask = Exclude<TaskName, "approval-api">;
export const STATE_MACHINE_TASKS: readonly StateMachineTask[] = TASK_NAMES.filter(
  (task): task is StateMachineTask => task !== "approval-api",
);

/**
 * The tasks that run commands in the AgentCore session themselves (InvokeAgentRuntimeCommand, through
 * functions/lib/command-runner.ts). They share one role, the only principal in the stack allowed to call that
 * operation: prepare-workspace clones or resumes the repository with a command in the session, run-command runs
 * validation and polls detached commands.
 */
export const COMMAND_RUNNER_TASKS: readonly TaskName[] = ["prepare-workspace", "run-command"];

/**
 * review-commands runs the commands the policy allows, and export-change runs git (measure, export, revert), by
 * invoking the run-command function (functions/lib/run-command-invoker.ts), so they need lambda:InvokeFunction on
 * run-command, not the AgentCore permission.
 */
export const RUN_COMMAND_CALLERS: readonly TaskName[] = ["review-commands", "export-change"];

/** Lambda's hard limit on a function timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/**
 * What run-command keeps in reserve after a command before it answers (collect the exit code, finish the S3
 * upload, write the ledger). Deployed as COMMAND_MARGIN_SECONDS, the value functions/lib/config.ts defaults to:
 * run-command runs a command synchronously only when `timeoutSeconds + margin <= min(MAX_SYNC_COMMAND_SECONDS,
 * remaining time)`.
 */
const COMMAND_MARGIN_SECONDS = 30;

/**
 * What an invocation of a command task spends outside the command and its margin: cold start, connecting to
 * AgentCore, the time already gone when run-command reads its remaining time. MAX_SYNC_COMMAND_SECONDS is the
 * Lambda timeout minus this, so the configured maximum, not the remaining time, is what decides.
 */
const COMMAND_INVOCATION_OVERHEAD_SECONDS = 30;

/** The command timeout the request contract allows (`RepairLimits.commandTimeoutSeconds`, 1-3600). */
export const COMMAND_TIMEOUT_LIMITS = { min: 1, max: 3600 } as const;

/** `RepairLimits.commandTimeoutSeconds` default. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

/**
 * Fixed Lambda timeouts, each below the TimeoutSeconds its Task has in the ASL (30 s for the quick tasks, 120 s for
 * finalize), so Step Functions sees the function's own error rather than States.Timeout.
 */
const FIXED_TIMEOUT_SECONDS: Readonly<Record<TaskName, number | undefined>> = {
  "normalize-request": 20,
  "prepare-workspace": undefined,
  "run-command": undefined,
  "parse-exit-code": 20,
  // The agent reasons and edits for as long as Lambda allows; the ASL Task must wait longer than that.
  "invoke-agent": LAMBDA_MAX_TIMEOUT_SECONDS,
  // Waits for run-command (itself up to the command timeout + 60 s, at most 900 s) for each command it lets run.
  "review-commands": LAMBDA_MAX_TIMEOUT_SECONDS,
  "request-approval": 20,
  // Waits for run-command's git commands (each bounded by the synchronous maximum), scans and stores the patch.
  "export-change": LAMBDA_MAX_TIMEOUT_SECONDS,
  // Clones or calls the forge, applies the approved patch and pushes; the ASL Task waits 330 s.
  "deliver-change": 300,
  // Behind API Gateway, whose integration timeout is 29 s.
  "approval-api": 15,
  // Writes the report and stops the session (which flushes session storage).
  finalize: 100,
};

/** Checks the deployment's command timeout against the request contract's limits; names the field and the limit. */
export function assertCommandTimeout(commandTimeoutSeconds: number): void {
  if (
    !Number.isInteger(commandTimeoutSeconds) ||
    commandTimeoutSeconds < COMMAND_TIMEOUT_LIMITS.min ||
    commandTimeoutSeconds > COMMAND_TIMEOUT_LIMITS.max
  ) {
    throw new Error(
      `commandTimeoutSeconds is ${commandTimeoutSeconds}; it must be a whole number of seconds from ` +
        `${COMMAND_TIMEOUT_LIMITS.min} to ${COMMAND_TIMEOUT_LIMITS.max}`,
    );
  }
}

/** The longest command that still runs synchronously inside one invocation (840 s). */
export const LONGEST_SYNC_COMMAND_SECONDS =
  LAMBDA_MAX_TIMEOUT_SECONDS - COMMAND_INVOCATION_OVERHEAD_SECONDS - COMMAND_MARGIN_SECONDS;

/** functions/lib/config.ts accepts MAX_SYNC_COMMAND_SECONDS from 10 to 900. */
const MAX_SYNC_COMMAND_LIMITS = { min: 10, max: LAMBDA_MAX_TIMEOUT_SECONDS } as const;

/**
 * The Lambda timeout of a task. Command tasks get the command timeout plus the margin and the invocation overhead,
 * capped at Lambda's 900 s: a longer command runs detached in the session and the state machine polls it, so no
 * single invocation waits for it.
 */
export function lambdaTimeoutSeconds(task: TaskName, commandTimeoutSeconds: number): number {
  assertCommandTimeout(commandTimeoutSeconds);
  const fixed = FIXED_TIMEOUT_SECONDS[task];
  if (fixed !== undefined) return fixed;
  return Math.min(
    commandTimeoutSeconds + COMMAND_MARGIN_SECONDS + COMMAND_INVOCATION_OVERHEAD_SECONDS,
    LAMBDA_MAX_TIMEOUT_SECONDS,
  );
}

/** What the command tasks (and review-commands, which bounds proposed commands with it) are deployed with. */
export interface SyncCommandSettings {
  /** The Lambda timeout of prepare-workspace and run-command. */
  readonly lambdaTimeoutSeconds: number;
  /** MAX_SYNC_COMMAND_SECONDS: the Lambda timeout minus the invocation overhead. */
  readonly maxSyncCommandSeconds: number;
  /** COMMAND_MARGIN_SECONDS. */
  readonly commandMarginSeconds: number;
}

/**
 * Derives MAX_SYNC_COMMAND_SECONDS so that a command of the deployment's own timeout runs synchronously
 * (`commandTimeoutSeconds + margin <= MAX_SYNC_COMMAND_SECONDS`) whenever it fits in Lambda's 900 s at all
 * (up to LONGEST_SYNC_COMMAND_SECONDS); longer commands run detached. Throws at synthesis if the constants above
 * are ever changed so that this no longer holds.
 */
export function syncCommandSettings(commandTimeoutSeconds: number): SyncCommandSettings {
  const timeout = lambdaTimeoutSeconds("run-command", commandTimeoutSeconds);
  const maxSync = timeout - COMMAND_INVOCATION_OVERHEAD_SECONDS;
  const mustRunSync = Math.min(commandTimeoutSeconds, LONGEST_SYNC_COMMAND_SECONDS);
  if (mustRunSync + COMMAND_MARGIN_SECONDS > maxSync) {
    throw new Error(
      `MAX_SYNC_COMMAND_SECONDS would be ${maxSync}; a command of ${mustRunSync} s plus the ` +
        `${COMMAND_MARGIN_SECONDS} s margin needs at least ${mustRunSync + COMMAND_MARGIN_SECONDS}, or it runs detached`,
    );
  }
  if (maxSync < MAX_SYNC_COMMAND_LIMITS.min || maxSync > MAX_SYNC_COMMAND_LIMITS.max) {
    throw new Error(
      `MAX_SYNC_COMMAND_SECONDS would be ${maxSync}; functions/lib/config.ts accepts ` +
        `${MAX_SYNC_COMMAND_LIMITS.min} to ${MAX_SYNC_COMMAND_LIMITS.max}`,
    );
  }
  return {
    lambdaTimeoutSeconds: timeout,
    maxSyncCommandSeconds: maxSync,
    commandMarginSeconds: COMMAND_MARGIN_SECONDS,
  };
}

/** `run-command` -> `RunCommand` */
export function pascalCase(task: TaskName): string {
  return task
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** `run-command` -> `RunCommandFunctionArn`, the placeholder the ASL uses as `${RunCommandFunctionArn}`. */
export function substitutionKey(task: TaskName): string {
  return `${pascalCase(task)}FunctionArn`;
}
