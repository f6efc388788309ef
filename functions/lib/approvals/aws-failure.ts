import { PlatformError, type RepairError, ThrottledError, TransientError } from "../errors.ts";
import { redactBounded } from "../redaction.ts";

/**
 * Turns an AWS SDK failure of the approval machinery (Secrets Manager, DynamoDB, EventBridge, SNS) into a named
 * error the state machine can retry or catch. The service's message is kept (redacted, bounded) except where the
 * caller says it may echo a secret input, as Step Functions does with task tokens.
 */

const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);
const TRANSIENT_NAMES = new Set([
  "InternalServerError",
  "InternalServiceError",
  "InternalFailure",
  "InternalErrorException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
]);

export interface AwsFailureOptions {
  /** false for services whose messages may quote what was sent (a task token). @default true */
  readonly keepMessage?: boolean;
}

export function awsErrorName(error: unknown): string {
  if (typeof error === "object" && error !== null && "name" in error && typeof error.name === "string") {
    return error.name;
  }
  return "Error";
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("$metadata" in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
}

export function awsFailure(operation: string, error: unknown, options: AwsFailureOptions = {}): RepairError {
  const name = awsErrorName(error);
  const status = httpStatus(error);
  const message =
    options.keepMessage === false || !(error instanceof Error)
      ? ""
      : `: ${redactBounded(error.message, 300)}`;
  const text = `${operation} failed with ${name}${status === undefined ? "" : ` (HTTP ${status})`}${message}`;
  const details = { operation, errorName: name, ...(status === undefined ? {} : { httpStatus: status }) };
  if (THROTTLE_NAMES.has(name) || status === 429) return new ThrottledError(text, details);
  if (TRANSIENT_NAMES.has(name) || (status !== undefined && status >= 500))
    return new TransientError(text, details);
  return new PlatformError(text, details);
}
