import type { FinalReport, RepositorySource } from "../lib/contracts.ts";
import type { LedgerContents } from "../lib/ledger.ts";
import { redact, redactBounded } from "../lib/redaction.ts";
import type { RequestInState } from "../lib/task-input.ts";

/**
 * The repair report: built from the ledger (every command, agent turn and approval) and the final state, as a
 * JSON document for machines and Markdown for people. Everything in it is redacted.
 */

export interface ReportFacts {
  readonly executionName: string;
  readonly request: RequestInState;
  readonly iterations: number;
  readonly outcome: FinalReport["outcome"];
  readonly finishedAt: Date;
  readonly verdict?: {
    readonly outcome: string;
    readonly exitCode: number;
    readonly digest?: {
      readonly tool?: string;
      readonly failingTests?: readonly string[];
      readonly failingCount?: number;
      readonly firstErrors?: readonly string[];
    };
  };
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  readonly ledger: LedgerContents;
}

export interface ReportCommand {
  readonly at: string;
  readonly iteration: number;
  readonly purpose: string;
  readonly command: string;
  readonly commandHash: string;
  readonly status: string;
  readonly exitCode?: number;
  readonly durationMs: number;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly artifactUri: string;
  readonly detached?: boolean;
}

export interface ReportDocument {
  readonly schemaVersion: 1;
  readonly executionName: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly outcome: FinalReport["outcome"];
  readonly iterations: number;
  readonly repository: {
    readonly source: string;
    readonly repoName: string;
    readonly workspacePath: string;
    readonly revision?: string;
  };
  readonly validationCommand: string;
  readonly trigger?: string;
  readonly requestedBy?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly finalVerdict?: {
    readonly outcome: string;
    readonly exitCode: number;
    readonly tool?: string;
    readonly failingTests: readonly string[];
    readonly firstErrors: readonly string[];
    /** How many tests failed in all (failingTests names the first few). */
    readonly failingCount?: number;
  };
  /** What the first validation that failed reported (from the ledger): the starting point of the repair. */
  readonly failingAtStart?: {
    readonly iteration: number;
    readonly tool: string;
    readonly failingCount: number;
    readonly failingTests: readonly string[];
  };
  readonly error?: { readonly name: string; readonly cause: string };
  readonly workspace?: {
    readonly path: string;
    readonly revision: string;
    readonly resumed: boolean;
    readonly clearedLockFiles: readonly string[];
  };
  readonly changes: {
    readonly files: readonly string[];
    readonly turns: readonly {
      readonly iteration: number;
      readonly summary: string;
      readonly changedFiles: readonly string[];
      readonly durationMs?: number;
    }[];
  };
  readonly commands: readonly ReportCommand[];
  readonly approvals: readonly {
    readonly at: string;
    readonly iteration: number;
    readonly command: string;
    readonly commandHash: string;
    readonly decision: string;
    readonly decidedBy?: string;
    readonly reason?: string;
  }[];
  readonly totals: {
    readonly commands: number;
    readonly commandDurationMs: number;
    readonly agentTurns: number;
    readonly agentDurationMs: number;
  };
  readonly unreadableLedgerEntries: readonly string[];
}

function failingAtStart(ledger: LedgerContents): Pick<ReportDocument, "failingAtStart"> {
  for (const record of ledger.records) {
    if (record.kind === "command" && record.purpose === "validation" && record.failure) {
      const { tool, failingCount, failingTests } = record.failure;
      return { failingAtStart: { iteration: record.iteration, tool, failingCount, failingTests } };
    }
  }
  return {};
}

function describeSource(source: RepositorySource): string {
  if (source.kind === "local") return redact(source.path);
  return redact(source.url) + (source.branch ? ` (branch ${redact(source.branch)})` : "");
}

