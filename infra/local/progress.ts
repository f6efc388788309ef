import type { WorkspaceSnapshot } from "./git-source.ts";
import type { ExecutionEvent, ExecutionResult } from "./runner/runner.ts";

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
      return [`✗ ${String(event.Error)}: ${firstLine(causeMessage(event.Cause), 300)}`];
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
      // A caught failure leaves no turn (a turn always has a summary): the failure line says what happened.
      if (!get(output, "agent.summary")) return [];
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

/**
 * The sentence inside a failure's Cause. Task errors arrive as Lambda's JSON (`{"errorType","errorMessage",
 * "trace"}`), and an error's message may itself carry JSON (the agent's `{"error","message"}` through AgentCore):
 * unwrap both, so the terminal shows the sentence, never a JSON document or a stack trace.
 */
export function causeMessage(cause: unknown): string {
  let text = String(cause ?? "").trim();
  for (let depth = 0; depth < 3; depth++) {
    const parsed = parseJsonObject(text);
    if (parsed) {
      const inner = parsed.errorMessage ?? parsed.message ?? parsed.Message;
      if (typeof inner !== "string") break;
      text = inner.trim();
      continue;
    }
    // `…: {"error":"ReplayNotFoundError","message":"…"}`: a sentence ending in a JSON body.
    const brace = text.indexOf("{");
    const tail = brace > 0 ? parseJsonObject(text.slice(brace)) : undefined;
    if (tail && typeof tail.message === "string") {
      const name = typeof tail.error === "string" ? `${tail.error}: ` : "";
      text = `${text.slice(0, brace).trim()} ${name}${tail.message.trim()}`;
      continue;
    }
    break;
  }
  return text;
}

function parseJsonObject(text: string): Json | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** What a `--workspace` run says before it starts: the snapshot, and whether it resumes or starts fresh. */
export function describeSnapshot(snapshot: WorkspaceSnapshot): string[] {
  const view =
    snapshot.selection === "git"
      ? "as git sees it: tracked files with their changes, and untracked files that are not ignored"
      : "every file";
  const lines = [
    `workspace ${snapshot.source}`,
    `  snapshot ${snapshot.revision.slice(0, 12)}: ${snapshot.files} file(s), ${view}; dependency folders left out`,
  ];
  if (!snapshot.previousRevision) lines.push("  first run for this directory: a fresh session and workspace");
  else if (snapshot.changed)
    lines.push(
      `  changed since the last run (was ${snapshot.previousRevision.slice(0, 12)}): a fresh session and workspace for the new state`,
    );
  else lines.push("  unchanged since the last run: resumes that run's session and workspace");
  return lines;
}

/** The repository's name as the execution normalized it (it names the recording a replay looks for). */
export function repoNameOf(result: ExecutionResult): string | undefined {
  for (const event of result.events) {
    const state = event.state as { name?: string; output?: unknown } | undefined;
    if (event.type === "StateExited" && state?.name === "Normalize the request") {
      const name = get(state.output, "request.repoName");
      return typeof name === "string" ? name : undefined;
    }
  }
  return undefined;
}

/** The Fail state the execution ended in ("Agent failed", "Iterations exhausted", ...). */
export function endStateOf(result: ExecutionResult): string | undefined {
  const entered = result.events.filter((e) => e.type === "StateEntered");
  return (entered.at(-1)?.state as { name?: string } | undefined)?.name;
}
