import type { ExecutionEvent } from "./runner/runner.ts";

type Json = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Json)[k] : undefined), value);
const ms = (value: unknown) => (typeof value === "number" ? `${(value / 1000).toFixed(1)} s` : "?");
const firstLine = (value: unknown, max = 100) =>
  String(value ?? "")
    .split("\n")[0]!
    .slice(0, max);

/**
 * Turns execution events into the lines `npm start` prints: the state entered, then what it did (command, exit
 * code, duration, the agent's summary, each reviewed command). Pure: returns the lines, the caller writes them.
 */
export function describeEvent(event: ExecutionEvent): string[] {
  const state = event.state as { name: string; output?: unknown } | undefined;
  switch (event.type) {
    case "StateEntered":
      return state?.name && !/\?$/.test(state.name) ? [`▶ ${state.name}`] : [];
    case "StateRetried":
      return [`  ↻ retrying ${state?.name} (attempt ${get(event, "retry.attempt")})`];
    case "StateCaught":
      return [`  ⚑ ${state?.name}: caught ${get(event, "catch.catcher.ErrorEquals")}`];
    case "ExecutionFailed":
      return [`✗ ${String(event.Error)}: ${firstLine(event.Cause, 300)}`];
    case "StateExited":
      return describeExit(state?.name ?? "", state?.output);
    default:
      return [];
  }
}

function describeExit(name: string, output: unknown): string[] {
  switch (name) {
    case "Normalize the request":
      return [
        `  repository ${get(output, "request.repoName")} · session ${get(output, "request.sessionId")}`,
        `  validation: ${get(output, "request.validationCommand")} · up to ${get(output, "request.limits.maxIterations")} iterations`,
      ];
    case "Prepare the workspace":
      return [
        `  ${get(output, "workspace.path")} at ${String(get(output, "workspace.revision")).slice(0, 12)}${get(output, "workspace.resumed") ? " (resumed from session storage)" : ""}`,
      ];
    case "Run validation":
    case "Check the detached validation": {
      if (get(output, "validation.pending")) return ["  still running (detached); polling"];
      return [
        `  $ ${firstLine(get(output, "validation.command"))}`,
        `  exit ${get(output, "validation.exitCode")} (${get(output, "validation.status")}) in ${ms(get(output, "validation.durationMs"))}`,
      ];
    }
    case "Parse the exit code": {
      const tests = (get(output, "verdict.digest.failingTests") as string[] | undefined) ?? [];
      const lines = [
        `  ${get(output, "verdict.outcome")}${tests.length ? `: ${tests.length} failing test(s)` : ""}`,
      ];
      for (const test of tests.slice(0, 3)) lines.push(`    ✗ ${firstLine(test)}`);
      return lines;
    }
    case "Invoke the agent": {
      const files = (get(output, "agent.changedFiles") as string[] | undefined) ?? [];
      const proposed = (get(output, "agent.proposedCommands") as unknown[] | undefined) ?? [];
      return [
        `  iteration ${get(output, "agent.iteration")}: ${firstLine(get(output, "agent.summary"), 160)}`,
        `  changed ${files.length ? files.join(", ") : "nothing"} · proposed ${proposed.length} command(s)`,
      ];
    }
    case "Review the proposed commands": {
      const lines: string[] = [];
      for (const record of (get(output, "review.records") as Json[] | undefined) ?? []) {
        const result =
          record.disposition === "ran"
            ? `exit ${record.exitCode} in ${ms(record.durationMs)}`
            : String(record.disposition);
        lines.push(`  ${record.decision === "allow" ? "✓" : "⚠"} ${firstLine(record.command)} → ${result}`);
      }
      const held = get(output, "review.awaitingApproval") as Json | null | undefined;
      if (held)
        lines.push(
          `  ⏸ needs approval: ${firstLine(held.command)} [${(held.classes as string[]).join(", ")}]`,
        );
      return lines;
    }
    case "Finalize the repair":
      return [`  report: ${get(output, "report.markdownUri")}`];
    default:
      return [];
  }
}
