import type { ChangedFile, ChangeFlag, FinalReport, RepositorySource } from "#lib/contracts.ts";
import type { ChangeLedgerRecord, LedgerContents } from "#lib/ledger.ts";
import { redact, redactBounded } from "#lib/redaction.ts";
import type { RequestInState } from "#lib/task-input.ts";

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
  /** `$.delivery`: where deliver-change put the approved patch (null/absent: not delivered). */
  readonly delivery?: {
    readonly mode?: string;
    readonly branch?: string | null;
    readonly commit?: string | null;
    readonly pullRequestUrl?: string | null;
    readonly alreadyDelivered?: boolean;
  } | null;
  /** `$.approval` when the delivery approval was refused: its {Error, Cause}. */
  readonly deliveryRefusal?: { readonly Error?: string; readonly Cause?: string } | null;
}

/** Where the change went, or why it did not. */
interface ReportDelivery {
  readonly status: "delivered" | "denied" | "expired" | "blocked" | "not-attempted" | "nothing-to-deliver";
  readonly mode?: string;
  readonly branch?: string;
  readonly commit?: string;
  readonly pullRequestUrl?: string;
  readonly alreadyDelivered?: boolean;
  readonly reason?: string;
}

interface ReportCommand {
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
  /** What git measured in the session (the last measurement), never the agent's own list. */
  readonly changes: {
    readonly measured: boolean;
    readonly baseRevision?: string;
    readonly files: readonly ChangedFile[];
    readonly truncated: boolean;
    readonly stats: { readonly files: number; readonly insertions: number; readonly deletions: number };
    readonly flags: readonly ChangeFlag[];
    /** Test files the agent added, changed or deleted (called out: "the agent changed 2 tests"). */
    readonly testFilesChanged: number;
    /** Surface changes a person refused, put back in the workspace. */
    readonly reverted: readonly {
      readonly iteration: number;
      readonly decision: string;
      readonly paths: readonly string[];
    }[];
    readonly turns: readonly {
      readonly iteration: number;
      readonly summary: string;
      readonly durationMs?: number;
    }[];
  };
  /** The exported patch (export-change), when validation passed and something changed. */
  readonly patch?: {
    readonly key: string;
    readonly uri: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly commit?: string;
    /** The patch's start (redacted, bounded); the whole patch is at `uri`. */
    readonly excerpt: string;
    readonly excerptTruncated: boolean;
  };
  readonly delivery: ReportDelivery;
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
  let lastChange: ChangeLedgerRecord | undefined;
  let exported: ChangeLedgerRecord | undefined;
  const reverted: ReportDocument["changes"]["reverted"][number][] = [];
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
          ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
        });
        break;
      case "change":
        lastChange = record;
        if (record.step === "export" && record.patchKey) exported = record;
        if (record.step === "revert") {
          reverted.push({
            iteration: record.iteration,
            decision: record.decision ?? "denied",
            paths: record.reverted ?? [],
          });
        }
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
    changes: {
      measured: lastChange !== undefined,
      ...(lastChange ? { baseRevision: lastChange.baseRevision } : {}),
      files: lastChange?.files ?? [],
      truncated: lastChange?.truncated ?? false,
      stats: lastChange?.stats ?? { files: 0, insertions: 0, deletions: 0 },
      flags: lastChange?.flags ?? [],
      testFilesChanged: (lastChange?.files ?? []).filter((file) => file.testFile).length,
      reverted,
      turns,
    },
    ...(exported?.patchKey && exported.patchSha256
      ? {
          patch: {
            key: exported.patchKey,
            uri: exported.patchUri ?? exported.patchKey,
            sha256: exported.patchSha256,
            bytes: exported.patchBytes ?? 0,
            ...(exported.commit ? { commit: exported.commit } : {}),
            excerpt: exported.diffExcerpt ?? "",
            excerptTruncated: (exported.patchBytes ?? 0) > (exported.diffExcerpt ?? "").length,
          },
        }
      : {}),
    delivery: deliveryOf(facts, exported, lastChange),
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

