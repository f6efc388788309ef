import { resolve } from "node:path";
import { InvokeAgentRuntimeCommand, RuntimeClientError } from "@aws-sdk/client-bedrock-agentcore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, newSessionId, RUNTIME_ARN, runThroughSdk, startHarness } from "./emulator-harness.ts";

const echoAgent = resolve(import.meta.dirname, "../fixtures/echo-agent.mjs");

describe("InvokeAgentRuntime: the agent process of a session", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      defaults: { agent: { command: [process.execPath, echoAgent] }, environment: { RUNTIME_FLAG: "on" } },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  const invoke = (sessionId: string, payload: unknown, accept?: string) =>
    harness.client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: RUNTIME_ARN,
        runtimeSessionId: sessionId,
        contentType: "application/json",
        ...(accept ? { accept } : {}),
        payload: Buffer.from(JSON.stringify(payload)),
      }),
    );

  it("starts the agent inside the session, with PORT, and passes the JSON reply through", async () => {
    // Prepare: the workspace holds a file written by a command of the same session.
    const sessionId = newSessionId();
    await runThroughSdk(harness.client, sessionId, "echo x > from-command.txt");

    // Act
    const response = await invoke(sessionId, { prompt: "hello" });
    const reply = JSON.parse(await response.response!.transformToString()) as Record<string, unknown>;

    // Assess
    expect(response.contentType).toBe("application/json");
    expect(response.runtimeSessionId).toBe(sessionId);
    expect(reply.received).toEqual({ prompt: "hello" });
    expect(Number(reply.port)).toBeGreaterThan(0);
    expect(reply.sessionHeader).toBe(sessionId);
    expect(reply.workspace).toEqual(["from-command.txt"]);
    expect(reply.env).toEqual({ RUNTIME_FLAG: "on" });
  });

  it("passes a text/event-stream reply through", async () => {
    const response = await invoke(newSessionId(), { sse: true }, "text/event-stream");
    const text = await response.response!.transformToString();
    expect(response.contentType).toBe("text/event-stream");
    expect(text).toContain("event: progress\ndata: working\n\n");
    expect(text).toContain("event: result\ndata: {");
  });

  it("turns an agent 5xx into 424 RuntimeClientError", async () => {
    const error = await invoke(newSessionId(), { fail: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeClientError);
    expect((error as RuntimeClientError).$metadata.httpStatusCode).toBe(424);
    expect((error as Error).message).toContain("HTTP 500");
  });

  it("turns an agent 4xx into 424 RuntimeClientError too", async () => {
    const error = await invoke(newSessionId(), { fail: 400 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeClientError);
  });
});

describe("a runtime without an agent", () => {
  it("answers InvokeAgentRuntime with 424 naming the missing configuration", async () => {
    const harness = await startHarness();
    const error = await harness.client
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: RUNTIME_ARN,
          runtimeSessionId: newSessionId(),
          payload: Buffer.from("{}"),
        }),
      )
      .catch((e: unknown) => e);
    await harness.close();
    expect(error).toBeInstanceOf(RuntimeClientError);
    expect((error as Error).message).toContain("agent.command");
  });

  it("answers 424 when the agent never becomes healthy", async () => {
    const harness = await startHarness({ defaults: { agent: { command: ["bash", "-c", "exit 7"] } } });
    const error = await harness.client
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: RUNTIME_ARN,
          runtimeSessionId: newSessionId(),
          payload: Buffer.from("{}"),
        }),
      )
      .catch((e: unknown) => e);
    await harness.close();
    expect(error).toBeInstanceOf(RuntimeClientError);
    expect((error as Error).message).toContain("ended before it was healthy");
  });
});
