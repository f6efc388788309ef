import { readFileSync } from "node:fs";
import { loadBashParser } from "#lib/policy/bash-parser.ts";
import { createCommandPolicy } from "#lib/policy/review.ts";
import { type BenchRow, percentile, round } from "./bench-row.ts";

export interface PolicyBenchOptions {
  /** Passes over the whole corpus for each measurement. @default 20 */
  readonly rounds?: number;
}

/**
 * Classification parses the command and then walks it, runs the rules and writes the reasons: it may cost up to ten
 * bare parses (measured here at five to six on an idle machine).
 */
const THROUGHPUT_GOAL_RATIO = 0.1;
/** A person waits on no policy decision: each command must be judged well within a couple of milliseconds. */
const P99_GOAL_MS = 2;

/** The corpus, the adversarial set (by family) and the ordinary repair commands: every command the tests judge. */
function corpusCommands(): string[] {
  const read = (name: string): unknown =>
    JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));
  const corpus = (read("policy-corpus.json") as { command: string }[]).map((c) => c.command);
  const adversarial = Object.values(read("policy-adversarial.json") as Record<string, string[]>).flat();
  return [...corpus, ...adversarial, ...(read("policy-ordinary.json") as string[])];
}

interface Measurement {
  readonly perSecond: number;
  readonly p99Ms: number;
}

/**
 * Times `baseline` and `subject` on every command, `rounds` times over the corpus after one warm-up pass. Whole
 * passes alternate, so a busy machine slows both alike and each pass's garbage collection lands in its own samples.
 */
function measurePair(
  commands: readonly string[],
  rounds: number,
  baseline: (command: string) => void,
  subject: (command: string) => void,
): { readonly baseline: Measurement; readonly subject: Measurement } {
  for (const command of commands) {
    baseline(command);
    subject(command);
  }
  const samples = { baseline: [] as number[], subject: [] as number[] };
  const pass = (work: (command: string) => void, into: number[]) => {
    for (const command of commands) {
      const t0 = performance.now();
      work(command);
      into.push(performance.now() - t0);
    }
  };
  for (let round = 0; round < rounds; round += 1) {
    pass(baseline, samples.baseline);
    pass(subject, samples.subject);
  }
  const summarize = (times: readonly number[]): Measurement => ({
    perSecond: times.length / (times.reduce((sum, t) => sum + t, 0) / 1000),
    p99Ms: percentile(times, 99),
  });
  return { baseline: summarize(samples.baseline), subject: summarize(samples.subject) };
}

/**
 * Classification throughput and per-command p99 latency over the policy corpus, each against a bare tree-sitter
 * parse of the same commands measured in the same run (the floor any shell-parsing policy pays).
 */
export async function policyBenchRows(options: PolicyBenchOptions = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 20;
  const commands = corpusCommands();
  const parser = await loadBashParser();
  const policy = await createCommandPolicy({ workspace: "/mnt/workspace/repo" });

  const { baseline: parseOnly, subject: classify } = measurePair(
    commands,
    rounds,
    (command) => parser.parse(command).delete(),
    (command) => {
      policy.review(command);
    },
  );

  const throughputRatio = classify.perSecond / parseOnly.perSecond;
  const latencyRatio = classify.p99Ms / parseOnly.p99Ms;
  return [
    {
      name: `policy: classification throughput (${commands.length}-command corpus)`,
      value: Math.round(classify.perSecond),
      unit: "commands/s",
      baseline: Math.round(parseOnly.perSecond),
      ratio: round(throughputRatio, 3),
      goal: `≥ ${THROUGHPUT_GOAL_RATIO} × bare tree-sitter parse throughput`,
      meets: throughputRatio >= THROUGHPUT_GOAL_RATIO,
    },
    {
      name: "policy: p99 latency per command",
      value: round(classify.p99Ms, 3),
      unit: "ms",
      baseline: round(parseOnly.p99Ms, 3),
      ratio: round(latencyRatio, 2),
      goal: `p99 ≤ ${P99_GOAL_MS} ms`,
      meets: classify.p99Ms <= P99_GOAL_MS,
    },
  ];
}
