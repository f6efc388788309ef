import { readFileSync } from "node:fs";
import type { CommandOutcome, OutputDigest } from "#lib/contracts.ts";

/** A captured tool output from test/fixtures/tool-output (see the README there for how each was produced). */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/tool-output/${name}`, import.meta.url), "utf8");
}

const HEAD_CHARS = 2048;
const TAIL_CHARS = 6144;

/** What run-command's collector keeps of one stream: head and tail without overlap, truncated past both. */
export function keptDigest(text: string): OutputDigest {
  const truncated = text.length > HEAD_CHARS + TAIL_CHARS;
  return {
    head: text.slice(0, HEAD_CHARS),
    tail: truncated ? text.slice(text.length - TAIL_CHARS) : text.slice(HEAD_CHARS),
    bytes: Buffer.byteLength(text),
    lines: text.split("\n").length,
    truncated,
  };
}

export function outcome(
  output: { stdout?: string; stderr?: string },
  result: { status?: "COMPLETED" | "TIMED_OUT"; exitCode: number },
): CommandOutcome {
  return {
    commandHash: "0".repeat(64),
    command: "npm test",
    purpose: "validation",
    status: result.status ?? "COMPLETED",
    exitCode: result.exitCode,
    durationMs: 1234,
    stdout: keptDigest(output.stdout ?? ""),
    stderr: keptDigest(output.stderr ?? ""),
    artifactUri: "file:///tmp/artifacts/run-1/validation.log",
  };
}
