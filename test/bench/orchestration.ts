import "../../infra/local/runner/promise-polyfill.ts";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateMachine } from "aws-local-stepfunctions";
import { jsonLinesLog } from "../../infra/local/emulator/index.ts";
import { publishGitSource } from "../../infra/local/git-source.ts";
import { ROOT, startLocalStack } from "../../infra/local/local-stack.ts";
import type { ExecutionResult } from "../../infra/local/runner/runner.ts";
import { type BenchRow, percentile, round } from "./bench-row.ts";

/**
 * Time spent in the runtime, as the emulator measured it from its own log.
 */
/**
 * What the runtime itself spends: commands, agent calls, and what AgentCore does when a session's microVM and the
 * agent container start or stop (the emulator's namespace, the agent's Node start-up).
 */
const RUNTIME_WORK = new Set([
  "command finished",
  "invocation finished",
  "session started",
  "session stopped",
  "agent started",
]);

class WorkClock {
  private totalMs = 0;
  readonly log = jsonLinesLog((line) => {
    const entry = JSON.parse(line) as { message?: string; durationMs?: number };
    if (RUNTIME_WORK.has(entry.message ?? "")) this.totalMs += entry.durationMs ?? 0;
  });

  take(): number {
    const value = this.totalMs;
    this.totalMs = 0;
    return value;
  }
}

/** The interpreter alone: the same number of transitions through Pass states, no handlers. */
async function interpreterFloorMs(transitions: number, runs: number): Promise<number> {
  const states: Record<string, unknown> = {};
  for (let i = 0; i < transitions; i += 1) {
    states[`S${i}`] =
      i === transitions - 1 ? { Type: "Pass", End: true } : { Type: "Pass", Next: `S${i + 1}` };
  }
  const machine = new StateMachine({ StartAt: "S0", States: states } as never);
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await machine.run({ payload: "x".repeat(4000) } as never).result;
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

/**
 * Orchestration overhead per repair iteration: everything the runner and the handlers add (interpreter, Lambda
 * envelope, validation, ledger and artifact writes, SDK marshalling) beyond the time the commands and the agent
 * themselves took, per pass through "Run validation". Baseline: the bare interpreter doing as many transitions.
 */
export async function orchestrationBenchRows(options: { readonly runs?: number } = {}): Promise<BenchRow[]> {
  const runs = options.runs ?? 5;
  const overheads: number[] = [];
  const transitionsPerLoop: number[] = [];
  // One stack per process: the handlers, like Lambda's, build their clients once (module scope).
  const dataDir = await mkdtemp(join(tmpdir(), "agentcore-orchestration-"));
  const work = new WorkClock();
  const stack = await startLocalStack({ dataDir, logLevel: "SILENT", emulatorLog: work.log });
  try {
    for (let i = 0; i < runs; i += 1) {
      // A fresh copy per run: a new request, so a new session that needs the agent's two iterations again.
      const copy = join(dataDir, `copy-${i}`, "python-inventory");
      await cp(join(ROOT, "samples/workspaces/python-inventory"), copy, { recursive: true });
      const path = await publishGitSource(copy, dataDir);
      work.take();
      const result: ExecutionResult = await stack.run({
        repository: { path },
        validationCommand: "python3 -m unittest",
      });
      if (result.status !== "SUCCEEDED")
        throw new Error(`bench repair failed: ${result.error} ${result.cause}`);
      const entered = result.events.filter((e) => e.type === "StateEntered");
      const loops = entered.filter((e) => (e.state as { name: string }).name === "Run validation").length;
      overheads.push((result.durationMs - work.take()) / loops);
      transitionsPerLoop.push(entered.length / loops);
    }
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const overhead = percentile(overheads, 50);
  const transitions = percentile(transitionsPerLoop, 50);
  const floor = (await interpreterFloorMs(Math.round(transitions), 20)) || 0.01;
  return [
    {
      name: "orchestration overhead per repair iteration (runner + handlers, excluding command and agent time)",
      value: round(overhead, 1),
      unit: "ms",
      baseline: round(floor, 2),
      ratio: round(overhead / floor, 1),
      goal: "≤ 50 ms",
      meets: overhead <= 50,
    },
    {
      name: "state transitions per repair iteration",
      value: round(transitions, 1),
      unit: "transitions",
      baseline: round(transitions, 1),
      ratio: 1,
      goal: "reported",
      meets: true,
    },
  ];
}
