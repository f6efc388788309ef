import { Readable } from "node:stream";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  InvokeAgentRuntimeCommandCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import { sdkStreamMixin } from "@smithy/core/serde";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ValidationFailedError } from "#lib/errors.ts";
import { handler as finalizeHandler } from "../../functions/finalize/handler.ts";
import { handler as invokeAgentHandler } from "../../functions/invoke-agent/handler.ts";
import { handler as prepareWorkspaceHandler } from "../../functions/prepare-workspace/handler.ts";
import { handler as runCommandHandler } from "../../functions/run-command/handler.ts";
import { commandReply, repairRequest, type TemporaryStore, temporaryStore } from "./agentcore-fakes.ts";

/** The handlers as the state machine calls them: the whole state plus the task's fields, a Lambda context. */

const agentCore = mockClient(BedrockAgentCoreClient);
const context = (remainingMs = 900_000) =>
  ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
const state = () => ({ request: repairRequest(), iteration: 1, executionName: "exec-h" });

describe("task handlers", () => {
  let artifacts: TemporaryStore;
  beforeAll(async () => {
    artifacts = await temporaryStore();
    process.env.ARTIFACT_DIR = artifacts.directory;
  });
  afterAll(() => artifacts.remove());
  beforeEach(() => agentCore.reset());

  it("run-command returns the command's outcome", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("ok\n", 0));
    const outcome = await runCommandHandler(
      { ...state(), command: "npm test", purpose: "validation" },
      context(),
    );
    expect(outcome).toMatchObject({ exitCode: 0, status: "COMPLETED", stdout: { head: "ok\n" } });
    expect(outcome.artifactUri).toContain(artifacts.directory);
  });

  it("run-command goes detached when the Lambda has too little time left", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("state=started\n", 0));
    const outcome = await runCommandHandler(
      { ...state(), command: "npm test", purpose: "validation" },
      context(60_000),
    );
    expect(outcome.pending).toBeDefined();
  });

  it("run-command rejects a bad event with ValidationFailedError naming the field", async () => {
    const attempt = runCommandHandler({ ...state(), purpose: "validation" }, context());
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(attempt).rejects.toThrow(/command/);
  });

  it("prepare-workspace returns the workspace", async () => {
    agentCore
      .on(InvokeAgentRuntimeCommandCommand)
      .callsFakeOnce(() => commandReply("state=absent\n"))
      .callsFakeOnce(() => commandReply(`revision=${"a".repeat(40)}\ninternals=${"b".repeat(64)}\n`));
    const workspace = await prepareWorkspaceHandler(state(), context());
    expect(workspace).toEqual({
      path: "/mnt/workspace/widgets",
      revision: "a".repeat(40),
      resumed: false,
      clearedLockFiles: [],
      internals: "b".repeat(64),
    });
  });

  it("invoke-agent returns the agent's turn", async () => {
    agentCore.on(InvokeAgentRuntimeCommand).resolves({
      contentType: "application/json",
      statusCode: 200,
      response: sdkStreamMixin(Readable.from([Buffer.from('{"summary":"done","changedFiles":["a.ts"]}')])),
      $metadata: {},
    });
    const turn = await invokeAgentHandler(
      {
        ...state(),
        verdict: {
          outcome: "failed",
          exitCode: 1,
          digest: { tool: "generic", failingTests: [], locations: [], firstErrors: [], excerpt: "x" },
        },
      },
      context(),
    );
    expect(turn).toEqual({ summary: "done", changedFiles: ["a.ts"], proposedCommands: [], iteration: 1 });
  });

  it("finalize writes the report and stops the session", async () => {
    agentCore.on(StopRuntimeSessionCommand).resolves({});
    const report = await finalizeHandler({ ...state(), verdict: { outcome: "passed", exitCode: 0 } });
    expect(report).toMatchObject({ outcome: "repaired", iterations: 1 });
    expect(agentCore.commandCalls(StopRuntimeSessionCommand)).toHaveLength(1);
  });
});
