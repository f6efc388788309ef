import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommandInSession } from "#lib/command-runner.ts";
import type { CommandOutcome } from "#lib/contracts.ts";
import { CommandStreamBrokenError, ValidationFailedError } from "#lib/errors.ts";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type RunCommandDependencies,
  runCommand,
  runCommandInputSchema,
} from "../../functions/run-command/run-command.ts";
import {
  newSessionId,
  RUNTIME_ARN,
  requestFor,
  startTaskHarness,
  type TaskHarness,
  TOOL_CACHE_DIR,
} from "./tasks-harness.ts";

describe("run-command against the emulator (real SDK)", () => {
  let harness: TaskHarness;
  beforeAll(async () => {
    harness = await startTaskHarness();
  });
  afterAll(() => harness.close());

  const deps = (remainingMs = 900_000): RunCommandDependencies => ({
    agentCore: harness.agentCore,
    store: harness.store,
    digest: { headBytes: 2048, tailBytes: 2048 },
    config: {
      maxSyncCommandSeconds: 840,
      commandMarginSeconds: 30,
      pollIntervalSeconds: 5,
      toolCacheDir: TOOL_CACHE_DIR,
    },
    remainingTimeMs: () => remainingMs,
  });

  /** Creates the workspace directory in the session's storage, as prepare-workspace would. */
  async function workspaceFor(sessionId: string): Promise<void> {
    await runCommandInSession(
      { agentCore: harness.agentCore, store: harness.store, digest: { headBytes: 100, tailBytes: 100 } },
      {
        target: { runtimeArn: RUNTIME_ARN, sessionId },
        executionName: "setup",
        iteration: 0,
        purpose: "prepare",
        command: "mkdir -p /mnt/workspace/widgets",
        timeoutSeconds: 30,
        record: false,
      },
    );
  }

  const input = (sessionId: string, command: string, extra: Record<string, unknown> = {}) =>
    parseTaskInput(runCommandInputSchema, {
      request: requestFor(sessionId),
      command,
      purpose: "validation",
      executionName: "exec-run",
      iteration: 0,
      ...extra,
    });

  it("runs a command in the session's workspace and returns exit code, digests and the stored output", async () => {
    // Prepare
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    // Act
    const outcome = await runCommand(
      deps(),
      input(sessionId, 'pwd; echo "to stderr" >&2; echo "cache=$npm_config_cache"; exit 3'),
    );
    // Assess
    expect(outcome).toMatchObject({
      status: "COMPLETED",
      exitCode: 3,
      stdout: { head: `/mnt/workspace/widgets\ncache=${TOOL_CACHE_DIR}/npm\n`, lines: 2, truncated: false },
      stderr: { head: "to stderr\n", lines: 1 },
    });
    const stored = await readFile(fileURLToPath(outcome.artifactUri), "utf8");
    expect(stored).toContain("/mnt/workspace/widgets\n");
    expect(stored).toContain("to stderr\n");
    const { records } = await readLedger(harness.store, "exec-run");
    expect(records).toContainEqual(
      expect.objectContaining({ kind: "command", exitCode: 3, commandHash: outcome.commandHash }),
    );
  });

  it("returns TIMED_OUT for a command that runs past its timeout", async () => {
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    const outcome = await runCommand(
      deps(),
      input(sessionId, "echo started; sleep 30", { timeoutSeconds: 1 }),
    );
    expect(outcome).toMatchObject({ status: "TIMED_OUT", stdout: { head: "started\n" } });
  });

  it("streams a large output in bounded digests and stores all of it, with secrets masked", async () => {
    // Prepare: ~8 MiB of numbered lines, with a token in the middle
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    const token = `ghp_${"T0k3n".repeat(8)}`;
    const command = `seq 1 500000 | sed 's/$/ some padding text/'; echo "leak ${token}"; seq 500001 900000`;
    // Act
    const outcome = await runCommand(deps(), input(sessionId, command));
    // Assess
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout.lines).toBe(900_001);
    expect(outcome.stdout.truncated).toBe(true);
    expect(outcome.stdout.head.startsWith("1 some padding text\n2 some")).toBe(true);
    expect(outcome.stdout.tail.endsWith("899999\n900000\n")).toBe(true);
    const stored = await readFile(fileURLToPath(outcome.artifactUri), "utf8");
    expect(Buffer.byteLength(stored)).toBeGreaterThan(outcome.stdout.bytes - 100);
    expect(stored).toContain("leak [REDACTED:github-token]\n");
    expect(stored).not.toContain(token);
    expect(outcome.command).not.toContain(token);
  });

  it.each([
    ["a stream that ends without contentStop", { kind: "no-content-stop" as const }],
    ["a stream cut midway", { kind: "cut-stream" as const, afterBytes: 10 }],
    [
      "an exception inside the stream",
      { kind: "stream-exception" as const, exceptionType: "throttlingException", afterBytes: 5 },
    ],
  ])("throws CommandStreamBrokenError for %s", async (_case, fault) => {
    // Prepare
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    harness.emulator.faults.inject({ ...fault, sessionId });
    // Act / Assess
    await expect(runCommand(deps(), input(sessionId, "seq 1 1000"))).rejects.toBeInstanceOf(
      CommandStreamBrokenError,
    );
  });

  it("keeps the workspace across StopRuntimeSession and resume", async () => {
    // Prepare: a file written into the workspace
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    await runCommand(deps(), input(sessionId, "echo 'progress so far' > notes.txt"));
    // Act: stop the session (storage is flushed), then use it again (new compute, same storage)
    await harness.stopSession(sessionId);
    const after = await runCommand(deps(), input(sessionId, "cat notes.txt"));
    // Assess
    expect(after).toMatchObject({ exitCode: 0, stdout: { head: "progress so far\n" } });
  });

  it("runs a command too long for the Lambda detached in the session, and polls it to its outcome", async () => {
    // Prepare: only 40 s left in the "Lambda", the command may take 60 s
    const sessionId = newSessionId();
    await workspaceFor(sessionId);
    const command = "echo detached-output; echo detached-error >&2; sleep 1; exit 4";
    // Act
    let outcome: CommandOutcome = await runCommand(
      deps(40_000),
      input(sessionId, command, { timeoutSeconds: 60 }),
    );
    const firstPending = outcome.pending;
    for (let poll = 0; outcome.pending && poll < 100; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      outcome = await runCommand(
        deps(40_000),
        input(sessionId, command, { timeoutSeconds: 60, pending: outcome.pending }),
      );
    }
    // Assess
    expect(firstPending?.runId).toMatch(/^[0-9a-f]{20}$/);
    expect(outcome.pending).toBeUndefined();
    expect(outcome).toMatchObject({ exitCode: 4, status: "COMPLETED" });
    expect(outcome.stdout.head).toContain("detached-output\n");
    expect(outcome.stdout.head).toContain("detached-error\n");
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1000);
    expect(await readFile(fileURLToPath(outcome.artifactUri), "utf8")).toContain("detached-output\n");
  });

  it("refuses to call the service without a valid session id", async () => {
    await expect(
      runCommandInSession(
        { agentCore: harness.agentCore, store: harness.store, digest: { headBytes: 10, tailBytes: 10 } },
        {
          target: { runtimeArn: RUNTIME_ARN, sessionId: "short" },
          executionName: "exec-run",
          iteration: 0,
          purpose: "validation",
          command: "true",
          timeoutSeconds: 5,
        },
      ),
    ).rejects.toBeInstanceOf(ValidationFailedError);
  });
});
