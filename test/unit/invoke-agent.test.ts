import { Readable } from "node:stream";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  RuntimeClientError,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-agentcore";
import { sdkStreamMixin } from "@smithy/core/serde";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentInvocation, FailureDigest } from "#lib/contracts.ts";
import { AgentError, BudgetExhaustedError, ThrottledError } from "#lib/errors.ts";
import { appendLedger, readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import { readAgentReply } from "../../functions/invoke-agent/agent-reply.ts";
import {
  type InvokeAgentDependencies,
  invokeAgent,
  invokeAgentInputSchema,
} from "../../functions/invoke-agent/invoke-agent.ts";
import {
  agentCoreClient,
  repairRequest,
  sessionId,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";

async function* chunksOf(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part, "utf8");
}

const reply = {
  summary: "Fixed the off-by-one in sum()",
  changedFiles: ["src/sum.ts"],
  proposedCommands: [],
};

describe("readAgentReply", () => {
  it("reads an application/json reply", async () => {
    const parsed = await readAgentReply(
      { contentType: "application/json; charset=utf-8", chunks: chunksOf(JSON.stringify(reply)) },
      10_000,
    );
    expect(parsed).toEqual({ reply, progressEvents: 0 });
  });

  it("reads a text/event-stream reply: progress events, then the result event", async () => {
    // Prepare: events split at awkward places, CRLF line ends, a comment, a multi-line data field
    const stream = [
      ": keep-alive\r\n",
      'event: progress\r\ndata: {"step":"reading"}\r\n\r\n',
      "event: progress\ndata: line one\ndata: line two\n\n",
      "event: res",
      `ult\ndata: ${JSON.stringify(reply).slice(0, 20)}`,
      `${JSON.stringify(reply).slice(20)}\n\n`,
    ];
    // Act
    const parsed = await readAgentReply(
      { contentType: "text/event-stream", chunks: chunksOf(...stream) },
      10_000,
    );
    // Assess
    expect(parsed).toEqual({ reply, progressEvents: 2 });
  });

  it("accepts a final result event without its trailing blank line", async () => {
    const parsed = await readAgentReply(
      { contentType: "text/event-stream", chunks: chunksOf(`event: result\ndata: ${JSON.stringify(reply)}`) },
      10_000,
    );
    expect(parsed.reply).toEqual(reply);
  });

  it("fills optional lists with empty ones", async () => {
    const parsed = await readAgentReply(
      { contentType: "application/json", chunks: chunksOf('{"summary":"nothing to do"}') },
      1000,
    );
    expect(parsed.reply).toEqual({ summary: "nothing to do", changedFiles: [], proposedCommands: [] });
  });

  it.each([
    ["invalid JSON", "application/json", ["{not json"], /not valid JSON/],
    ["a JSON reply of the wrong shape", "application/json", ['{"summary":42}'], /summary: /],
    [
      "too many proposed commands",
      "application/json",
      [JSON.stringify({ summary: "s", proposedCommands: Array(21).fill({ command: "ls" }) })],
      /proposedCommands/,
    ],
    [
      "an event stream without a result",
      "text/event-stream",
      ["event: progress\ndata: x\n\n"],
      /ended without an "event: result"/,
    ],
    [
      "an error event",
      "text/event-stream",
      ['event: error\ndata: {"message":"model overloaded"}\n\n'],
      /reported an error: model overloaded/,
    ],
    ["an unsupported content type", "text/html", ["<html>"], /text\/html/],
    [
      "a reply larger than the limit",
      "application/json",
      ["x".repeat(600), "y".repeat(600)],
      /larger than the limit of 1000 bytes/,
    ],
  ])("turns %s into an AgentError with the reply's head", async (_case, contentType, parts, message) => {
    // Act
    const attempt = readAgentReply({ contentType, chunks: chunksOf(...parts) }, 1000);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AgentError);
    await expect(attempt).rejects.toThrow(message);
    const error = (await attempt.catch((e: unknown) => e)) as AgentError;
    expect(String(error.details.replyHead).length).toBeLessThanOrEqual(501);
  });

  it("redacts secrets in the reply's head it reports", async () => {
    const token = `ghp_${"Z".repeat(36)}`;
    const attempt = readAgentReply(
      { contentType: "application/json", chunks: chunksOf(`{"token":"${token}"`) },
      1000,
    );
    const error = (await attempt.catch((e: unknown) => e)) as AgentError;
    expect(error.details.replyHead).toContain("[REDACTED:github-token]");
    expect(JSON.stringify(error.details)).not.toContain(token);
  });
});

