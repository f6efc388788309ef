// The sample agent with live models, each against a local stand-in speaking its wire format: an OpenAI-compatible
// chat-completions server (JSON and streamed, tool calls, throttling, context too long, refusal) and Bedrock
// Converse with the host's credentials served through a container-credentials endpoint (the agent process's
// only way to them), plus Bedrock's own throttling, context and refusal answers.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CredentialsEndpoint, startCredentialsEndpoint } from "../../infra/local/host-credentials.ts";
import {
  bedrockError,
  type ChatToolCall,
  chatAnswer,
  chatStream,
  converseTurn,
  type StandIn,
  startBedrockStandIn,
  startOpenAiStandIn,
} from "./model-stand-ins.ts";
import {
  copySampleWorkspace,
  invocationFor,
  invokeAgent,
  parseReply,
  parseServerSentEvents,
  type RunningAgent,
  startAgent,
  type TempWorkspace,
} from "./sample-agent-harness.ts";

const API_KEY = "sk-test-local-only-123";
const call = (id: string, name: string, input: Record<string, unknown>): ChatToolCall => ({
  id,
  name,
  arguments: JSON.stringify(input),
});

describe("the sample agent's address", () => {
  it("listens on loopback unless HOST says otherwise", async () => {
    const plain = await startAgent();
    const told = await startAgent({ HOST: "127.0.0.2" });
    try {
      expect(plain.logs.find((e) => e.message === "sample agent listening")?.host).toBe("127.0.0.1");
      expect(told.logs.find((e) => e.message === "sample agent listening")?.host).toBe("127.0.0.2");
    } finally {
      await plain.stop();
      await told.stop();
    }
  });
});

