import { classifyAwsFailure, isNetworkError } from "./aws-failure-class.ts";
import {
  AgentError,
  CommandStreamBrokenError,
  PlatformError,
  RepairError,
  SessionBusyError,
  SessionNotFoundError,
  ThrottledError,
  TransientError,
  ValidationFailedError,
} from "./errors.ts";
import { redactBounded } from "./redaction.ts";

/**
 * Turns whatever the AgentCore SDK threw into one of our named errors, so the state machine can retry and catch
 * by name. The SDK's own exception classes are matched by `name` (and the HTTP status as a fallback), never by
 * `instanceof`: an unknown code arrives as a generic service exception whose name is the code, and in-stream
 * errors thrown with the shape name instead of the member name arrive as plain `Error`s.
 */

type AgentCoreOperation = "InvokeAgentRuntimeCommand" | "InvokeAgentRuntime" | "StopRuntimeSession";

export interface ErrorContext {
  readonly operation: AgentCoreOperation;
  /**
   * "request": before any event arrived (the command did not start, a retry is safe);
   * "stream": while reading the reply (the command may have run: the outcome is unknown).
   */
  readonly phase: "request" | "stream";
}

const MESSAGE_LIMIT = 500;

interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly status?: number;
  readonly code?: string;
  readonly fieldList: readonly { readonly name: string; readonly message: string }[];
}

function factsOf(error: unknown): ErrorFacts {
  if (typeof error !== "object" || error === null) {
    return { name: "Unknown", message: redactBounded(String(error), MESSAGE_LIMIT), fieldList: [] };
  }
  const record = error as Record<string, unknown>;
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined;
  const status =
    typeof metadata?.httpStatusCode === "number"
      ? metadata.httpStatusCode
      : typeof record.statusCode === "number"
        ? record.statusCode
        : undefined;
  const rawFields = Array.isArray(record.fieldList) ? record.fieldList : [];
  const fieldList = rawFields
    .filter((f): f is { name: unknown; message: unknown } => typeof f === "object" && f !== null)
    .map((f) => ({ name: String(f.name), message: redactBounded(String(f.message), MESSAGE_LIMIT) }));
  return {
    name: typeof record.name === "string" ? record.name : "Error",
    message: redactBounded(typeof record.message === "string" ? record.message : "", MESSAGE_LIMIT),
    ...(status !== undefined ? { status } : {}),
    ...(typeof record.code === "string" ? { code: record.code } : {}),
    fieldList,
  };
}

/** Maps an SDK (or network) error to a named RepairError. A RepairError passes through unchanged. */
export function toRepairError(error: unknown, context: ErrorContext): RepairError {
  if (error instanceof RepairError) return error;
  const facts = factsOf(error);
  const details = {
    operation: context.operation,
    phase: context.phase,
    sdkError: facts.name,
    ...(facts.status !== undefined ? { httpStatus: facts.status } : {}),
    ...(facts.code !== undefined ? { code: facts.code } : {}),
  };
  const options = { cause: error };
  const what = `${context.operation} failed with ${facts.name}${facts.status ? ` (HTTP ${facts.status})` : ""}`;
  const message = facts.message ? `${what}: ${facts.message}` : what;

  // Once events have arrived, a command may have run: whatever broke the stream, its outcome is unknown and it
  // must not be retried blindly (it may have mutated something).
  if (context.phase === "stream" && context.operation === "InvokeAgentRuntimeCommand") {
    return new CommandStreamBrokenError(`the command stream broke: ${message}`, details, options);
  }

  switch (facts.name) {
    case "ServiceQuotaExceededException":
      // Usually concurrent-session or rate quotas that clear as other sessions end: back off like a throttle.
      return new ThrottledError(message, { ...details, quota: true }, options);
    case "RetryableConflictException":
    case "ConflictException":
      return new SessionBusyError(message, details, options);
    case "ResourceNotFoundException":
      return new SessionNotFoundError(message, details, options);
    case "ValidationException":
      return new ValidationFailedError(
        facts.fieldList.length > 0
          ? facts.fieldList.map((f) => ({ field: f.name, problem: f.message }))
          : [
              {
                field: context.operation,
                problem: facts.message || "rejected by the service (ValidationException)",
              },
            ],
        options,
      );
    case "AccessDeniedException":
    case "UnauthorizedException":
      return new PlatformError(message, details, options);
    case "RuntimeClientError":
      // 424: the runtime's container answered with an error. For InvokeAgentRuntime that container is the agent.
      return context.operation === "InvokeAgentRuntime"
        ? new AgentError(`the agent failed: ${message}`, details, options)
        : new PlatformError(message, details, options);
  }

  const kind = classifyAwsFailure(error);
  if (kind === "throttled") return new ThrottledError(message, details, options);
  if (isNetworkError(error)) {
    if (context.phase === "stream" && context.operation === "InvokeAgentRuntime") {
      return new AgentError(`the agent's reply broke off: ${message}`, details, options);
    }
    return new TransientError(message, details, options);
  }
  if (kind === "transient") return new TransientError(message, details, options);
  const status = facts.status;
  if (status === 409) return new SessionBusyError(message, details, options);
  if (status === 404) return new SessionNotFoundError(message, details, options);
  if (status === 400) {
    return new ValidationFailedError([{ field: context.operation, problem: message }], options);
  }
  return new PlatformError(message, details, options);
}
