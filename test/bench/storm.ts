import "../../infra/local/runner/promise-polyfill.ts";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgentCoreClient } from "#lib/agentcore-client.ts";
import { runCommandInSession } from "#lib/command-runner.ts";
import { createArtifactStore } from "#lib/create-artifact-store.ts";
import { ThrottledError } from "#lib/errors.ts";
import { FileBucketStore } from "#lib/rate-gate/file-store.ts";
import { COMMAND_QUOTA_TPS, RateGate, settingsFromQuota } from "#lib/rate-gate/token-bucket.ts";
import { jsonLinesLog } from "../../infra/local/emulator/index.ts";
import { publishGitSource } from "../../infra/local/git-source.ts";
import { LOCAL_RUNTIME_ARN, ROOT, startLocalStack } from "../../infra/local/local-stack.ts";
import type { ExecutionResult } from "../../infra/local/runner/runner.ts";
import { type BenchRow, round } from "./bench-row.ts";

/**
 * A storm against one agent's command quota: `requests` repair requests for `requests / 2` repositories, each
 * started twice at once, through the local runner and the emulator (its token bucket at the service default,
 * 25 commands/s per runtime). The executions share the command rate gate (functions/lib/rate-gate).
 *
 * Utilisation is measured only while demand exceeds the quota: the gate's bucket is sampled every 20 ms, and an
 * interval in which it holds reservations (callers waiting for their turn) is a saturated one. Utilisation = the
 * commands the emulator accepted during saturated intervals ÷ (their total length × 25/s).
 *
 * Whole repairs on a 2-core machine do not ask for 25 commands/s (the agent, git and the tests take the CPU), so
 * a second storm drives the quota itself: `sessions` sessions each running cheap commands back to back through
 * the command runner (the code run-command and prepare-workspace use), sharing one gate file, against the same
 * emulator; the client makes one attempt per call, so every 429 the emulator sends is counted.
 */
const SAMPLE_MS = 20;
const GATE_RATE = settingsFromQuota(COMMAND_QUOTA_TPS, 0).ratePerSecond;

