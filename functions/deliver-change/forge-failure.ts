import {
  CredentialRefusedError,
  PlatformError,
  type RepairError,
  ThrottledError,
  TransientError,
} from "#lib/errors.ts";
import { redactBounded } from "#lib/redaction.ts";

/**
 * Names a failed call to the forge's REST API (an Octokit RequestError, or a network error) by what the state
 * machine can do about it: retry (throttled, transient), stop and tell a person (credential refused), or stop.
 * GitHub answers a spent rate limit with 403 and `x-ratelimit-remaining: 0` (or a secondary limit with
 * `retry-after`), which is throttling, not a refused credential.
 */
export function forgeFailure(operation: string, error: unknown): RepairError {
  const status =
    typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
      ? error.status
      : undefined;
  const headers =
    (error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ??
    {};
  const text = error instanceof Error ? redactBounded(error.message, 300) : "unknown error";
  const message = `${operation} failed${status === undefined ? "" : ` (HTTP ${status})`}: ${text}`;
  const details = { operation, ...(status === undefined ? {} : { httpStatus: status }) };
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (String(headers["x-ratelimit-remaining"]) === "0" || headers["retry-after"] !== undefined));
  if (rateLimited) return new ThrottledError(message, details);
  if (status === 401 || status === 403) return new CredentialRefusedError(message, details);
  if (status === undefined || status >= 500) return new TransientError(message, details);
  return new PlatformError(message, details);
}
