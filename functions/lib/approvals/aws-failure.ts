import { classifyAwsFailure } from "../aws-failure-class.ts";
import { PlatformError, type RepairError, ThrottledError, TransientError } from "../errors.ts";
import { redactBounded } from "../redaction.ts";

/**
 * Turns an AWS SDK failure of the approval machinery (Secrets Manager, DynamoDB, EventBridge, SNS) into a named
 * error the state machine can retry or catch. The service's message is kept (redacted, bounded) except where the
 * caller says it may echo a secret input, as Step Functions does with task tokens.
 */

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
  const kind = classifyAwsFailure(error);
  if (kind === "throttled") return new ThrottledError(text, details);
  if (kind === "transient") return new TransientError(text, details);
  return new PlatformError(text, details);
}
