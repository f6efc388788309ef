import { readFileSync } from "node:fs";
import type { InvokeAgentRuntimeCommandStreamOutput } from "@aws-sdk/client-bedrock-agentcore";
import { FailureDigestBuilder } from "#lib/failure-digest/failure-digest.ts";
import { collectCommandStream } from "#lib/stream-collector.ts";
import { type BenchRow, round } from "./bench-row.ts";

/**
 * What reading a validation's whole output for its failure digest costs run-command: the stream collector with the
 * digest reader against the same collector without it (redaction, head and tail, counting), on the same output,
 * alternating so both see the same machine. The output is real tool output (test/fixtures/tool-output) repeated.
 */

export interface DigestBenchOptions {
  readonly outputBytes?: number;
  readonly rounds?: number;
}

/** The digest may cost the collector at most this factor of its own time. */
const GOAL_RATIO = 0.1;
const FIXTURES = ["jest-many-color.txt", "node-test-many-spec.txt", "pytest-many.txt", "unittest-many.txt"];

async function* events(text: string, repeats: number): AsyncIterable<InvokeAgentRuntimeCommandStreamOutput> {
  yield { chunk: { contentStart: {} } };
  for (let r = 0; r < repeats; r++)
    for (let i = 0; i < text.length; i += 65_536)
      yield { chunk: { contentDelta: { stdout: text.slice(i, i + 65_536) } } };
  yield { chunk: { contentStop: { exitCode: 1, status: "COMPLETED" } } };
}

async function secondsToCollect(text: string, repeats: number, withDigest: boolean): Promise<number> {
  const reader = withDigest ? new FailureDigestBuilder() : undefined;
  const started = performance.now();
  await collectCommandStream(events(text, repeats), {
    headBytes: 2048,
    tailBytes: 6144,
    ...(reader ? { reader } : {}),
  });
  reader?.digest();
  return (performance.now() - started) / 1000;
}

export async function failureDigestBenchRows(options: DigestBenchOptions = {}): Promise<BenchRow[]> {
  const outputBytes = options.outputBytes ?? 64 * 1024 * 1024;
  const rounds = options.rounds ?? 3;
  const rows: BenchRow[] = [];
  for (const name of FIXTURES) {
    const text = readFileSync(new URL(`../fixtures/tool-output/${name}`, import.meta.url), "utf8");
    const repeats = Math.max(1, Math.round(outputBytes / Buffer.byteLength(text)));
    const megabytes = (repeats * Buffer.byteLength(text)) / (1024 * 1024);
    let plain = Number.POSITIVE_INFINITY;
    let digest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < rounds; round++) {
      plain = Math.min(plain, await secondsToCollect(text, repeats, false));
      digest = Math.min(digest, await secondsToCollect(text, repeats, true));
    }
    const ratio = plain / digest;
    rows.push({
      name: `failure digest: collector throughput with the digest (${name}, ${Math.round(megabytes)} MB)`,
      value: round(megabytes / digest, 1),
      unit: "MB/s",
      baseline: round(megabytes / plain, 1),
      ratio: round(ratio, 3),
      goal: `≥ ${GOAL_RATIO} × the collector alone`,
      meets: ratio >= GOAL_RATIO,
    });
  }
  return rows;
}
