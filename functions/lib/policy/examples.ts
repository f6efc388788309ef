import type { PolicyDecision } from "../contracts.ts";
import type { ToolSpec } from "./spec.ts";
import { SpecError } from "./spec.ts";

/** One example of a spec that the policy does not decide as the spec says. */
interface ExampleMismatch {
  readonly tool: string;
  readonly command: string;
  readonly expected: PolicyDecision;
  readonly reasons: readonly string[];
}

type Decide = (command: string) => { readonly decision: PolicyDecision; readonly reasons: readonly string[] };

/** Every example of every spec, decided by the built-in policy (no repository additions). */
function exampleMismatches(specs: readonly ToolSpec[], decide: Decide): ExampleMismatch[] {
  const out: ExampleMismatch[] = [];
  for (const spec of specs) {
    const tool = spec.names.split(/\s+/).find((n) => n !== "") ?? "";
    for (const [expected, commands] of [
      ["allow", spec.examples.allow],
      ["approve", spec.examples.approve],
    ] as const) {
      for (const command of commands) {
        const review = decide(command);
        if (review.decision !== expected) out.push({ tool, command, expected, reasons: review.reasons });
      }
    }
  }
  return out;
}

let checked = false;

/** Checked once per process when the first policy loads: a spec whose own examples fail is not loaded. */
export function checkSpecExamples(specs: readonly ToolSpec[], decide: Decide): void {
  if (checked) return;
  const mismatches = exampleMismatches(specs, decide);
  if (mismatches.length > 0) {
    const lines = mismatches
      .slice(0, 10)
      .map((m) => `${m.tool}: ${JSON.stringify(m.command)} should ${m.expected}`);
    throw new SpecError(`${mismatches.length} spec example(s) decided otherwise:\n${lines.join("\n")}`);
  }
  checked = true;
}
