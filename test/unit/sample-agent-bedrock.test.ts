// The sample agent with a live model: the real Bedrock Runtime SDK inside the agent talks Converse to a scripted
// stand-in endpoint (AWS_ENDPOINT_URL_BEDROCK_RUNTIME), so the tool loop, the tool results handed back to the
// model, the busy status, model failures and the session recorder are exercised over real HTTP.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  copySampleWorkspace,
  invocationFor,
  invokeAgent,
  parseReply,
  type RunningAgent,
  startAgent,
  type TempWorkspace,
} from "./sample-agent-harness.ts";

const MODEL_ID = "test.model-v1";

interface ConverseBody {
  system: { text: string }[];
  messages: { role: string; content: Record<string, unknown>[] }[];
  toolConfig: { tools: { toolSpec: { name: string } }[] };
  inferenceConfig: { maxTokens: number; temperature: number };
}
interface FakeResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
}
type Script = (body: ConverseBody, index: number) => FakeResponse | Promise<FakeResponse>;

/** A Converse reply in the shape the service returns. */
function modelTurn(stopReason: string, content: Record<string, unknown>[]): FakeResponse {
  return {
    body: {
      output: { message: { role: "assistant", content } },
      stopReason,
      usage: { inputTokens: 10, outputTokens: 10, totalTokens: 20 },
      metrics: { latencyMs: 1 },
    },
  };
}
const toolUse = (toolUseId: string, name: string, input: Record<string, unknown>) => ({
  toolUse: { toolUseId, name, input },
});

/**
 * Stands in for the Bedrock Runtime endpoint: records every Converse request and answers from a script. HTTP/2
 * cleartext, because the Bedrock Runtime client speaks HTTP/2 (its default handler serves the bidirectional
 * streaming operations too).
 */
