import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  RetryableConflictException,
  RuntimeClientError,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-agentcore";
import { describe, expect, it } from "vitest";
import { toRepairError } from "#lib/agentcore-errors.ts";
import { SessionBusyError, ThrottledError, ValidationFailedError } from "#lib/errors.ts";

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: "req-1", attempts: 1 } });
const command = { operation: "InvokeAgentRuntimeCommand", phase: "request" } as const;

describe("toRepairError", () => {
  it.each([
    [
      "ThrottlingException",
      new ThrottlingException({ message: "Rate exceeded", ...meta(429) }),
      "ThrottledError",
    ],
    [
      "ServiceQuotaExceededException",
      new ServiceQuotaExceededException({ message: "too many sessions", ...meta(402) }),
      "ThrottledError",
    ],
    [
      "RetryableConflictException",
      new RetryableConflictException({
        message: "Session operation in progress, please retry",
        ...meta(409),
      }),
      "SessionBusyError",
    ],
    ["ConflictException", new ConflictException({ message: "conflict", ...meta(409) }), "SessionBusyError"],
    [
      "ResourceNotFoundException",
      new ResourceNotFoundException({ message: "no session", ...meta(404) }),
      "SessionNotFoundError",
    ],
    [
      "AccessDeniedException",
      new AccessDeniedException({ message: "denied", ...meta(403) }),
      "PlatformError",
    ],
    [
      "RuntimeClientError",
      new RuntimeClientError({ message: "container said 500", ...meta(424) }),
      "PlatformError",
    ],
    [
      "InternalServerException",
      new InternalServerException({ message: "oops", ...meta(500) }),
      "TransientError",
    ],
  ])("maps %s", (_name, error, expected) => {
    // Act
    const mapped = toRepairError(error, command);
    // Assess
    expect(mapped.name).toBe(expected);
    expect(mapped.cause).toBe(error);
  });

  it("maps a ValidationException's field list to ValidationFailedError fields", () => {
    // Prepare
    const error = new ValidationException({
      message: "bad",
      reason: "FieldValidationFailed",
      fieldList: [{ name: "runtimeSessionId", message: "min length 33" }],
      ...meta(400),
    });
    // Act
    const mapped = toRepairError(error, command);
    // Assess
    expect(mapped).toBeInstanceOf(ValidationFailedError);
    expect((mapped as ValidationFailedError).fields).toEqual([
      { field: "runtimeSessionId", problem: "min length 33" },
    ]);
  });

  it("maps RuntimeClientError of InvokeAgentRuntime to AgentError (the container is the agent)", () => {
    const error = new RuntimeClientError({ message: "agent crashed", ...meta(424) });
    expect(toRepairError(error, { operation: "InvokeAgentRuntime", phase: "request" }).name).toBe(
      "AgentError",
    );
  });

  it.each([
    [429, "ThrottledError"],
    [409, "SessionBusyError"],
    [404, "SessionNotFoundError"],
    [400, "ValidationFailedError"],
    [418, "PlatformError"],
    [502, "TransientError"],
    [503, "TransientError"],
  ])("maps an unknown exception name by its HTTP status %i", (status, expected) => {
    const error = Object.assign(new Error("strange"), { name: "TeapotException", ...meta(status) });
    expect(toRepairError(error, command).name).toBe(expected);
  });

  it.each([
    ["ECONNRESET", Object.assign(new Error("aborted"), { code: "ECONNRESET" })],
    ["ECONNREFUSED", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })],
    ["socket hang up", new Error("socket hang up")],
    ["TimeoutError", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
  ])("maps a network failure before the stream (%s) to TransientError", (_kind, error) => {
    expect(toRepairError(error, command).name).toBe("TransientError");
  });

  it.each([
    ["ECONNRESET", Object.assign(new Error("aborted"), { code: "ECONNRESET" })],
    ["truncated message", new Error("Truncated event message received.")],
    ["in-stream throttle", new ThrottlingException({ message: "mid-stream", $metadata: {} })],
  ])("maps any failure inside a command stream (%s) to CommandStreamBrokenError", (_kind, error) => {
    expect(toRepairError(error, { operation: "InvokeAgentRuntimeCommand", phase: "stream" }).name).toBe(
      "CommandStreamBrokenError",
    );
  });

  it("maps an agent reply that breaks off to AgentError", () => {
    const error = Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    expect(toRepairError(error, { operation: "InvokeAgentRuntime", phase: "stream" }).name).toBe(
      "AgentError",
    );
  });

  it("passes our own errors through unchanged", () => {
    const own = new SessionBusyError("busy");
    expect(toRepairError(own, command)).toBe(own);
  });

  it("maps something that is not an Error at all to PlatformError", () => {
    expect(toRepairError("weird", command).name).toBe("PlatformError");
  });

  it("redacts secrets in the mapped message", () => {
    const error = new ThrottlingException({
      message: `slow down, token ghp_${"a".repeat(36)}`,
      ...meta(429),
    });
    const mapped = toRepairError(error, command);
    expect(mapped).toBeInstanceOf(ThrottledError);
    expect(mapped.message).toContain("[REDACTED:github-token]");
    expect(mapped.message).not.toContain("a".repeat(36));
  });
});