describe("OpenAI-compatible model", () => {
  let server: StandIn;
  let agent: RunningAgent;
  let streamingAgent: RunningAgent;
  let copy: TempWorkspace;

  beforeAll(async () => {
    server = await startOpenAiStandIn();
    const env = {
      AGENT_MODEL: "openai:qwen-coder",
      AGENT_MODEL_URL: `${server.url}/v1`,
      AGENT_MODEL_API_KEY: API_KEY,
      AGENT_MAX_TURNS: "6",
    };
    agent = await startAgent(env);
    streamingAgent = await startAgent({ ...env, AGENT_MODEL_STREAM: "true" });
  });
  afterAll(async () => {
    await agent.stop();
    await streamingAgent.stop();
    await server.close();
  });
  beforeEach(async () => {
    server.calls.length = 0;
    copy = await copySampleWorkspace("node-calculator");
  });
  afterEach(async () => {
    await copy.cleanup();
  });

  /** read the file, write the fix, say what was done: the same three turns, whole or streamed. */
  async function repairScript(stream: boolean) {
    const original = await readFile(path.join(copy.path, "src/calculator.js"), "utf8");
    const fixed = original.replace("let i = 1;", "let i = 0;");
    const turns = [
      { text: "Reading the code.", calls: [call("c1", "read_file", { path: "src/calculator.js" })] },
      { text: "", calls: [call("c2", "write_file", { path: "src/calculator.js", content: fixed })] },
      { text: "Fixed total(): the loop started at 1.", calls: [] },
    ];
    server.script = (_body, index) => {
      const turn = turns[index];
      if (!turn) return { status: 500, body: { error: { message: "script exhausted" } } };
      return stream ? chatStream(turn.text, turn.calls) : chatAnswer(turn.text || null, turn.calls);
    };
    return { original, fixed };
  }

  it.each([
    { stream: false, name: "whole answers" },
    { stream: true, name: "streamed answers" },
  ])("repairs through the one tool loop with $name", async ({ stream }) => {
    // Prepare
    const { original, fixed } = await repairScript(stream);

    // Act
    const reply = await invokeAgent(
      stream ? streamingAgent : agent,
      invocationFor(copy.path, "node-calculator", 1),
    );

    // Assess: the edit happened and the reply says which model did it
    expect(reply.status).toBe(200);
    const body = parseReply(reply);
    expect(body.summary).toMatch(
      /^\[model: OpenAI-compatible model qwen-coder at http:\/\/127\.0\.0\.1:\d+ \(live/,
    );
    expect(body.summary).toContain("Fixed total(): the loop started at 1.");
    expect(body.changedFiles).toEqual(["src/calculator.js"]);
    expect(await readFile(path.join(copy.path, "src/calculator.js"), "utf8")).toBe(fixed);
    // Assess: the wire format
    expect(server.calls).toHaveLength(3);
    const first = server.calls[0]!;
    expect(first.path).toBe("/v1/chat/completions");
    expect(first.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first.body).toMatchObject({ model: "qwen-coder", stream, temperature: 0, tool_choice: "auto" });
    const tools = first.body.tools as { type: string; function: { name: string; parameters: unknown } }[];
    expect(tools.map((t) => t.function.name).sort()).toEqual([
      "list_files",
      "propose_command",
      "read_file",
      "write_file",
    ]);
    expect(tools.every((t) => t.type === "function" && typeof t.function.parameters === "object")).toBe(true);
    const messages = server.calls[1]!.body.messages as Record<string, unknown>[];
    expect(messages[0]).toMatchObject({ role: "system" });
    expect(messages[1]).toMatchObject({ role: "user" });
    expect(messages[2]).toMatchObject({
      role: "assistant",
      content: "Reading the code.",
      tool_calls: [{ id: "c1", type: "function", function: { name: "read_file" } }],
    });
    expect(messages[3]).toEqual({ role: "tool", tool_call_id: "c1", content: original });
  });

  it("retries a throttled call after retry-after and then completes", async () => {
    await repairScript(false);
    const script = server.script;
    server.script = (body, index) =>
      index < 2
        ? {
            status: 429,
            headers: { "retry-after": "0" },
            body: { error: { message: "Rate limit reached", type: "requests" } },
          }
        : script(body, index - 2);

    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    expect(reply.status).toBe(200);
    expect(server.calls).toHaveLength(5);
  });

  it.each([
    {
      name: "still throttled after the retries",
      answer: () => ({
        status: 429,
        headers: { "retry-after": "0" },
        body: { error: { message: "Rate limit reached" } },
      }),
      reason: "throttled",
      message: /still throttling \(HTTP 429\) after 4 attempts/,
    },
    {
      name: "a conversation longer than the context",
      answer: () => ({
        status: 400,
        body: {
          error: {
            message:
              "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
            type: "invalid_request_error",
            code: "context_length_exceeded",
          },
        },
      }),
      reason: "context-too-long",
      message: /the conversation is longer than .* accepts \(HTTP 400\)/,
    },
    {
      name: "a refusal",
      answer: () => chatAnswer(null, [], "stop", { refusal: "I can't help with that." }),
      reason: "refused",
      message: /refused the task: I can't help with that\./,
    },
    {
      name: "a content filter",
      answer: () => chatAnswer("", [], "content_filter"),
      reason: "refused",
      message: /content filter/,
    },
    {
      name: "a wrong API key",
      answer: () => ({
        status: 401,
        body: { error: { message: "Incorrect API key provided", code: "invalid_api_key" } },
      }),
      reason: "unauthorized",
      message: /refused the credentials \(HTTP 401\)/,
    },
  ])("answers $name with a ModelError naming the reason", async ({ answer, reason, message }) => {
    server.script = answer;

    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    expect(reply.status).toBe(500);
    const error = JSON.parse(reply.text) as { error: string; message: string; reason: string };
    expect(error).toMatchObject({ error: "ModelError", reason });
    expect(error.message).toMatch(message);
    expect(reply.text).not.toContain(API_KEY);
  });

  it("ends a streamed reply with an error event when the stream reports one", async () => {
    server.script = () => ({
      events: [
        {
          error: {
            message: "prompt is too long: 210000 tokens > 200000 maximum",
            code: "context_length_exceeded",
          },
        },
      ],
    });

    const reply = await invokeAgent(streamingAgent, invocationFor(copy.path, "node-calculator", 1), {
      accept: "text/event-stream",
    });

    const events = parseServerSentEvents(reply.text);
    expect(events.at(-1)).toMatchObject({
      event: "error",
      data: { error: "ModelError", reason: "context-too-long" },
    });
  });

  it("hands a tool call with broken JSON arguments back to the model as a tool error", async () => {
    server.script = (_body, index) =>
      index === 0
        ? chatAnswer(null, [{ id: "bad", name: "read_file", arguments: "{path: src" }])
        : chatAnswer("Gave up on that call.");

    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    expect(reply.status).toBe(200);
    const tool = (server.calls[1]!.body.messages as Record<string, unknown>[]).find((m) => m.role === "tool");
    expect(tool).toMatchObject({ tool_call_id: "bad", content: expect.stringMatching(/^ERROR: /) });
  });
});

describe("Bedrock model with the host's credentials", () => {
  const ACCESS_KEY = "AKIAHOSTCREDENTIALS1";
  let bedrock: StandIn;
  let credentials: CredentialsEndpoint;
  let agent: RunningAgent;
  let copy: TempWorkspace;

  beforeAll(async () => {
    bedrock = await startBedrockStandIn();
    credentials = await startCredentialsEndpoint(async () => ({
      accessKeyId: ACCESS_KEY,
      secretAccessKey: "host-secret-not-real",
      sessionToken: "host-session-token",
      expiration: new Date(Date.now() + 3_600_000),
    }));
    agent = await startAgent({
      AGENT_MODEL: "bedrock:us.anthropic.claude-test-v1:0",
      AWS_REGION: "us-west-2",
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      // As the local stack gives them: no keys in the environment, no shared files, only the endpoint.
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: credentials.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: credentials.token,
      AGENT_MAX_TURNS: "4",
    });
  });
  afterAll(async () => {
    await agent.stop();
    await bedrock.close();
    await credentials.stop();
  });
  beforeEach(async () => {
    bedrock.calls.length = 0;
    copy = await copySampleWorkspace("node-calculator");
  });
  afterEach(async () => {
    await copy.cleanup();
  });

  it("signs Converse with the credentials the endpoint served", async () => {
    bedrock.script = () => converseTurn("end_turn", [{ text: "Nothing to change." }]);

    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    expect(reply.status).toBe(200);
    expect(credentials.served()).toBeGreaterThanOrEqual(1);
    expect(bedrock.calls[0]?.path).toBe(
      `/model/${encodeURIComponent("us.anthropic.claude-test-v1:0")}/converse`,
    );
    expect(String(bedrock.calls[0]?.headers.authorization)).toContain(`Credential=${ACCESS_KEY}/`);
    expect(String(bedrock.calls[0]?.headers.authorization)).toContain("/us-west-2/bedrock/aws4_request");
    expect(bedrock.calls[0]?.headers["x-amz-security-token"]).toBe("host-session-token");
  });

  it("refuses a request without the endpoint's token", async () => {
    const response = await fetch(credentials.url);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain(ACCESS_KEY);
  });

  it.each([
    {
      name: "throttling that outlasts the SDK's retries",
      answer: () =>
        bedrockError(429, "ThrottlingException", "Too many requests, please wait before trying again."),
      reason: "throttled",
      message: /still throttled after the SDK's retries/,
    },
    {
      name: "an input longer than the model takes",
      answer: () => bedrockError(400, "ValidationException", "Input is too long for requested model."),
      reason: "context-too-long",
      message: /the conversation is longer than/,
    },
    {
      name: "a guardrail",
      answer: () => converseTurn("guardrail_intervened", [{ text: "Sorry, I can't do that." }]),
      reason: "refused",
      message: /declined the task \(stopReason guardrail_intervened\)/,
    },
  ])("answers $name with a ModelError naming the reason", async ({ answer, reason, message }) => {
    bedrock.script = answer;

    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    expect(reply.status).toBe(500);
    const error = JSON.parse(reply.text) as { error: string; message: string; reason: string };
    expect(error).toMatchObject({ error: "ModelError", reason });
    expect(error.message).toMatch(message);
  });
});
