import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  BedrockAgentCoreClient,
  ResourceNotFoundException,
  StopRuntimeSessionCommand,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ThrottledError } from "#lib/errors.ts";
import { appendLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type FinalizeDependencies,
  finalize,
  finalizeInputSchema,
} from "../../functions/finalize/finalize.ts";
import type { ReportDocument } from "../../functions/finalize/report.ts";
import {
  agentCoreClient,
  repairRequest,
  sessionId,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";

const agentCore = mockClient(BedrockAgentCoreClient);
const hash = (c: string) => c.repeat(64).slice(0, 64);

describe("finalize", () => {
  let artifacts: TemporaryStore;
  let deps: FinalizeDependencies;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      now: () => Date.parse("2026-01-01T00:10:00.000Z"),
    };
    const base = { iteration: 0, stdoutBytes: 100, stderrBytes: 5, artifactUri: "file:///tmp/out.log" };
    await appendLedger(artifacts.store, "exec-1", {
      kind: "workspace",
      at: "2026-01-01T00:00:01.000Z",
      iteration: 0,
      path: "/mnt/workspace/widgets",
      revision: "0123456789abcdef0123456789abcdef01234567",
      resumed: true,
      clearedLockFiles: [".git/index.lock"],
    });
    await appendLedger(artifacts.store, "exec-1", {
      ...base,
      kind: "command",
      at: "2026-01-01T00:00:02.000Z",
      purpose: "validation",
      command: "npm test",
      commandHash: hash("a"),
      status: "COMPLETED",
      exitCode: 1,
      durationMs: 4200,
    });
    await appendLedger(artifacts.store, "exec-1", {
      kind: "agent-turn",
      at: "2026-01-01T00:00:10.000Z",
      iteration: 1,
      summary: "Fixed the off-by-one in sum()",
      // What the agent says it changed is never the report's "Changes": git's measurement below is.
      changedFiles: ["src/claimed-by-the-agent.ts"],
      proposedCommands: [{ command: "npm install left-pad" }],
      durationMs: 30_000,
    });
    await appendLedger(artifacts.store, "exec-1", {
      kind: "approval",
      at: "2026-01-01T00:00:20.000Z",
      iteration: 1,
      command: "npm install left-pad",
      commandHash: hash("b"),
      decision: "approved",
      decidedBy: "alice@example.com",
    });
    await appendLedger(artifacts.store, "exec-1", {
      ...base,
      kind: "command",
      iteration: 1,
      at: "2026-01-01T00:00:30.000Z",
      purpose: "proposed",
      command: "grep -c 'a|b' `ls` | wc -l",
      commandHash: hash("c"),
      status: "COMPLETED",
      exitCode: 0,
      durationMs: 800,
    });
    await appendLedger(artifacts.store, "exec-1", {
      kind: "change",
      at: "2026-01-01T00:00:45.000Z",
      iteration: 1,
      step: "export",
      baseRevision: "0123456789abcdef0123456789abcdef01234567",
      files: [
        { path: "src/sum.ts", status: "modified", binary: false, insertions: 1, deletions: 1 },
        {
          path: "test/sum.test.ts",
          status: "modified",
          binary: false,
          insertions: 0,
          deletions: 2,
          testFile: true,
        },
      ],
      truncated: false,
      stats: { files: 2, insertions: 1, deletions: 3 },
      flags: [{ path: "test/sum.test.ts", reason: "test file modified" }],
      patchKey: "runs/exec-1/changes/change.patch",
      patchUri: "file:///artifacts/runs/exec-1/changes/change.patch",
      patchSha256: hash("e"),
      patchBytes: 120,
      diffExcerpt: "diff --git a/src/sum.ts b/src/sum.ts\n-  return a - b;\n+  return a + b;\n",
    });
    await appendLedger(artifacts.store, "exec-1", {
      ...base,
      kind: "command",
      iteration: 1,
      at: "2026-01-01T00:00:40.000Z",
      purpose: "validation",
      command: "npm test",
      commandHash: hash("a"),
      status: "COMPLETED",
      exitCode: 0,
      durationMs: 3900,
    });
  });
  afterEach(() => artifacts.remove());

  const input = (state: Record<string, unknown> = {}) =>
    parseTaskInput(finalizeInputSchema, {
      request: repairRequest(),
      executionName: "exec-1",
      iteration: 1,
      verdict: {
        outcome: "passed",
        exitCode: 0,
        digest: { tool: "vitest", failingTests: [], firstErrors: [] },
      },
      ...state,
    });

  it("writes the JSON report from the ledger, stops the session, and returns where the report is", async () => {
    // Prepare
    agentCore.on(StopRuntimeSessionCommand).resolves({ runtimeSessionId: sessionId, statusCode: 200 });
    // Act
    const result = await finalize(deps, input());
    // Assess
    expect(result).toEqual({
      outcome: "repaired",
      iterations: 1,
      reportUri: expect.stringMatching(/^file:.*\/runs\/exec-1\/report\.json$/),
      markdownUri: expect.stringMatching(/^file:.*\/runs\/exec-1\/report\.md$/),
    });
    const report = JSON.parse(await readFile(fileURLToPath(result.reportUri), "utf8")) as ReportDocument;
    expect(report).toMatchObject({
      outcome: "repaired",
      iterations: 1,
      executionName: "exec-1",
      durationMs: 600_000,
      workspace: { resumed: true, clearedLockFiles: [".git/index.lock"] },
      changes: { measured: true, stats: { files: 2 }, testFilesChanged: 1 },
      patch: { key: "runs/exec-1/changes/change.patch", sha256: hash("e"), bytes: 120 },
      delivery: { status: "not-attempted" },
      totals: { commands: 3, commandDurationMs: 8900, agentTurns: 1, agentDurationMs: 30_000 },
      approvals: [{ command: "npm install left-pad", decision: "approved", decidedBy: "alice@example.com" }],
    });
    expect(report.changes.files.map((f) => f.path)).toEqual(["src/sum.ts", "test/sum.test.ts"]);
    expect(JSON.stringify(report)).not.toContain("claimed-by-the-agent");
    expect(report.commands.map((c) => [c.iteration, c.purpose, c.exitCode, c.durationMs])).toEqual([
      [0, "validation", 1, 4200],
      [1, "proposed", 0, 800],
      [1, "validation", 0, 3900],
    ]);
    const stop = agentCore.commandCalls(StopRuntimeSessionCommand)[0]!.args[0].input;
    expect(stop).toMatchObject({
      runtimeSessionId: sessionId,
      qualifier: "DEFAULT",
      agentRuntimeArn: repairRequest().runtimeArn,
    });
  });

  it("writes a Markdown report a person can read, with every command and approval", async () => {
    // Prepare
    agentCore.on(StopRuntimeSessionCommand).resolves({});
    // Act
    const result = await finalize(deps, input());
    const markdown = await readFile(fileURLToPath(result.markdownUri), "utf8");
    // Assess
    expect(markdown).toContain("# Repair report: widgets");
    expect(markdown).toContain("**Repaired: the validation passes** after 1 iteration.");
    expect(markdown).toContain("### Iteration 1\n\nFixed the off-by-one in sum()");
    expect(markdown).toContain(
      "| 1 | 0 | validation | `npm test` | 1 | COMPLETED | 4.2 s | [output](file:///tmp/out.log) |",
    );
    // A command holding pipes and backticks stays inside its table cell
    expect(markdown).toContain(
      "| 2 | 1 | proposed | ``grep -c 'a\\|b' `ls` \\| wc -l`` | 0 | COMPLETED | 800 ms |",
    );
    expect(markdown).toContain(
      "| `npm install left-pad` | approved | alice@example.com | 2026-01-01T00:00:20.000Z |",
    );
  });

  it("reports a failed execution with its error, redacted", async () => {
    agentCore.on(StopRuntimeSessionCommand).resolves({});
    const result = await finalize(
      deps,
      input({
        verdict: undefined,
        error: { Error: "AgentError", Cause: `agent leaked ghp_${"k".repeat(36)}` },
      }),
    );
    const report = JSON.parse(await readFile(fileURLToPath(result.reportUri), "utf8")) as ReportDocument;
    expect(result.outcome).toBe("failed");
    expect(report.error).toEqual({ name: "AgentError", cause: "agent leaked [REDACTED:github-token]" });
  });

  it("reports not-repaired when the last validation still fails", async () => {
    agentCore.on(StopRuntimeSessionCommand).resolves({});
    const result = await finalize(deps, input({ verdict: { outcome: "failed", exitCode: 1 } }));
    expect(result.outcome).toBe("not-repaired");
  });

  it("tolerates a session that is already stopped (404)", async () => {
    agentCore
      .on(StopRuntimeSessionCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Session not found", $metadata: { httpStatusCode: 404 } }),
      );
    await expect(finalize(deps, input())).resolves.toMatchObject({ outcome: "repaired" });
  });

  it("throws ThrottledError when stopping is throttled, after the report is written", async () => {
    // Prepare
    agentCore
      .on(StopRuntimeSessionCommand)
      .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }));
    // Act
    const attempt = finalize(deps, input());
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ThrottledError);
    expect(await artifacts.store.getText("runs/exec-1/report.md")).toContain("# Repair report");
  });
});
