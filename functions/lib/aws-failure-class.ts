import { isServerError, isThrottlingError, isTransientError } from "@smithy/service-error-classification";
import type { SdkError } from "@smithy/types";

/**
 * What kind of failure an AWS client reported, decided once for every client (AgentCore, S3, Lambda, DynamoDB,
 * Secrets Manager, EventBridge, SNS, Step Functions): the SDK's own retry classification
 * (`@smithy/service-error-classification`), plus the server-fault names some services report without a 5xx and
 * the connection failures Node reports in its own words. `ThrottledError` and `TransientError` are built from this
 * and nothing else, so they mean what the ASL Retry blocks expect: "throttled" backs off longer, "transient" is
 * retried as it is. What a service adds on top (an AgentCore stream that broke, a Lambda call that may have run,
 * S3's 503 SlowDown) stays with that service's mapping.
 */

export type AwsFailureClass = "throttled" | "transient";

/** Server faults reported by name (sometimes with no status), across the services this project calls. */
const SERVER_FAULT_NAMES = new Set([
  "InternalError",
  "InternalErrorException",
  "InternalFailure",
  "InternalServerError",
  "InternalServerException",
  "InternalServiceError",
  "ServiceException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "AbortError", "NetworkingError"]);

const NETWORK_MESSAGES = [/\baborted\b/i, /socket hang up/i, /Truncated event message/i, /premature close/i];

function field(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** True when `error` is a connection or timeout failure of the HTTP layer (no service answer). */
export function isNetworkError(error: unknown): boolean {
  const name = field(error, "name");
  const code = field(error, "code");
  const message = field(error, "message");
  return (
    (typeof code === "string" && NETWORK_CODES.has(code)) ||
    (typeof name === "string" && (NETWORK_NAMES.has(name) || NETWORK_CODES.has(name))) ||
    (typeof message === "string" && NETWORK_MESSAGES.some((pattern) => pattern.test(message)))
  );
}

/** "throttled", "transient" (5xx, server faults, timeouts, the network), or undefined: a retry would not help. */
export function classifyAwsFailure(error: unknown): AwsFailureClass | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const sdkError = error as SdkError;
  if (isThrottlingError(sdkError)) return "throttled";
  const name = field(error, "name");
  if (
    isTransientError(sdkError) ||
    isServerError(sdkError) ||
    (typeof name === "string" && SERVER_FAULT_NAMES.has(name)) ||
    isNetworkError(error)
  ) {
    return "transient";
  }
  return undefined;
}
