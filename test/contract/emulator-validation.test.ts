import {
  InvokeAgentRuntimeCommandCommand,
  StopRuntimeSessionCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-agentcore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, newSessionId, RUNTIME_ARN, runThroughSdk, startHarness } from "./emulator-harness.ts";

function sessionIdOfLength(length: number): string {
  return `s${"0".repeat(length - 1)}`;
}

describe("validation as the service does it", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e as ValidationException,
    );

  it.each([32, 257])("refuses a %i-character session id, naming the field and the limit", async (length) => {
    const error = await rejection(runThroughSdk(harness.client, sessionIdOfLength(length), "true"));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error?.message).toContain("runtimeSessionId");
    expect(error?.message).toContain("33-256");
    expect(error?.fieldList?.[0]?.name).toBe("runtimeSessionId");
    expect(error?.$metadata.httpStatusCode).toBe(400);
  });

  it.each([33, 256])("accepts a %i-character session id", async (length) => {
    const result = await runThroughSdk(harness.client, sessionIdOfLength(length), "true");
    expect(result.stop).toEqual({ exitCode: 0, status: "COMPLETED" });
  });

  it("refuses an empty command and one over 64 KB, accepts exactly 64 KB", async () => {
    const sessionId = newSessionId();
    const exact = `:${" ".repeat(65_535)}`;
    const empty = await rejection(runThroughSdk(harness.client, sessionId, ""));
    const tooLong = await rejection(runThroughSdk(harness.client, sessionId, `${exact} `));
    const fits = await runThroughSdk(harness.client, sessionId, exact);

    expect(empty?.message).toContain("command");
    expect(tooLong?.message).toBe("command: is 65537 bytes; it must be 1-65536 bytes");
    expect(fits.stop?.exitCode).toBe(0);
  });

  it.each([0, 3601, 1.5])("refuses timeout %s", async (timeout) => {
    const error = await rejection(runThroughSdk(harness.client, newSessionId(), "true", timeout));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error?.message).toContain("timeout");
  });

  it("accepts the timeout bounds 1 and 3600", async () => {
    const sessionId = newSessionId();
    expect((await runThroughSdk(harness.client, sessionId, "true", 1)).stop?.status).toBe("COMPLETED");
    expect((await runThroughSdk(harness.client, sessionId, "true", 3600)).stop?.status).toBe("COMPLETED");
  });

  it("refuses a malformed runtime ARN and a bad accountId", async () => {
    const badArn = await rejection(
      harness.client.send(
        new InvokeAgentRuntimeCommandCommand({
          agentRuntimeArn: "arn:aws:s3:::bucket",
          runtimeSessionId: newSessionId(),
          body: { command: "true" },
        }),
      ),
    );
    const badAccount = await rejection(
      harness.client.send(
        new InvokeAgentRuntimeCommandCommand({
          agentRuntimeArn: "repair_agent-AbCdEf1234",
          accountId: "12345",
          runtimeSessionId: newSessionId(),
          body: { command: "true" },
        }),
      ),
    );
    expect(badArn?.message).toContain("agentRuntimeArn");
    expect(badAccount?.message).toContain("accountId: must be 12 digits");
  });

  it("accepts a bare runtime id with accountId, as the same runtime as its ARN", async () => {
    const sessionId = newSessionId();
    await runThroughSdk(harness.client, sessionId, "echo via-arn > marker");
    const response = await harness.client.send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: "repair_agent-AbCdEf1234",
        accountId: "123456789012",
        runtimeSessionId: sessionId,
        body: { command: "cat marker" },
      }),
    );
    let stdout = "";
    for await (const event of response.stream ?? []) stdout += event.chunk?.contentDelta?.stdout ?? "";
    expect(stdout).toBe("via-arn\n");
  });

  it("refuses a body that is not JSON", async () => {
    const response = await fetch(
      `${harness.emulator.endpoint}/runtimes/${encodeURIComponent(RUNTIME_ARN)}/commands`,
      {
        method: "POST",
        headers: {
          "x-amzn-bedrock-agentcore-runtime-session-id": newSessionId(),
          "content-type": "application/json",
        },
        body: "not json",
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { message: string }).message).toContain("body");
  });

  it("refuses stop without a valid session id", async () => {
    const error = await rejection(
      harness.client.send(
        new StopRuntimeSessionCommand({ agentRuntimeArn: RUNTIME_ARN, runtimeSessionId: "short" }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
  });
});