export function buildReport(facts: ReportFacts): ReportDocument {
  const { request, ledger } = facts;
  const commands: ReportCommand[] = [];
  const turns: ReportDocument["changes"]["turns"][number][] = [];
  const approvals: ReportDocument["approvals"][number][] = [];
  let workspace: ReportDocument["workspace"];
  for (const record of ledger.records) {
    switch (record.kind) {
      case "command":
        commands.push({
          at: record.at,
          iteration: record.iteration,
          purpose: record.purpose,
          command: record.command,
          commandHash: record.commandHash,
          status: record.status,
          ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
          durationMs: record.durationMs,
          stdoutBytes: record.stdoutBytes,
          stderrBytes: record.stderrBytes,
          artifactUri: record.artifactUri,
          ...(record.detached ? { detached: true } : {}),
        });
        break;
      case "agent-turn":
        turns.push({
          iteration: record.iteration,
          summary: record.summary,
          changedFiles: record.changedFiles,
          ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
        });
        break;
      case "approval":
        approvals.push({
          at: record.at,
          iteration: record.iteration,
          command: record.command,
          commandHash: record.commandHash,
          decision: record.decision,
          ...(record.decidedBy ? { decidedBy: redact(record.decidedBy) } : {}),
          ...(record.reason ? { reason: record.reason } : {}),
        });
        break;
      case "workspace":
        workspace = {
          path: record.path,
          revision: record.revision,
          resumed: record.resumed,
          clearedLockFiles: record.clearedLockFiles,
        };
        break;
    }
  }
  const startedMs = Date.parse(request.acceptedAt);
  const source = request.source as RepositorySource;
  return {
    schemaVersion: 1,
    executionName: facts.executionName,
    requestId: request.requestId,
    sessionId: request.sessionId,
    outcome: facts.outcome,
    iterations: facts.iterations,
    repository: {
      source: describeSource(source),
      repoName: request.repoName,
      workspacePath: request.workspacePath,
      ...(source.revision ? { revision: source.revision } : {}),
    },
    validationCommand: redact(request.validationCommand),
    ...(typeof request.trigger === "string" ? { trigger: request.trigger } : {}),
    ...(typeof request.requestedBy === "string" ? { requestedBy: redact(request.requestedBy) } : {}),
    startedAt: request.acceptedAt,
    finishedAt: facts.finishedAt.toISOString(),
    durationMs: Number.isNaN(startedMs) ? 0 : Math.max(0, facts.finishedAt.getTime() - startedMs),
    ...(facts.verdict
      ? {
          finalVerdict: {
            outcome: facts.verdict.outcome,
            exitCode: facts.verdict.exitCode,
            ...(facts.verdict.digest?.tool ? { tool: facts.verdict.digest.tool } : {}),
            failingTests: (facts.verdict.digest?.failingTests ?? [])
              .slice(0, 50)
              .map((t) => redactBounded(t, 300)),
            firstErrors: (facts.verdict.digest?.firstErrors ?? [])
              .slice(0, 10)
              .map((e) => redactBounded(e, 1000)),
            ...(typeof facts.verdict.digest?.failingCount === "number"
              ? { failingCount: facts.verdict.digest.failingCount }
              : {}),
          },
        }
      : {}),
    ...failingAtStart(ledger),
    ...(facts.error
      ? {
          error: {
            name: redactBounded(facts.error.Error ?? "Error", 200),
            cause: redactBounded(facts.error.Cause ?? "", 4000),
          },
        }
      : {}),
    ...(workspace ? { workspace } : {}),
    changes: { files: [...new Set(turns.flatMap((turn) => turn.changedFiles))].sort(), turns },
    commands,
    approvals,
    totals: {
      commands: commands.length,
      commandDurationMs: commands.reduce((sum, c) => sum + c.durationMs, 0),
      agentTurns: turns.length,
      agentDurationMs: turns.reduce((sum, t) => sum + (t.durationMs ?? 0), 0),
    },
    unreadableLedgerEntries: ledger.unreadable,
  };
}

const OUTCOME_TITLES: Record<FinalReport["outcome"], string> = {
  repaired: "Repaired: the validation passes",
  "not-repaired": "Not repaired: the validation still fails",
  failed: "Failed: the repair stopped with an error",
};

