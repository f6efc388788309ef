/**
 * An error answered the way AgentCore answers it: HTTP status, `x-amzn-errortype`, JSON `{message, ...}`.
 * The SDK turns the errortype header into its own exception class (reference/agentcore-protocol.md §1.5).
 */
export class ServiceError extends Error {
  readonly status: number;
  readonly type: string;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, type: string, message: string, extra: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = "ServiceError";
    this.status = status;
    this.type = type;
    this.extra = extra;
  }
}

export interface FieldProblem {
  readonly name: string;
  readonly message: string;
}

export function validationError(fields: readonly FieldProblem[]): ServiceError {
  const message = fields.map((f) => `${f.name}: ${f.message}`).join("; ");
  return new ServiceError(400, "ValidationException", message, {
    reason: "FieldValidationFailed",
    fieldList: fields,
  });
}

export const serviceErrors = {
  notFound: (message: string) => new ServiceError(404, "ResourceNotFoundException", message),
  busy: () =>
    new ServiceError(409, "RetryableConflictException", "Session operation in progress, please retry"),
  throttled: (message = "Rate exceeded") => new ServiceError(429, "ThrottlingException", message),
  internal: (message = "Internal server error") => new ServiceError(500, "InternalServerException", message),
  runtimeClient: (message: string) => new ServiceError(424, "RuntimeClientError", message),
} as const;
