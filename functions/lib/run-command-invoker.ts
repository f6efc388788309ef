import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  type LambdaClientConfig,
} from "@aws-sdk/client-lambda";
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from "@smithy/types";
import { z } from "zod";
import { classifyAwsFailure, isNetworkError } from "./aws-failure-class.ts";
import type { CommandOutcome, CommandPurpose, RepairRequest } from "./contracts.ts";
import * as errors from "./errors.ts";
import {
  CommandStreamBrokenError,
  PlatformError,
  RepairError,
  ThrottledError,
  TransientError,
} from "./errors.ts";
import { tracer } from "./observability.ts";
import { redactBounded } from "./redaction.ts";

/**
 * Runs a command through the run-command function. Only run-command's role may call InvokeAgentRuntimeCommand
 * (least privilege: one role to audit for the shell door); a task that needs a command run asks it, and gets its
 * named errors back as the same classes.
 *
 * Once the Invoke request has left, the command may be running: a timeout, an abort or a connection reset from
 * then on is a CommandStreamBrokenError (outcome unknown), never retried, neither by us nor by the SDK.
 */
export interface RunCommandRequest {
  readonly request: RepairRequest;
  readonly command: string;
  readonly purpose: CommandPurpose;
  readonly timeoutSeconds: number;
  readonly executionName: string;
  readonly iteration: number;
  /** Return stdout exactly, unredacted (run-command allows it for the measure and export purposes only). */
  readonly capture?: boolean;
}

export type RunCommandInvoker = (input: RunCommandRequest) => Promise<CommandOutcome>;

const MESSAGE_LIMIT = 500;

const errorClasses: Readonly<Record<string, new (message: string) => RepairError>> = {
  ThrottledError: errors.ThrottledError,
  TransientError: errors.TransientError,
  SessionBusyError: errors.SessionBusyError,
  SessionNotFoundError: errors.SessionNotFoundError,
  CommandTimedOutError: errors.CommandTimedOutError,
  CommandStreamBrokenError: errors.CommandStreamBrokenError,
  AgentError: errors.AgentError,
  PlatformError: errors.PlatformError,
};

/** Rebuilds the named error a function raised from its `{errorType, errorMessage}` body. */
function errorFromFunction(body: string): RepairError {
  let parsed: { errorType?: string; errorMessage?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: reported as a platform error below.
  }
  const message = `run-command failed: ${parsed.errorMessage ?? body.slice(0, 500)}`;
  const ErrorClass = errorClasses[parsed.errorType ?? ""];
  if (parsed.errorType === "ValidationFailedError") {
    return new errors.ValidationFailedError([
      { field: "command", problem: parsed.errorMessage ?? "invalid" },
    ]);
  }
  // run-command itself ran out of time: it was waiting on the command, whose outcome is therefore unknown.
  if (parsed.errorType === "Sandbox.Timedout" || /Task timed out after/.test(parsed.errorMessage ?? "")) {
    return new CommandStreamBrokenError(message, { errorType: parsed.errorType ?? "Sandbox.Timedout" });
  }
  return ErrorClass
    ? new ErrorClass(message)
    : new PlatformError(message, { errorType: parsed.errorType ?? "unknown" });
}

/** Connection failures that happen before a request is sent: the function cannot have run. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** The SDK's connection timeout ("did not establish a connection"), as opposed to a timeout waiting for the reply. */
const NOT_CONNECTED_MESSAGE = /did not establish a connection/i;
/** A function not ready yet (on top of the shared server faults): the function did not run. */
const NOT_READY_NAMES = new Set([
  "ResourceNotReadyException",
  "ResourceConflictException",
  "ENINotReadyException",
  "EC2UnexpectedException",
  "SnapStartNotReadyException",
]);
/** Deployment problems that a retry does not fix, even when Lambda reports them as 5xx. */
const CONFIGURATION_NAME = /^(KMS|Invalid|EC2AccessDenied|SubnetIPAddressLimit|ENILimit)/;

/** Maps what the Lambda client threw to a named error; see the module comment for the "may have run" rule. */
export function lambdaInvokeError(error: unknown, functionName: string): RepairError {
  if (error instanceof RepairError) return error;
  const record = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const name = typeof record.name === "string" ? record.name : "Error";
  const code = typeof record.code === "string" ? record.code : undefined;
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined;
  const status = typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
  const text = redactBounded(
    typeof record.message === "string" ? record.message : String(error),
    MESSAGE_LIMIT,
  );
  const message = `invoking ${functionName} failed with ${name}${status ? ` (HTTP ${status})` : ""}: ${text}`;
  const details = {
    functionName,
    sdkError: name,
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(code !== undefined ? { code } : {}),
  };
  const options = { cause: error };

  if (status === undefined) {
    // No answer from Lambda: whether the function ran depends on whether the request left.
    const notSent = (code !== undefined && NOT_SENT_CODES.has(code)) || NOT_CONNECTED_MESSAGE.test(text);
    if (notSent) return new TransientError(message, details, options);
    if (isNetworkError(error)) {
      return new CommandStreamBrokenError(
        `${message}; the command may have run, its outcome is unknown`,
        details,
        options,
      );
    }
  }
  const kind = classifyAwsFailure(error);
  if (kind === "throttled") return new ThrottledError(message, details, options);
  if (CONFIGURATION_NAME.test(name)) return new PlatformError(message, details, options);
  if (kind === "transient" || NOT_READY_NAMES.has(name)) return new TransientError(message, details, options);
  return new PlatformError(message, details, options);
}

const MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 100;
const THROTTLE_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/**
 * The SDK's standard strategy also retries timeouts and connection resets, which would run a command a second
 * time while the first may still be running. This one retries only what failed before the function ran
 * (throttles, Lambda's own 5xx, connections never made), with exponential backoff and full jitter.
 */
function retryBeforeTheFunctionRan(functionName: string): RetryStrategyV2 {
  const token = (count: number, delay: number): RetryToken => ({
    getRetryCount: () => count,
    getRetryDelay: () => delay,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo) => {
      const attempt = previous.getRetryCount() + 1;
      const mapped = lambdaInvokeError(info.error, functionName);
      const retryable = mapped instanceof ThrottledError || mapped instanceof TransientError;
      // Throwing refuses the retry; the SDK then rethrows the original error.
      if (!retryable || attempt >= MAX_ATTEMPTS) throw mapped;
      const base = mapped instanceof ThrottledError ? THROTTLE_BASE_DELAY_MS : BASE_DELAY_MS;
      return token(attempt, Math.floor(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** attempt)));
    },
    recordSuccess: () => undefined,
  };
}

/** A Lambda client for invoking run-command, with the retry strategy above. */
export function runCommandLambdaClient(functionName: string, config: LambdaClientConfig = {}): LambdaClient {
  return new LambdaClient({ ...config, retryStrategy: retryBeforeTheFunctionRan(functionName) });
}

const outputDigestSchema = z.object({
  head: z.string(),
  tail: z.string(),
  bytes: z.number().int().min(0),
  lines: z.number().int().min(0),
  truncated: z.boolean(),
});

/** run-command's result as the handler returns it (`pending: null` once the command finished). */
const commandOutcomeSchema = z.object({
  commandHash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (sha256)"),
  command: z.string(),
  purpose: z.enum(["prepare", "validation", "proposed", "poll", "measure", "export", "revert"]),
  status: z.enum(["COMPLETED", "TIMED_OUT"]),
  exitCode: z.number().int(),
  durationMs: z.number().min(0),
  stdout: outputDigestSchema,
  stderr: outputDigestSchema,
  artifactUri: z.string(),
  pending: z.object({ runId: z.string().min(1), pollAfterSeconds: z.number().min(0) }).nullish(),
  capturedStdout: z.string().optional(),
});

/** Parses run-command's reply; anything else is a PlatformError naming the first bad fields. */
function parseCommandOutcome(body: string, functionName: string): CommandOutcome {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new PlatformError(`${functionName} returned a payload that is not JSON`, {
      functionName,
      payloadHead: redactBounded(body, 200),
    });
  }
  const parsed = commandOutcomeSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.map(String).join(".") || "(payload)"}: ${issue.message}`);
    throw new PlatformError(
      `${functionName} returned a payload that is not a CommandOutcome: ${redactBounded(fields.join("; "), 1000)}`,
      { functionName, fields },
    );
  }
  const { pending, ...outcome } = parsed.data;
  return pending ? { ...outcome, pending } : outcome;
}

export function lambdaRunCommandInvoker(functionName: string, client?: LambdaClient): RunCommandInvoker {
  const lambda = client ?? tracer.captureAWSv3Client(runCommandLambdaClient(functionName));
  return async (input) => {
    let response: InvokeCommandOutput;
    try {
      response = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(input)) }),
      );
    } catch (error) {
      throw lambdaInvokeError(error, functionName);
    }
    const body = Buffer.from(response.Payload ?? new Uint8Array()).toString("utf8");
    if (response.FunctionError) throw errorFromFunction(body);
    const outcome = parseCommandOutcome(body, functionName);
    // A proposed command's outcome is needed now; a detached one would be recorded as run with no exit code.
    if (outcome.pending && (input.purpose === "proposed" || input.capture)) {
      throw new PlatformError(
        `${functionName} started a proposed command detached (run ${outcome.pending.runId}); proposed commands must run synchronously`,
        { functionName, runId: outcome.pending.runId, commandHash: outcome.commandHash },
      );
    }
    return outcome;
  };
}

/** The run-command function's name (env RUN_COMMAND_FUNCTION_NAME); required, so a missing one is named. */
export function runCommandFunctionName(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.RUN_COMMAND_FUNCTION_NAME?.trim();
  if (!name) {
    throw new errors.ValidationFailedError([
      {
        field: "RUN_COMMAND_FUNCTION_NAME",
        problem: "is not set; it must name the run-command function (its name or ARN)",
      },
    ]);
  }
  return name;
}