/** Inline code that survives any content: a fence longer than any backtick run, pipes and newlines escaped. */
function code(text: string, maxChars = 160): string {
  const bounded = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  const flat = bounded.replace(/\r?\n/g, " ⏎ ").replace(/\|/g, "\\|");
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function renderMarkdown(report: ReportDocument): string {
  const lines: string[] = [];
  lines.push(`# Repair report: ${cell(report.repository.repoName)}`, "");
  lines.push(
    `**${OUTCOME_TITLES[report.outcome]}** after ${report.iterations} iteration${report.iterations === 1 ? "" : "s"}.`,
    "",
  );
  if (report.error) lines.push(`> **${cell(report.error.name)}**: ${cell(report.error.cause)}`, "");
  lines.push("| | |", "|---|---|");
  lines.push(`| Execution | ${code(report.executionName)} |`);
  lines.push(`| Repository | ${cell(report.repository.source)} |`);
  if (report.workspace) {
    lines.push(
      `| Workspace | ${code(report.workspace.path)} at ${code(report.workspace.revision.slice(0, 12))}${report.workspace.resumed ? " (resumed from session storage)" : ""} |`,
    );
  }
  lines.push(`| Validation | ${code(report.validationCommand)} |`);
  lines.push(`| Started | ${report.startedAt} |`, `| Finished | ${report.finishedAt} |`);
  lines.push(`| Duration | ${formatDuration(report.durationMs)} |`);
  lines.push(
    `| Commands | ${report.totals.commands} (${formatDuration(report.totals.commandDurationMs)}) |`,
    `| Agent turns | ${report.totals.agentTurns} (${formatDuration(report.totals.agentDurationMs)}) |`,
    "",
  );
  if (report.failingAtStart) {
    const start = report.failingAtStart;
    const more = start.failingCount - start.failingTests.length;
    lines.push("## Failing at the start", "");
    lines.push(
      `${start.failingCount} failing test(s) in all (${start.tool}, iteration ${start.iteration}).`,
      "",
    );
    for (const test of start.failingTests) lines.push(`- ${code(test)}`);
    if (more > 0) lines.push(`- … and ${more} more`);
    if (start.failingTests.length > 0) lines.push("");
  }
  if (report.finalVerdict) {
    lines.push("## Final validation", "");
    if (report.finalVerdict.outcome === "passed" && report.failingAtStart)
      lines.push(
        `Validation passes at the end: the ${report.failingAtStart.failingCount} test(s) failing at the start pass.`,
        "",
      );
    if (report.finalVerdict.outcome !== "passed" && report.finalVerdict.failingCount !== undefined)
      lines.push(`${report.finalVerdict.failingCount} failing test(s) in all at the end.`, "");
    lines.push(
      `${report.finalVerdict.outcome}, exit code ${report.finalVerdict.exitCode}${report.finalVerdict.tool ? ` (${report.finalVerdict.tool})` : ""}.`,
      "",
    );
    for (const test of report.finalVerdict.failingTests) lines.push(`- failing: ${code(test)}`);
    for (const error of report.finalVerdict.firstErrors) lines.push(`- ${code(error, 300)}`);
    if (report.finalVerdict.failingTests.length + report.finalVerdict.firstErrors.length > 0) lines.push("");
  }
  lines.push("## Changes", "");
  if (report.changes.files.length === 0) lines.push("No files were changed.", "");
  else {
    for (const file of report.changes.files) lines.push(`- ${code(file)}`);
    lines.push("");
  }
  for (const turn of report.changes.turns) {
    lines.push(`### Iteration ${turn.iteration}`, "", turn.summary, "");
    if (turn.changedFiles.length > 0)
      lines.push(`Changed: ${turn.changedFiles.map((f) => code(f)).join(", ")}`, "");
  }
  lines.push("## Commands", "");
  if (report.commands.length === 0) lines.push("No commands ran.", "");
  else {
    lines.push(
      "| # | Iteration | Purpose | Command | Exit code | Status | Duration | Output |",
      "|---|---|---|---|---|---|---|---|",
    );
    report.commands.forEach((command, index) => {
      lines.push(
        `| ${index + 1} | ${command.iteration} | ${cell(command.purpose)}${command.detached ? " (detached)" : ""} | ${code(command.command)} | ${command.exitCode ?? "—"} | ${command.status} | ${formatDuration(command.durationMs)} | ${command.artifactUri ? `[output](${command.artifactUri})` : "—"} |`,
      );
    });
    lines.push("");
  }
  lines.push("## Approvals", "");
  if (report.approvals.length === 0) lines.push("No command needed a person's approval.", "");
  else {
    lines.push("| Command | Decision | By | When |", "|---|---|---|---|");
    for (const approval of report.approvals) {
      lines.push(
        `| ${code(approval.command)} | ${approval.decision} | ${cell(approval.decidedBy ?? "—")} | ${approval.at} |`,
      );
    }
    lines.push("");
  }
  if (report.unreadableLedgerEntries.length > 0) {
    lines.push(
      `_${report.unreadableLedgerEntries.length} ledger entries could not be read and are not shown._`,
      "",
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
