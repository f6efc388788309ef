import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { agentCoreClient, repairRequest, sessionId } from "../agentcore-fakes.ts";

/**
 * The shell every task runs in (functions/lib/define-task.ts), seen through a real task's handler: what one
 * container logs across two invocations. The handler is imported fresh with Lambda's on-demand initialization type
 * set, as in a new container; the shared Powertools logger is turned up to DEBUG and stdout and stderr captured.
 */

let output: string[];
/** The JSON log lines written so far. */
const logLines = (): Record<string, unknown>[] =>
  output
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function freshContainer() {
  vi.resetModules();
  vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  const { logger } = await import("#lib/observability.ts");
  const { createHandler } = await import("../../../functions/finalize/handler.ts");
  const { ValidationFailedError } = await import("#lib/errors.ts");
  logger.setLogLevel("DEBUG");
  return { createHandler, ValidationFailedError };
}

beforeEach(() => {
  output = [];
  const capture = (chunk: unknown) => {
    output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture as typeof process.stdout.write);
  vi.spyOn(process.stderr, "write").mockImplementation(capture as typeof process.stderr.write);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const context = (awsRequestId: string) =>
  ({
    awsRequestId,
    functionName: "agentcore-repair-finalize",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:agentcore-repair-finalize",
    memoryLimitInMB: "512",
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

/** A store that fails every call, so the first (valid) invocation fails inside the task, under its keys. */
const brokenStore = new Proxy({} as ArtifactStore, {
  get: () => () => Promise.reject(new Error("disk on fire")),
});

describe("a task handler in a warm container", () => {
  it("logs a bad input without the previous invocation's keys, with its own request id and cold start", async () => {
    // Prepare: one container (one handler), a first invocation that parses and fails inside the task
    const { createHandler, ValidationFailedError } = await freshContainer();
    const handler = createHandler({ agentCore: agentCoreClient(), store: brokenStore });
    const good = { request: repairRequest(), iteration: 1, executionName: "exec-previous" };
    await expect(handler(good, context("request-1"))).rejects.toThrow("disk on fire");
    const first = logLines();
    output = [];

    // Act: the next invocation of the same container gets a state that does not parse
    const attempt = handler({ iteration: 1 }, context("request-2"));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    expect(first).toEqual([
      expect.objectContaining({
        level: "ERROR",
        message: "finalize failed",
        executionName: "exec-previous",
        sessionId,
        function_request_id: "request-1",
        cold_start: true,
      }),
    ]);
    const second = logLines();
    expect(second).toEqual([
      expect.objectContaining({
        level: "WARN",
        message: "finalize rejected its input",
        function_request_id: "request-2",
        function_name: "agentcore-repair-finalize",
        cold_start: false,
        fields: expect.arrayContaining([expect.objectContaining({ field: "request" })]),
      }),
    ]);
    expect(second[0]).not.toHaveProperty("executionName");
    expect(second[0]).not.toHaveProperty("sessionId");
  });
});
