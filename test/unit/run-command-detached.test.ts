import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commandHash } from "#lib/command-hash.ts";
import { CommandStreamBrokenError } from "#lib/errors.ts";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  detachedRunId,
  parseRunState,
  pollScript,
  type RunState,
  runDirectory,
  startScript,
  timedOut,
} from "../../functions/run-command/detached-run.ts";
import {
  type RunCommandDependencies,
  type RunCommandInput,
  runCommand,
  runCommandInputSchema,
} from "../../functions/run-command/run-command.ts";
import {
  agentCoreClient,
  commandReply,
  repairRequest,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";

const bash = (script: string): string => execFileSync("bash", ["-c", script], { encoding: "utf8" });

async function pollUntilSettled(workspace: string, runId: string): Promise<RunState> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const state = parseRunState(bash(pollScript(workspace, runId)));
    if (state.state !== "running") return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the detached command did not settle within 10 s");
}

describe("the detached-run scripts, run by a real bash", () => {
  let workspace: string;
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), "detached-ws-"));
  });
  afterEach(() => rm(workspace, { recursive: true, force: true }));

  const script = (command: string, runId: string, timeoutSeconds = 30) =>
    startScript({
      workspacePath: workspace,
      runId,
      command,
      timeoutSeconds,
      toolCacheDir: "/tmp/repair-cache-test",
    });

  it("runs the command in the workspace in the background, with its output and exit status in the run directory", async () => {
    // Prepare
    const runId = "a".repeat(20);
    const command = `pwd; echo "it's $((6*7))"; echo oops >&2; echo "$XDG_CACHE_HOME"; exit 3`;
    // Act
    const startOutput = bash(script(command, runId));
    const state = await pollUntilSettled(workspace, runId);
    // Assess
    expect(startOutput).toContain("state=started");
    expect(state).toMatchObject({ state: "done", exitCode: 3 });
    const output = await readFile(join(runDirectory(workspace, runId), "output"), "utf8");
    expect(output.split("\n").slice(0, 4)).toEqual([
      workspace,
      "it's 42",
      "oops",
      "/tmp/repair-cache-test/xdg",
    ]);
  });

  it("does not start the same run twice", async () => {
    const runId = "b".repeat(20);
    bash(script("echo once >> counter", runId));
    await pollUntilSettled(workspace, runId);
    const second = bash(script("echo once >> counter", runId));
    expect(second).toContain("state=already-started");
    expect(await readFile(join(workspace, "counter"), "utf8")).toBe("once\n");
  });

  it("stops a command that runs past its timeout, and reports it as timed out", async () => {
    // Prepare
    const runId = "c".repeat(20);
    // Act
    bash(script("sleep 30", runId, 1));
    const state = await pollUntilSettled(workspace, runId);
    // Assess
    expect(state.state).toBe("done");
    if (state.state !== "done") return;
    expect(state.exitCode).toBe(124);
    expect(timedOut(state.exitCode, state.commandEndMs - state.commandStartMs, 1)).toBe(true);
  });

  it("reports a run whose process vanished without an exit status as lost", async () => {
    // Prepare: start, then kill the whole background session as a stopped runtime session would
    const runId = "d".repeat(20);
    bash(script("sleep 30", runId));
    const pid = (await readFile(join(runDirectory(workspace, runId), "pid"), "utf8")).trim();
    // Act
    bash(`kill -KILL -- -${pid}`);
    const state = await pollUntilSettled(workspace, runId);
    // Assess
    expect(state.state).toBe("lost");
  });

  it("reports a run it has no record of as unknown", () => {
    expect(parseRunState(bash(pollScript(workspace, "e".repeat(20))))).toEqual({ state: "unknown" });
  });

  it("keeps hostile text in the command and the workspace path literal", async () => {
    // Prepare: a workspace path with quotes and a command with every kind of shell syntax
    const odd = join(workspace, "it's $(touch pwned) `x`");
    bash(`mkdir -p ${JSON.stringify(odd).replaceAll("$", "\\$").replaceAll("`", "\\`")}`);
    const runId = "f".repeat(20);
    const start = startScript({
      workspacePath: odd,
      runId,
      command: 'printf \'%s\\n\' "$(basename "$PWD")"',
      timeoutSeconds: 30,
      toolCacheDir: "/tmp/x",
    });
    // Act
    bash(start);
    const state = await pollUntilSettled(odd, runId);
    // Assess
    expect(state).toMatchObject({ state: "done", exitCode: 0 });
    expect(await readFile(join(runDirectory(odd, runId), "output"), "utf8")).toBe(
      "it's $(touch pwned) `x`\n",
    );
    expect(bash(`ls ${JSON.stringify(workspace)}`)).not.toContain("pwned\n");
  });
});

const agentCore = mockClient(BedrockAgentCoreClient);

