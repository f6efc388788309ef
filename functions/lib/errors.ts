import type { ErrorName } from "./contracts.ts";

/**
 * Named errors are the contract with the state machine: the ASL retries and catches them by `name`. The name is
 * set explicitly (not taken from the constructor) so minification with `keepNames` or without can never change it.
 */
export abstract class RepairError extends Error {
  abstract override readonly name: ErrorName;
  /** Safe, bounded details for the Cause (never a secret, never a whole output). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Readonly<Record<string, unknown>> = {}, options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

/** The service throttled us (429): retry with backoff and jitter. */
export class ThrottledError extends RepairError {
  override readonly name = "ThrottledError" as const;
}
/** A transient platform failure (5xx, connection reset before a command started): retry. */
export class TransientError extends RepairError {
  override readonly name = "TransientError" as const;
}
/** The session is starting or stopping (409 RetryableConflictException): retry. */
export class SessionBusyError extends RepairError {
  override readonly name = "SessionBusyError" as const;
}
/** The session or runtime does not exist (404). */
export class SessionNotFoundError extends RepairError {
  override readonly name = "SessionNotFoundError" as const;
}
/** A command ran past its timeout and was killed (stream ended with TIMED_OUT). */
export class CommandTimedOutError extends RepairError {
  override readonly name = "CommandTimedOutError" as const;
}
/** The command stream ended without contentStop or broke: the outcome is unknown, never a success. */
export class CommandStreamBrokenError extends RepairError {
  override readonly name = "CommandStreamBrokenError" as const;
}
/** Bad input: names the field and the limit. Never retried. */
export class ValidationFailedError extends RepairError {
  override readonly name = "ValidationFailedError" as const;
  readonly fields: readonly { readonly field: string; readonly problem: string }[];

  constructor(
    fields: readonly { readonly field: string; readonly problem: string }[],
    options?: ErrorOptions,
  ) {
    super(fields.map((f) => `${f.field}: ${f.problem}`).join("; "), { fields }, options);
    this.fields = fields;
  }
}
/** The agent failed or replied with something that is not a valid turn. */
export class AgentError extends RepairError {
  override readonly name = "AgentError" as const;
}
/** A person denied a command. @public (the ASL catches it by name; the approval API sends it as SendTaskFailure) */
export class ApprovalDeniedError extends RepairError {
  override readonly name = "ApprovalDeniedError" as const;
}
/** Nobody decided before the approval expired. @public (the ASL catches it by name) */
export class ApprovalExpiredError extends RepairError {
  override readonly name = "ApprovalExpiredError" as const;
}
/** Anything the platform did that is not retryable and not one of the above (403, 424, unknown). */
export class PlatformError extends RepairError {
  override readonly name = "PlatformError" as const;
}
/** The repair's wall-clock budget (limits.budgetSeconds) is spent: no further agent turn starts. */
export class BudgetExhaustedError extends RepairError {
  override readonly name = "BudgetExhaustedError" as const;
}
/**
 * The exported patch holds something the secret detectors recognise: delivery is blocked (never silently
 * redacted). Details name the kinds and the files, never the text.
 */
export class SecretInChangeError extends RepairError {
  override readonly name = "SecretInChangeError" as const;
}
/** Display redaction would hide part of a command or a diff on the approval page: nobody can review it. */
export class UnreviewableChangeError extends RepairError {
  override readonly name = "UnreviewableChangeError" as const;
}
/** The patch in the artifact store no longer has the SHA-256 that was exported or approved. */
export class PatchMismatchError extends RepairError {
  override readonly name = "PatchMismatchError" as const;
}
/** The patch does not apply to the prepared revision (the base moved, or the patch is not for it). */
export class PatchDoesNotApplyError extends RepairError {
  override readonly name = "PatchDoesNotApplyError" as const;
}
/** The forge or the remote refused the delivery credential (401/403, or a push denied for permissions). */
export class CredentialRefusedError extends RepairError {
  override readonly name = "CredentialRefusedError" as const;
}