async function startFakeBedrock() {
  const calls: { path: string; body: ConverseBody }[] = [];
  const state: { script: Script } = { script: () => ({ status: 500, body: { message: "no script" } }) };
  const server = http2.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ConverseBody;
    calls.push({ path: request.url ?? "", body });
    const reply = await state.script(body, calls.length - 1);
    response.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
    response.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    state,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The tool results the agent handed back in a request's last message, by tool-use id. */
function toolResultsOf(body: ConverseBody | undefined) {
  const results = new Map<string, { status: string; text: string }>();
  for (const block of body?.messages.at(-1)?.content ?? []) {
    const result = block.toolResult as
      | { toolUseId: string; status: string; content: { text: string }[] }
      | undefined;
    if (result)
      results.set(result.toolUseId, {
        status: result.status,
        text: result.content.map((c) => c.text).join(""),
      });
  }
  return results;
}

describe("sample agent, Bedrock mode", () => {
  let fake: Awaited<ReturnType<typeof startFakeBedrock>>;
  let agent: RunningAgent;
  let recordDir: string;
  let copy: TempWorkspace;

  beforeAll(async () => {
    fake = await startFakeBedrock();
    recordDir = await mkdtemp(path.join(tmpdir(), "sample-agent-recordings-"));
    agent = await startAgent({
      AGENT_MODEL_ID: MODEL_ID,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
      AGENT_RECORD_DIR: recordDir,
      AGENT_MAX_TURNS: "5",
    });
  });
  afterAll(async () => {
    await agent.stop();
    await fake.close();
    await rm(recordDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fake.calls.length = 0;
    copy = await copySampleWorkspace("node-calculator");
  });
  afterEach(async () => {
    await copy.cleanup();
  });

  it("says at start-up that it uses a live Bedrock model", () => {
    // Assess
    expect(agent.logs.find((entry) => entry.message === "sample agent listening")).toMatchObject({
      model: "bedrock",
      modelId: MODEL_ID,
    });
  });

  it("runs the tool loop with the model: tools offered, refusals handed back, edits made, session recorded", async () => {
    // Prepare: an outside directory behind a symlink, and a model that first tries to escape
    const outside = path.join(copy.root, "outside");
    await mkdir(outside);
    await writeFile(path.join(outside, "outside-only.txt"), "not for the agent\n");
    await symlink(outside, path.join(copy.path, "linked-outside"));
    const original = await readFile(path.join(copy.path, "src/calculator.js"), "utf8");
    const fixed = original.replace("let i = 1;", "let i = 0;");
    fake.state.script = (_body, index) =>
      [
        modelTurn("tool_use", [
          { text: "Let me look around." },
          toolUse("t-escape", "write_file", { path: "../escape.txt", content: "x" }),
          toolUse("t-list", "list_files", {}),
        ]),
        modelTurn("tool_use", [toolUse("t-read", "read_file", { path: "src/calculator.js" })]),
        modelTurn("tool_use", [
          toolUse("t-write", "write_file", { path: "src/calculator.js", content: fixed }),
        ]),
        modelTurn("end_turn", [{ text: "Fixed total(): the loop skipped the first amount." }]),
      ][index] ?? { status: 500, body: { message: "script exhausted" } };
    const invocation = invocationFor(copy.path, "node-calculator", 1, {
      failure: {
        tool: "node-test",
        failingTests: ["total sums every amount"],
        locations: [{ file: "test/calculator.test.js", line: 10 }],
        firstErrors: ["AssertionError: 425 !== 1625"],
        excerpt: "",
      },
    });

    // Act
    const reply = await invokeAgent(agent, invocation);

    // Assess: the reply and the workspace
    expect(reply.status).toBe(200);
    const body = parseReply(reply);
    expect(body.summary).toBe(
      `[model: Amazon Bedrock model ${MODEL_ID} (live, Converse API)] Fixed total(): the loop skipped the first amount.`,
    );
    expect(body.changedFiles).toEqual(["src/calculator.js"]);
    expect(await readFile(path.join(copy.path, "src/calculator.js"), "utf8")).toBe(fixed);
    await expect(stat(path.join(copy.root, "escape.txt"))).rejects.toThrow(/ENOENT/);

    // Assess: what the model was sent
    expect(fake.calls).toHaveLength(4);
    expect(fake.calls[0]?.path).toBe(`/model/${MODEL_ID}/converse`);
    const first = fake.calls[0]?.body;
    expect(first?.toolConfig.tools.map((tool) => tool.toolSpec.name).sort()).toEqual([
      "list_files",
      "propose_command",
      "read_file",
      "write_file",
    ]);
    expect(first?.inferenceConfig.temperature).toBe(0);
    expect(first?.system[0]?.text).toContain("You cannot run commands yourself");
    expect(JSON.stringify(first?.messages[0])).toContain("total sums every amount");
    const afterFirstTurn = toolResultsOf(fake.calls[1]?.body);
    expect(afterFirstTurn.get("t-escape")).toEqual({
      status: "error",
      text: expect.stringContaining("resolves outside the workspace"),
    });
    expect(afterFirstTurn.get("t-list")?.status).toBe("success");
    expect(afterFirstTurn.get("t-list")?.text).toContain("linked-outside (symlink)");
    expect(afterFirstTurn.get("t-list")?.text).not.toContain("outside-only.txt");
    expect(toolResultsOf(fake.calls[2]?.body).get("t-read")).toEqual({ status: "success", text: original });

    // Assess: the live session was saved as a replay, and that replay repairs a fresh copy the same way
    const recorded = JSON.parse(await readFile(path.join(recordDir, "node-calculator.json"), "utf8"));
    expect(recorded.iterations).toHaveLength(1);
    const fresh = await copySampleWorkspace("node-calculator");
    const replayer = await startAgent({ AGENT_REPLAY_DIR: recordDir });
    try {
      const replayed = await invokeAgent(replayer, invocationFor(fresh.path, "node-calculator", 1));
      expect(replayed.status).toBe(200);
      expect(parseReply(replayed).summary).toContain("replay of recorded session");
      expect(await readFile(path.join(fresh.path, "src/calculator.js"), "utf8")).toBe(fixed);
    } finally {
      await replayer.stop();
      await fresh.cleanup();
    }
  });

  it("reports HealthyBusy while working and refuses a second invocation on the same workspace", async () => {
    // Prepare: the model's answer is held until the test has looked
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let modelCalled: () => void = () => {};
    const called = new Promise<void>((resolve) => {
      modelCalled = resolve;
    });
    fake.state.script = async () => {
      modelCalled();
      await held;
      return modelTurn("end_turn", [{ text: "Nothing to change." }]);
    };
    const idle = (await (await fetch(`${agent.baseUrl}/ping`)).json()) as { time_of_last_update: number };

    // Act
    const working = invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));
    await called;
    const busy = (await (await fetch(`${agent.baseUrl}/ping`)).json()) as {
      status: string;
      time_of_last_update: number;
    };
    const second = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));
    release();
    const first = await working;
    const after = (await (await fetch(`${agent.baseUrl}/ping`)).json()) as { status: string };

    // Assess
    expect(busy.status).toBe("HealthyBusy");
    expect(busy.time_of_last_update).toBeGreaterThanOrEqual(idle.time_of_last_update);
    expect(second.status).toBe(409);
    expect(JSON.parse(second.text)).toMatchObject({ error: "WorkspaceBusyError" });
    expect(first.status).toBe(200);
    expect(parseReply(first)).toMatchObject({ changedFiles: [], proposedCommands: [] });
    expect(after.status).toBe("Healthy");
  });

  it("turns a Bedrock error into a 500 naming the exception", async () => {
    // Prepare
    fake.state.script = () => ({
      status: 400,
      headers: { "x-amzn-errortype": "ValidationException" },
      body: { message: "The provided model identifier is invalid." },
    });

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toEqual({
      error: "ModelError",
      message: expect.stringContaining("ValidationException: The provided model identifier is invalid."),
      reason: "bad-response",
    });
  });

  it("refuses a turn cut off by max_tokens", async () => {
    // Prepare
    fake.state.script = () => modelTurn("max_tokens", [{ text: "Fixed tot" }]);

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toMatchObject({
      error: "ModelError",
      message: expect.stringContaining("stopped with max_tokens"),
    });
  });

  it("stops a model that keeps calling tools at AGENT_MAX_TURNS", async () => {
    // Prepare
    fake.state.script = (_body, index) => modelTurn("tool_use", [toolUse(`t-${index}`, "list_files", {})]);

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toMatchObject({ error: "TurnLimitError" });
    expect(fake.calls).toHaveLength(5);
  });
});
