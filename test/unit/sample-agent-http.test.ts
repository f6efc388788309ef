// The sample agent's side of the AgentCore HTTP protocol contract: /ping, /invocations, and what it answers to
// requests it cannot serve.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AGENT_ENTRY,
  copySampleWorkspace,
  invocationFor,
  invokeAgent,
  type RunningAgent,
  startAgent,
  type TempWorkspace,
} from "./sample-agent-harness.ts";

describe("sample agent, HTTP contract", () => {
  let agent: RunningAgent;
  let copy: TempWorkspace;

  beforeAll(async () => {
    agent = await startAgent();
    copy = await copySampleWorkspace("node-calculator");
  });
  afterAll(async () => {
    await agent.stop();
    await copy.cleanup();
  });

  it("answers GET /ping with Healthy and the time of the last status change in Unix seconds", async () => {
    // Act
    const response = await fetch(`${agent.baseUrl}/ping`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { status: string; time_of_last_update: number };
    expect(body.status).toBe("Healthy");
    expect(Number.isInteger(body.time_of_last_update)).toBe(true);
    expect(body.time_of_last_update).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("answers other methods and paths with 405 and 404", async () => {
    // Act
    const postPing = await fetch(`${agent.baseUrl}/ping`, { method: "POST" });
    const getInvocations = await fetch(`${agent.baseUrl}/invocations`);
    const unknown = await fetch(`${agent.baseUrl}/mcp`);

    // Assess
    expect([postPing.status, getInvocations.status, unknown.status]).toEqual([405, 405, 404]);
    expect(await unknown.json()).toMatchObject({ error: "NotFound" });
  });

  it("refuses a body that is not JSON with 400", async () => {
    // Act
    const reply = await invokeAgent(agent, "{not json");

    // Assess
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({
      error: "InvalidInvocationError",
      message: expect.stringContaining("the body is not JSON"),
    });
  });

  it("names every bad field of an invocation", async () => {
    // Prepare
    const body = {
      ...invocationFor(copy.path, "node-calculator", -1),
      goal: 7,
      failure: "boom",
      repoName: "../x",
    };

    // Act
    const reply = await invokeAgent(agent, body);

    // Assess
    expect(reply.status).toBe(400);
    const { message } = JSON.parse(reply.text) as { message: string };
    expect(message).toContain("goal: must be a string; got number");
    expect(message).toContain('repoName: "../x" must match');
    expect(message).toContain("iteration: must be a non-negative integer; got -1");
    expect(message).toContain("failure: must be an object (FailureDigest); got string");
  });

  it("refuses a body over 1 MiB with 413", async () => {
    // Prepare
    const body = invocationFor(copy.path, "node-calculator", 1, { goal: "x".repeat(1024 * 1024 + 1) });

    // Act
    const reply = await invokeAgent(agent, body);

    // Assess
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text)).toMatchObject({ error: "PayloadTooLargeError" });
  });

  it("refuses a workspace that does not exist with 400", async () => {
    // Act
    const reply = await invokeAgent(
      agent,
      invocationFor(path.join(copy.root, "missing"), "node-calculator", 1),
    );

    // Assess
    expect(reply.status).toBe(400);
    const { message } = JSON.parse(reply.text) as { message: string };
    expect(message).toBe(`workspacePath: "${path.join(copy.root, "missing")}" does not exist`);
  });

  it("accepts a JSON content type as well as the SDK's octet-stream", async () => {
    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1), {
      contentType: "application/json",
    });

    // Assess
    expect(reply.status).toBe(200);
  });
});

describe("sample agent, workspace root", () => {
  let agent: RunningAgent;
  let root: string;
  let copy: TempWorkspace;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "sample-agent-root-"));
    copy = await copySampleWorkspace("node-calculator");
    agent = await startAgent({ AGENT_WORKSPACE_ROOT: root });
  });
  afterAll(async () => {
    await agent.stop();
    await copy.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it("refuses a workspace outside AGENT_WORKSPACE_ROOT", async () => {
    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({
      error: "InvalidInvocationError",
      message: expect.stringContaining(`is not inside the agent's workspace root ${root}`),
    });
  });
});

describe("sample agent, configuration", () => {
  it("exits with status 2 and names the setting when PORT is not a port", async () => {
    // Act
    const child = spawn(process.execPath, [AGENT_ENTRY], { env: { ...process.env, PORT: "http" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise((resolve) => child.once("close", resolve));

    // Assess
    expect(code).toBe(2);
    expect(output).toContain('PORT=\\"http\\" must be an integer from 0 to 65535');
  });
});
