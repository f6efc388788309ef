import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommandCommand,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commandHash } from "#lib/command-hash.ts";
import {
  CommandStreamBrokenError,
  CommandTimedOutError,
  ThrottledError,
  ValidationFailedError,
} from "#lib/errors.ts";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type RunCommandDependencies,
  type RunCommandInput,
  runCommand,
  runCommandInputSchema,
} from "../../functions/run-command/run-command.ts";
import {
  agentCoreClient,
  commandReply,
  eventStream,
  repairRequest,
  sessionId,
  started,
  stderr,
  stdout,
  stopped,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";

const agentCore = mockClient(BedrockAgentCoreClient);

describe("runCommand (synchronous)", () => {
  let artifacts: TemporaryStore;
  let deps: RunCommandDependencies;
  let clock: number;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    clock = 1_700_000_000_000;
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      digest: { headBytes: 64, tailBytes: 64 },
      now: () => clock,
      config: {
        maxSyncCommandSeconds: 840,
        commandMarginSeconds: 30,
        pollIntervalSeconds: 60,
        toolCacheDir: "/tmp/rc",
      },
      remainingTimeMs: () => 900_000,
    };
  });
  afterEach(() => artifacts.remove());

  const input = (overrides: Partial<RunCommandInput> = {}): RunCommandInput =>
    parseTaskInput(runCommandInputSchema, {
      request: repairRequest(),
      command: "npm test",
      purpose: "validation",
      executionName: "exec-1",
      iteration: 2,
      ...overrides,
    });

  it("runs the command in the workspace of the request's session and returns its outcome", async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => {
      clock += 1500;
      return {
        ...commandReply(""),
        stream: eventStream(started, stdout("2 passed\n"), stderr("warning: x\n"), stopped(1)),
      };
    });
    // Act
    const outcome = await runCommand(deps, input({ timeoutSeconds: 120 }));
    // Assess: what was sent
    const sent = agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      agentRuntimeArn: repairRequest().runtimeArn,
      qualifier: "DEFAULT",
      runtimeSessionId: sessionId,
      body: { timeout: 120 },
    });
    const script = sent.body!.command!;
    expect(script.startsWith("cd '/mnt/workspace/widgets' 2>/dev/null || {")).toBe(true);
    expect(script).toContain("export npm_config_cache='/tmp/rc/npm'");
    expect(script.endsWith("\nnpm test")).toBe(true);
    // Assess: what came back
    expect(outcome).toMatchObject({
      commandHash: commandHash("npm test"),
      command: "npm test",
      purpose: "validation",
      status: "COMPLETED",
      exitCode: 1,
      durationMs: 1500,
      stdout: { head: "2 passed\n", bytes: 9, lines: 1 },
      stderr: { head: "warning: x\n" },
    });
    expect(outcome.pending).toBeUndefined();
    expect(outcome.artifactUri).toMatch(
      /^file:\/\/.*\/runs\/exec-1\/commands\/2-validation-[0-9a-f]{12}-\d{8}T\d{9}Z\.log$/,
    );
  });

  it("appends the command to the execution's ledger", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("ok\n", 0));
    const outcome = await runCommand(deps, input());
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records).toEqual([
      expect.objectContaining({
        kind: "command",
        iteration: 2,
        purpose: "validation",
        commandHash: outcome.commandHash,
        status: "COMPLETED",
        exitCode: 0,
        artifactUri: outcome.artifactUri,
      }),
    ]);
  });

  it("uses the request's command timeout when none is given", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("", 0));
    await runCommand(deps, input());
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)[0]!.args[0].input.body?.timeout).toBe(
      300,
    );
  });

  it("returns a TIMED_OUT outcome for a validation command (the verdict classifies it)", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("slow\n", 137, "TIMED_OUT"));
    const outcome = await runCommand(deps, input());
    expect(outcome).toMatchObject({ status: "TIMED_OUT", exitCode: 137 });
  });

  it("throws CommandTimedOutError when a prepare command times out", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("", 137, "TIMED_OUT"));
    await expect(runCommand(deps, input({ purpose: "prepare", timeoutSeconds: 60 }))).rejects.toBeInstanceOf(
      CommandTimedOutError,
    );
  });

  it("throws CommandStreamBrokenError, keeps the partial output and records the broken run", async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => ({
      ...commandReply(""),
      stream: eventStream(started, stdout("half of the out")),
    }));
    // Act
    const attempt = runCommand(deps, input());
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(CommandStreamBrokenError);
    const error = (await attempt.catch((e: unknown) => e)) as CommandStreamBrokenError;
    expect(error.details.artifactUri).toMatch(/^file:/);
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records.map((r) => r.kind === "command" && r.status)).toEqual(["STREAM_BROKEN"]);
  });

  it("maps throttling of the call to ThrottledError", async () => {
    agentCore
      .on(InvokeAgentRuntimeCommandCommand)
      .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }));
    await expect(runCommand(deps, input())).rejects.toBeInstanceOf(ThrottledError);
  });

  it("refuses a command larger than the service's 64 KB limit, naming the size", async () => {
    await expect(runCommand(deps, input({ command: "x".repeat(70_000) }))).rejects.toThrow(
      /command: is \d+ bytes as sent \(with its wrapper\); the limit is 65536/,
    );
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)).toHaveLength(0);
  });

  it("never detaches a proposed command: it runs now with the timeout shortened to what fits", async () => {
    // Prepare: 60 s left, a 30 s margin, a 300 s timeout asked for
    deps = { ...deps, remainingTimeMs: () => 60_000 };
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("done\n", 0));
    // Act
    const outcome = await runCommand(deps, input({ purpose: "proposed", command: "npm run lint -- --fix" }));
    // Assess: one synchronous run with 60 - 30 = 30 s, a real outcome, both timeouts in the ledger
    const calls = agentCore.commandCalls(InvokeAgentRuntimeCommandCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.body).toMatchObject({ timeout: 30 });
    expect(calls[0]!.args[0].input.body?.command).not.toContain("nohup");
    expect(outcome.pending).toBeUndefined();
    expect(outcome).toMatchObject({ purpose: "proposed", exitCode: 0, status: "COMPLETED" });
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records).toEqual([
      expect.objectContaining({ purpose: "proposed", timeoutSeconds: 30, requestedTimeoutSeconds: 300 }),
    ]);
  });

  it("gives a proposed command at least 1 s when almost no time is left", async () => {
    // Prepare: 10 s left, less than the 30 s margin
    deps = { ...deps, remainingTimeMs: () => 10_000 };
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("", 0));
    // Act
    const outcome = await runCommand(deps, input({ purpose: "proposed", timeoutSeconds: 120 }));
    // Assess
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)[0]!.args[0].input.body?.timeout).toBe(1);
    expect(outcome.pending).toBeUndefined();
  });

  it("still detaches a validation command whose timeout does not fit", async () => {
    // Prepare
    deps = { ...deps, remainingTimeMs: () => 60_000 };
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("state=started\n", 0));
    // Act
    const outcome = await runCommand(deps, input({ purpose: "validation" }));
    // Assess
    expect(outcome.pending).toBeDefined();
  });

  it("records the timeout a command ran with", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("", 0));
    await runCommand(deps, input({ timeoutSeconds: 45 }));
    const [record] = (await readLedger(artifacts.store, "exec-1")).records;
    expect(record).toMatchObject({ timeoutSeconds: 45 });
    expect(record).not.toHaveProperty("requestedTimeoutSeconds");
  });

  it("masks secrets in the command it reports", async () => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("", 0));
    const command = "curl -H 'Authorization: Bearer abc.def.ghi' https://example.com";
    const outcome = await runCommand(deps, input({ command }));
    expect(outcome.command).toBe(
      "curl -H 'Authorization: Bearer [REDACTED:authorization]' https://example.com",
    );
    expect(outcome.commandHash).toBe(commandHash(command));
  });
});

describe("the run-command input", () => {
  it("names each bad field by its path in the state", () => {
    // Act
    let caught: unknown;
    try {
      parseTaskInput(runCommandInputSchema, {
        request: repairRequest({ sessionId: "too-short" }),
        command: "",
        purpose: "deploy",
        executionName: "exec 1",
        iteration: -1,
      });
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(caught).toBeInstanceOf(ValidationFailedError);
    expect((caught as ValidationFailedError).fields.map((f) => f.field).sort()).toEqual(
      ["command", "executionName", "iteration", "purpose", "request.sessionId"].sort(),
    );
  });
});
