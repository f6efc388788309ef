import { describe, expect, it } from "vitest";
import { toRepairError } from "#lib/agentcore-errors.ts";
import { awsFailure } from "#lib/approvals/aws-failure.ts";
import { classifyAwsFailure } from "#lib/aws-failure-class.ts";
import { lambdaInvokeError } from "#lib/run-command-invoker.ts";
import { toStorageError } from "#lib/s3-artifact-store.ts";

/** One classification of AWS failures, and the four client mappings agreeing on it. */

const failure = (name: string, status?: number, code?: string) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...(code === undefined ? {} : { code }),
  });

describe("classifyAwsFailure", () => {
  it.each([
    ["SlowDown", 503, "throttled"],
    ["ProvisionedThroughputExceededException", 400, "throttled"],
    ["TooManyRequestsException", 429, "throttled"],
    ["SomethingNew", 429, "throttled"],
    ["InternalServerException", undefined, "transient"],
    ["BadGateway", 502, "transient"],
    ["RequestTimeout", 400, "transient"],
    ["AccessDeniedException", 403, undefined],
    ["ValidationException", 400, undefined],
  ] as const)("%s (HTTP %s) is %s", (name, status, expected) => {
    expect(classifyAwsFailure(failure(name, status))).toBe(expected);
  });

  it("counts a connection reset as transient", () => {
    expect(classifyAwsFailure(failure("Error", undefined, "ECONNRESET"))).toBe("transient");
  });

  it("leaves what is not an error unclassified", () => {
    expect(classifyAwsFailure("boom")).toBeUndefined();
  });
});

describe("the client mappings", () => {
  const mappings = {
    agentcore: (error: unknown) =>
      toRepairError(error, { operation: "StopRuntimeSession", phase: "request" }).name,
    approvals: (error: unknown) => awsFailure("PutItem", error).name,
    s3: (error: unknown) => toStorageError(error, { operation: "PutObject", key: "runs/x" }).name,
    lambda: (error: unknown) => lambdaInvokeError(error, "run-command").name,
  };

  it.each(Object.entries(mappings))(
    "%s names throttles and server faults as the ASL retries them",
    (_, map) => {
      expect(map(failure("ProvisionedThroughputExceededException", 400))).toBe("ThrottledError");
      expect(map(failure("ThrottlingException", 400))).toBe("ThrottledError");
      expect(map(failure("InternalServerException", 500))).toBe("TransientError");
      expect(map(failure("BadGateway", 502))).toBe("TransientError");
    },
  );
});