describe("runCommand (detached)", () => {
  let artifacts: TemporaryStore;
  let deps: RunCommandDependencies;
  let remainingMs: number;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    remainingMs = 120_000;
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      digest: { headBytes: 256, tailBytes: 256 },
      now: () => 1_000 + 100_000,
      config: {
        maxSyncCommandSeconds: 840,
        commandMarginSeconds: 30,
        pollIntervalSeconds: 60,
        toolCacheDir: "/tmp/rc",
      },
      remainingTimeMs: () => remainingMs,
    };
  });
  afterEach(() => artifacts.remove());

  const input = (overrides: Partial<RunCommandInput> = {}): RunCommandInput =>
    parseTaskInput(runCommandInputSchema, {
      request: repairRequest(),
      command: "npm run test:e2e",
      purpose: "validation",
      timeoutSeconds: 1800,
      executionName: "exec-1",
      iteration: 1,
      ...overrides,
    });
  const runId = detachedRunId({
    executionName: "exec-1",
    iteration: 1,
    purpose: "validation",
    commandHash: commandHash("npm run test:e2e"),
  });
  const sentScripts = () =>
    agentCore
      .commandCalls(InvokeAgentRuntimeCommandCommand)
      .map((call) => call.args[0].input.body?.command ?? "");

  /** Answers each bookkeeping script as the session would. */
  function session(answers: { poll?: string; output?: string }) {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake((sent: { body: { command: string } }) => {
      const script = sent.body.command;
      if (script.includes("nohup setsid")) return commandReply("state=started\n");
      if (script.includes("state=unknown")) return commandReply(answers.poll ?? "state=running\n");
      if (script.startsWith("cat ")) return commandReply(answers.output ?? "");
      if (script.startsWith("rm -f ")) return commandReply("");
      throw new Error(`unexpected script: ${script}`);
    });
  }

  it("starts a command longer than the Lambda can wait detached, and returns pending", async () => {
    // Prepare
    session({});
    // Act
    const outcome = await runCommand(deps, input());
    // Assess
    expect(outcome.pending).toEqual({ runId, pollAfterSeconds: 60 });
    expect(outcome.exitCode).toBe(-1);
    const [start] = sentScripts();
    expect(start).toContain(`mkdir -p '/mnt/workspace/widgets/.repair/runs/${runId}'`);
    expect(start).toContain("nohup setsid bash -c '");
    expect(start).toContain("timeout --kill-after=10 1800 bash -c");
    expect(await readLedger(artifacts.store, "exec-1")).toMatchObject({ records: [] });
  });

  it("also goes detached when the command exceeds the configured maximum, even with time left", async () => {
    session({});
    remainingMs = 900_000;
    const outcome = await runCommand(deps, input({ timeoutSeconds: 900 }));
    expect(outcome.pending?.runId).toBe(runId);
  });

  it("keeps polling while the detached command runs", async () => {
    session({ poll: "state=running\nstarted=1000\nsize=4096\n" });
    const outcome = await runCommand(deps, input({ pending: { runId, pollAfterSeconds: 60 } }));
    expect(outcome).toMatchObject({ pending: { runId }, durationMs: 100_000, stdout: { bytes: 4096 } });
  });

  it("reads a finished run's output into the artifact store and returns its real exit status", async () => {
    // Prepare
    session({
      poll: "state=done\nexit=3 2000 62000\nstarted=1000\nsize=20\n",
      output: "FAIL e2e/login.spec\n",
    });
    // Act
    const outcome = await runCommand(deps, input({ pending: { runId, pollAfterSeconds: 60 } }));
    // Assess
    expect(outcome).toMatchObject({
      commandHash: commandHash("npm run test:e2e"),
      status: "COMPLETED",
      exitCode: 3,
      durationMs: 60_000,
      stdout: { head: "FAIL e2e/login.spec\n" },
    });
    expect(outcome.pending).toBeUndefined();
    expect(await readFile(fileURLToPath(outcome.artifactUri), "utf8")).toBe("FAIL e2e/login.spec\n");
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records).toEqual([expect.objectContaining({ kind: "command", exitCode: 3, detached: true })]);
    expect(sentScripts().at(-1)).toBe(`rm -f '/mnt/workspace/widgets/.repair/runs/${runId}/output'`);
  });

  it("reports a detached run stopped by its timeout as TIMED_OUT", async () => {
    session({ poll: `state=done\nexit=124 0 ${1800 * 1000 + 5}\nstarted=0\nsize=0\n` });
    const outcome = await runCommand(deps, input({ pending: { runId, pollAfterSeconds: 60 } }));
    expect(outcome).toMatchObject({ status: "TIMED_OUT", exitCode: 124 });
  });

  it("throws CommandStreamBrokenError when the run was lost with its session", async () => {
    session({ poll: "state=lost\nstarted=1000\nsize=0\n" });
    await expect(
      runCommand(deps, input({ pending: { runId, pollAfterSeconds: 60 } })),
    ).rejects.toBeInstanceOf(CommandStreamBrokenError);
  });
});