const agentCore = mockClient(BedrockAgentCoreClient);

const digest: FailureDigest = {
  tool: "vitest",
  failingTests: ["sum > adds"],
  locations: [{ file: "src/sum.test.ts", line: 4 }],
  firstErrors: ["expected 3 to be 4"],
  excerpt: "",
};

describe("invokeAgent", () => {
  let artifacts: TemporaryStore;
  let deps: InvokeAgentDependencies;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      config: { agentReplyMaxBytes: 100_000, commandMarginSeconds: 30 },
      remainingTimeMs: () => 900_000,
    };
  });
  afterEach(() => artifacts.remove());

  const input = (iteration = 1) =>
    parseTaskInput(invokeAgentInputSchema, {
      request: repairRequest(),
      executionName: "exec-1",
      iteration,
      verdict: { outcome: "failed", exitCode: 1, digest },
      validation: { ignored: "the rest of the state passes through" },
    });
  const jsonReply = (value: unknown, contentType = "application/json") => ({
    contentType,
    statusCode: 200,
    runtimeSessionId: sessionId,
    response: sdkStreamMixin(
      Readable.from([Buffer.from(typeof value === "string" ? value : JSON.stringify(value))]),
    ),
    $metadata: {},
  });

  it("sends the task in the repair's session and returns the agent's turn", async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(
      jsonReply({
        ...reply,
        proposedCommands: [{ command: "npm install left-pad", reason: "missing dependency" }],
      }),
    );
    // Act
    const turn = await invokeAgent(deps, input());
    // Assess
    expect(turn).toEqual({
      summary: reply.summary,
      changedFiles: ["src/sum.ts"],
      proposedCommands: [{ command: "npm install left-pad", reason: "missing dependency" }],
      iteration: 1,
    });
    const sent = agentCore.commandCalls(InvokeAgentRuntimeCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      runtimeSessionId: sessionId,
      qualifier: "DEFAULT",
      contentType: "application/json",
      accept: "application/json, text/event-stream",
    });
    const payload = JSON.parse(Buffer.from(sent.payload as Uint8Array).toString("utf8")) as AgentInvocation;
    expect(payload).toMatchObject({
      repoName: "widgets",
      workspacePath: "/mnt/workspace/widgets",
      validationCommand: "npm test",
      iteration: 1,
      failure: digest,
      previousAttempts: [],
    });
    expect(payload.goal).toContain("`npm test`");
  });

  it("tells the agent what earlier iterations tried, from the ledger", async () => {
    // Prepare
    await appendLedger(artifacts.store, "exec-1", {
      kind: "agent-turn",
      at: "2026-01-01T00:00:00.000Z",
      iteration: 0,
      summary: "tried changing the test",
      changedFiles: ["src/sum.test.ts"],
      proposedCommands: [{ command: "npm ci" }],
    });
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(reply));
    // Act
    await invokeAgent(deps, input(1));
    // Assess
    const sent = agentCore.commandCalls(InvokeAgentRuntimeCommand)[0]!.args[0].input;
    const payload = JSON.parse(Buffer.from(sent.payload as Uint8Array).toString("utf8")) as AgentInvocation;
    expect(payload.previousAttempts).toEqual([{ summary: "tried changing the test", commands: ["npm ci"] }]);
  });

  it("appends the turn to the ledger", async () => {
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(reply));
    await invokeAgent(deps, input());
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records).toEqual([
      expect.objectContaining({ kind: "agent-turn", iteration: 1, summary: reply.summary }),
    ]);
  });

  it("accepts an event-stream reply", async () => {
    agentCore
      .on(InvokeAgentRuntimeCommand)
      .resolves(
        jsonReply(
          `event: progress\ndata: {}\n\nevent: result\ndata: ${JSON.stringify(reply)}\n\n`,
          "text/event-stream",
        ),
      );
    expect((await invokeAgent(deps, input())).summary).toBe(reply.summary);
  });

  it("masks secrets in the summary and in proposed commands before they reach state", async () => {
    const token = `ghp_${"Q".repeat(36)}`;
    agentCore.on(InvokeAgentRuntimeCommand).resolves(
      jsonReply({
        summary: `used ${token}`,
        proposedCommands: [{ command: `git push https://x:${token}@github.com/o/r` }],
      }),
    );
    const turn = await invokeAgent(deps, input());
    expect(JSON.stringify(turn)).not.toContain(token);
    expect(turn.summary).toBe("used [REDACTED:github-token]");
  });

  it("bounds what goes into state", async () => {
    agentCore.on(InvokeAgentRuntimeCommand).resolves(
      jsonReply({
        summary: "s".repeat(10_000),
        changedFiles: Array.from({ length: 120 }, (_, i) => `${"d/".repeat(300)}f${i}.ts`),
      }),
    );
    const turn = await invokeAgent(deps, input());
    expect(turn.summary.length).toBeLessThanOrEqual(4001);
    expect(turn.changedFiles).toHaveLength(100);
    expect(Math.max(...turn.changedFiles.map((f) => f.length))).toBeLessThanOrEqual(513);
    expect(JSON.stringify(turn).length).toBeLessThan(64 * 1024);
  });

  it("drops proposed commands too long for state, never truncating one, and says so in the summary", async () => {
    // Prepare: 20 commands of 60 KB each (a 1.2 MB reply)
    const huge = Array.from({ length: 20 }, (_, i) => ({ command: `echo ${i} ${"x".repeat(60 * 1024)}` }));
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply({ ...reply, proposedCommands: huge }));
    // Act
    const turn = await invokeAgent(
      { ...deps, config: { ...deps.config, agentReplyMaxBytes: 2_000_000 } },
      input(),
    );
    // Assess
    expect(turn.proposedCommands).toEqual([]);
    expect(turn.summary).toBe(
      `${reply.summary}\n\n20 of the 20 proposed commands were dropped and not run: 20 were longer than 4096 bytes.`,
    );
    expect(Buffer.byteLength(JSON.stringify(turn))).toBeLessThan(8 * 1024);
    const [record] = (await readLedger(artifacts.store, "exec-1")).records;
    expect(record).toMatchObject({ kind: "agent-turn", proposedCommands: [] });
  });

  it("keeps at most 10 proposed commands a turn, whole, and names what it dropped", async () => {
    // Prepare: 12 short commands with 2 long ones among them
    const short = Array.from({ length: 12 }, (_, i) => ({ command: `npm run task-${i}` }));
    const long = { command: `node -e '${"y".repeat(4097)}'` };
    const proposed = [short[0]!, long, ...short.slice(1, 6), long, ...short.slice(6)];
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply({ ...reply, proposedCommands: proposed }));
    // Act
    const turn = await invokeAgent(deps, input());
    // Assess
    expect(turn.proposedCommands).toEqual(short.slice(0, 10));
    expect(turn.summary).toContain(
      "4 of the 14 proposed commands were dropped and not run: 2 were longer than 4096 bytes, and 2 went past the limit of 10 proposed commands per turn.",
    );
  });

  it("keeps a command of exactly 4096 bytes", async () => {
    const command = `echo ${"z".repeat(4091)}`;
    agentCore
      .on(InvokeAgentRuntimeCommand)
      .resolves(jsonReply({ ...reply, proposedCommands: [{ command }] }));
    const turn = await invokeAgent(deps, input());
    expect(turn.proposedCommands).toEqual([{ command }]);
    expect(turn.summary).toBe(reply.summary);
  });

  it("maps the agent container failing (424 RuntimeClientError) to AgentError", async () => {
    agentCore
      .on(InvokeAgentRuntimeCommand)
      .rejects(
        new RuntimeClientError({ message: "container returned 500", $metadata: { httpStatusCode: 424 } }),
      );
    await expect(invokeAgent(deps, input())).rejects.toBeInstanceOf(AgentError);
  });

  it("maps throttling to ThrottledError", async () => {
    agentCore
      .on(InvokeAgentRuntimeCommand)
      .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }));
    await expect(invokeAgent(deps, input())).rejects.toBeInstanceOf(ThrottledError);
  });

  it("starts no agent turn once the repair's budget is spent", async () => {
    // Prepare
    const late = parseTaskInput(invokeAgentInputSchema, {
      request: repairRequest({ deadline: "2026-01-01T01:00:00.000Z" }),
      executionName: "exec-1",
      iteration: 2,
      verdict: { outcome: "failed", exitCode: 1, digest },
    });
    // Act
    const error = await invokeAgent(
      { ...deps, now: () => Date.parse("2026-01-01T01:00:01.000Z") },
      late,
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as Error).message).toContain("budget of 3600 s ended at 2026-01-01T01:00:00.000Z");
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommand)).toHaveLength(0);
  });

  it("turns a malformed reply into AgentError, not a crash", async () => {
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply("Internal error: <html>"));
    const attempt = invokeAgent(deps, input());
    await expect(attempt).rejects.toBeInstanceOf(AgentError);
    await expect(attempt).rejects.toMatchObject({ details: { replyHead: "Internal error: <html>" } });
  });
});