interface Bucket {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export async function stormBenchRows(
  options: { readonly requests?: number; readonly sessions?: number } = {},
): Promise<BenchRow[]> {
  const requests = Math.max(2, options.requests ?? 200);
  const repositories = Math.floor(requests / 2);
  const dataDir = await mkdtemp(join(tmpdir(), "agentcore-storm-"));
  const commandsAt: number[] = [];
  const log = jsonLinesLog((line) => {
    if (line.includes('"message":"InvokeAgentRuntimeCommand"')) commandsAt.push(Date.now());
  });
  const stack = await startLocalStack({
    dataDir,
    logLevel: "SILENT",
    emulatorLog: log,
    runtime: { commandsPerSecond: COMMAND_QUOTA_TPS },
  });
  const sampler = sampleSaturation(join(dataDir, "command-rate.json"));
  const startedAt = Date.now();

  let results: ExecutionResult[];
  try {
    const inputs = [];
    for (let i = 0; i < repositories; i += 1) {
      const copy = join(dataDir, `copy-${i}`, "python-inventory");
      await cp(join(ROOT, "samples/workspaces/python-inventory"), copy, { recursive: true });
      const path = await publishGitSource(copy, dataDir);
      inputs.push({ repository: { path }, validationCommand: "python3 -m unittest", requestedBy: "storm" });
    }
    results = await Promise.all(inputs.flatMap((input) => [stack.run(input), stack.run(input)]));
  } catch (error) {
    await sampler.stop();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const executionSeconds = (Date.now() - startedAt) / 1000;
  const executionCommands = commandsAt.length;
  const executionSaturation = await sampler.stop();
  let commandStorm: { utilisation: number; saturatedMs: number; throttled: number; commands: number };
  try {
    commandsAt.length = 0;
    commandStorm = await runCommandStorm(
      stack.emulator.endpoint,
      dataDir,
      commandsAt,
      options.sessions ?? 20,
    );
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const ran = results.filter((r) => r.error !== "RepairAlreadyRunning");
  const failed = ran.filter((r) => r.status !== "SUCCEEDED");
  // A duplicate run: more executions got past the lock than there are repositories.
  const duplicates = Math.max(0, ran.length - repositories);
  const executionRate = executionCommands / executionSeconds;
  const { utilisation, saturatedMs } = commandStorm;
  if (failed.length > 0) {
    process.stderr.write(
      `storm: ${failed.length} failed, e.g. ${failed[0]?.error}: ${String(failed[0]?.cause).slice(0, 400)}\n`,
    );
  }
  return [
    {
      name: `storm: commands/s asked by ${requests} repair requests (${repositories} repositories), ÷ 25 (${round(executionSaturation.saturatedMs / 1000, 1)} s above the quota)`,
      value: round(executionRate / COMMAND_QUOTA_TPS, 3),
      unit: "× 25 commands/s",
      baseline: COMMAND_QUOTA_TPS,
      ratio: round(executionRate / COMMAND_QUOTA_TPS, 3),
      goal: "reported",
      meets: true,
    },
    {
      name: `storm: quota utilisation while demand exceeds it (${commandStorm.commands} commands from ${options.sessions ?? 20} sessions, ${round(saturatedMs / 1000, 1)} s saturated)`,
      value: round(utilisation, 3),
      unit: "× 25 commands/s",
      baseline: COMMAND_QUOTA_TPS,
      ratio: round(utilisation, 3),
      goal: "≥ 0.9",
      meets: utilisation >= 0.9,
    },
    {
      name: "storm: failed executions (other than RepairAlreadyRunning)",
      value: failed.length,
      unit: "executions",
      baseline: ran.length,
      ratio: round(failed.length / Math.max(1, ran.length), 3),
      goal: "0",
      meets: failed.length === 0,
    },
    {
      name: "storm: commands throttled by the emulator (429) behind the gate",
      value: commandStorm.throttled,
      unit: "commands",
      baseline: commandStorm.commands,
      ratio: round(commandStorm.throttled / Math.max(1, commandStorm.commands), 3),
      goal: "0",
      meets: commandStorm.throttled === 0,
    },
    {
      name: "storm: duplicate runs (executions past the lock beyond one per repository)",
      value: duplicates,
      unit: "executions",
      baseline: repositories,
      ratio: round(duplicates / repositories, 3),
      goal: "0",
      meets: duplicates === 0,
    },
  ];
}

/** Samples the gate's bucket every SAMPLE_MS; stop() returns the intervals in which callers waited for a token. */
function sampleSaturation(gateFile: string): {
  stop(): Promise<{ intervals: [number, number][]; saturatedMs: number }>;
} {
  const intervals: [number, number][] = [];
  let sampling = true;
  const loop = (async () => {
    let previous = Date.now();
    while (sampling) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const now = Date.now();
      const items = JSON.parse(await readFile(gateFile, "utf8").catch(() => "{}")) as Record<string, Bucket>;
      const bucket = items[LOCAL_RUNTIME_ARN];
      // Tokens below zero at `now` (after refill): some callers hold reservations, i.e. wait for their turn.
      if (bucket && bucket.tokens + ((now - bucket.updatedAtMs) / 1000) * GATE_RATE < 0) {
        intervals.push([previous, now]);
      }
      previous = now;
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return { intervals, saturatedMs: intervals.reduce((sum, [from, to]) => sum + to - from, 0) };
    },
  };
}

async function runCommandStorm(
  endpoint: string,
  dataDir: string,
  commandsAt: number[],
  sessions: number,
): Promise<{ utilisation: number; saturatedMs: number; throttled: number; commands: number }> {
  const perSession = 15;
  const gateFile = join(dataDir, "command-storm-rate.json");
  const gate = new RateGate(new FileBucketStore(gateFile), settingsFromQuota(COMMAND_QUOTA_TPS, 10_000));
  const deps = {
    agentCore: createAgentCoreClient({ endpoint, maxAttempts: 1 }),
    store: createArtifactStore({ kind: "local", directory: join(dataDir, "storm-artifacts") }),
    digest: { headBytes: 1024, tailBytes: 1024 },
    rateGate: gate,
  };
  // Each session once before the storm: its compute starts (what a repair's prepare step pays), not measured.
  const sessionIds = Array.from(
    { length: sessions },
    (_, i) => `storm-session-${String(i).padStart(4, "0")}-${"x".repeat(24)}`,
  );
  const run = (sessionId: string, i: number) =>
    runCommandInSession(deps, {
      target: { runtimeArn: LOCAL_RUNTIME_ARN, sessionId },
      executionName: `storm-${sessionId.slice(14, 18)}`,
      iteration: i,
      purpose: "validation",
      command: "true",
      timeoutSeconds: 30,
      record: false,
      keepOutput: false,
    });
  for (const id of sessionIds) await run(id, 0);
  commandsAt.length = 0;
  const sampler = sampleSaturation(gateFile);
  let throttled = 0;
  let commands = 0;
  await Promise.all(
    sessionIds.map(async (id) => {
      for (let i = 1; i <= perSession; i += 1) {
        try {
          await run(id, i);
          commands += 1;
        } catch (error) {
          if (!(error instanceof ThrottledError)) throw error;
          throttled += 1;
        }
      }
    }),
  );
  const { intervals, saturatedMs } = await sampler.stop();
  let inSaturation = 0;
  for (const [from, to] of intervals) inSaturation += commandsAt.filter((t) => t > from && t <= to).length;
  const utilisation = saturatedMs > 0 ? inSaturation / (saturatedMs / 1000) / COMMAND_QUOTA_TPS : 0;
  return { utilisation, saturatedMs, throttled, commands };
}