function deliveryOf(
  facts: ReportFacts,
  exported: ChangeLedgerRecord | undefined,
  lastChange: ChangeLedgerRecord | undefined,
): ReportDelivery {
  const delivery = facts.delivery;
  if (delivery?.mode) {
    return {
      status: "delivered",
      mode: delivery.mode,
      ...(delivery.branch ? { branch: redact(delivery.branch) } : {}),
      ...(delivery.commit ? { commit: delivery.commit } : {}),
      ...(delivery.pullRequestUrl ? { pullRequestUrl: redact(delivery.pullRequestUrl) } : {}),
      ...(delivery.alreadyDelivered ? { alreadyDelivered: true } : {}),
    };
  }
  if (facts.error?.Error === "SecretInChangeError") {
    return {
      status: "blocked",
      reason: redactBounded(facts.error.Cause ?? "the patch holds a secret", 1000),
    };
  }
  const refusal = facts.deliveryRefusal;
  if (exported && refusal?.Error) {
    return {
      status: refusal.Error === "ApprovalDeniedError" ? "denied" : "expired",
      reason: redactBounded(refusal.Cause ?? refusal.Error, 500),
    };
  }
  if (lastChange?.step === "export" && !exported) return { status: "nothing-to-deliver" };
  return { status: "not-attempted" };
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

function renderChanges(report: ReportDocument, lines: string[]): void {
  const { changes } = report;
  lines.push("## Changes", "");
  if (!changes.measured)
    lines.push("No change was measured (no agent turn ran and nothing was exported).", "");
  else if (changes.files.length === 0)
    lines.push("git measured no change against the prepared revision.", "");
  else {
    lines.push(
      `Measured by git against ${code((changes.baseRevision ?? "").slice(0, 12))}: ${changes.stats.files} file${changes.stats.files === 1 ? "" : "s"}, +${changes.stats.insertions} −${changes.stats.deletions}${changes.truncated ? " (list cut)" : ""}.`,
      "",
    );
    if (changes.testFilesChanged > 0) {
      lines.push(
        `**The agent changed ${changes.testFilesChanged} test file${changes.testFilesChanged === 1 ? "" : "s"}**: review them before merging.`,
        "",
      );
    }
    lines.push("| File | Status | + | − | Notes |", "|---|---|---|---|---|");
    for (const file of changes.files) {
      const notes = [
        file.surface ? `execution surface: ${file.surface}` : "",
        file.protected ? `protected: ${file.protected}` : "",
        file.testFile ? "test file" : "",
        file.binary ? "binary" : "",
        file.oldPath ? `from ${file.oldPath}` : "",
      ].filter(Boolean);
      lines.push(
        `| ${code(file.path)} | ${file.status} | ${file.insertions} | ${file.deletions} | ${cell(notes.join("; ")) || "—"} |`,
      );
    }
    lines.push("");
  }
  for (const revert of changes.reverted) {
    lines.push(
      `Iteration ${revert.iteration}: the change to ${revert.paths.map((p) => code(p)).join(", ") || "git's internals"} was ${revert.decision} and put back.`,
      "",
    );
  }
  for (const turn of changes.turns) lines.push(`### Iteration ${turn.iteration}`, "", turn.summary, "");
  lines.push("## Delivery", "");
  const { delivery, patch } = report;
  if (patch) {
    lines.push(
      `Patch: [${cell(patch.key)}](${patch.uri}) (${patch.bytes} bytes, sha256 ${code(patch.sha256)})`,
      "",
    );
  }
  const where = [
    delivery.branch ? `branch ${code(delivery.branch)}` : "",
    delivery.commit ? `commit ${code(delivery.commit.slice(0, 12))}` : "",
    delivery.pullRequestUrl ? `pull request ${delivery.pullRequestUrl}` : "",
  ].filter(Boolean);
  const statusLine: Record<ReportDelivery["status"], string> = {
    delivered: `Delivered (${delivery.mode ?? "patch"})${where.length > 0 ? `: ${where.join(", ")}` : ""}${delivery.alreadyDelivered ? " (found from an earlier attempt)" : ""}.`,
    denied: `Not delivered: the change was denied (${cell(delivery.reason ?? "")}).`,
    expired: `Not delivered: nobody approved the change in time (${cell(delivery.reason ?? "")}).`,
    blocked:
      "Not delivered: the patch holds what looks like a secret (see the error above); it was not stored.",
    "not-attempted": "Not delivered: the repair did not reach delivery.",
    "nothing-to-deliver": "Nothing to deliver: the workspace matches the prepared revision.",
  };
  lines.push(statusLine[delivery.status], "");
  if (patch?.excerpt) {
    const fence = "`".repeat(
      Math.max(3, ...(patch.excerpt.match(/`{3,}/g) ?? []).map((run) => run.length + 1)),
    );
    lines.push("### Diff", "", `${fence}diff`, patch.excerpt.trimEnd(), fence, "");
    if (patch.excerptTruncated) lines.push(`_The diff is cut here; the whole patch is at ${patch.uri}._`, "");
  }
}

function formatDuration(ms: number): string {
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
  renderChanges(report, lines);
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
