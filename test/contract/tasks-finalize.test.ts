import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTaskInput } from "#lib/task-input.ts";
import { finalize, finalizeInputSchema } from "../../functions/finalize/finalize.ts";
import type { ReportDocument } from "../../functions/finalize/report.ts";
import {
  prepareWorkspace,
  prepareWorkspaceInputSchema,
} from "../../functions/prepare-workspace/prepare-workspace.ts";
import { runCommand, runCommandInputSchema } from "../../functions/run-command/run-command.ts";
import {
  newSessionId,
  originRepository,
  requestFor,
  startTaskHarness,
  type TaskHarness,
  TOOL_CACHE_DIR,
} from "./tasks-harness.ts";

describe("finalize against the emulator (real SDK)", () => {
  let harness: TaskHarness;
  beforeAll(async () => {
    harness = await startTaskHarness();
  });
  afterAll(() => harness.close());

  it("reports every command of the run, stops the session, and the workspace survives the stop", async () => {
    // Prepare: a workspace and two commands in one execution
    const origin = await originRepository(harness.root);
    const sessionId = newSessionId();
    const request = requestFor(sessionId, { source: { kind: "local", path: origin.path } });
    const common = {
      agentCore: harness.agentCore,
      store: harness.store,
      digest: { headBytes: 1024, tailBytes: 1024 },
      remainingTimeMs: () => 900_000,
    };
    await prepareWorkspace(
      {
        ...common,
        config: { mountPath: "/mnt/workspace", toolCacheDir: TOOL_CACHE_DIR, commandMarginSeconds: 30 },
      },
      parseTaskInput(prepareWorkspaceInputSchema, { request, executionName: "exec-final", iteration: 0 }),
    );
    const runDeps = {
      ...common,
      config: {
        maxSyncCommandSeconds: 840,
        commandMarginSeconds: 30,
        pollIntervalSeconds: 5,
        toolCacheDir: TOOL_CACHE_DIR,
      },
    };
    const run = (command: string, iteration: number) =>
      runCommand(
        runDeps,
        parseTaskInput(runCommandInputSchema, {
          request,
          command,
          purpose: "validation",
          executionName: "exec-final",
          iteration,
        }),
      );
    await run("grep -q 'a + b' sum.js", 0);
    await run("sed -i 's/a - b/a + b/' sum.js && grep -q 'a + b' sum.js", 1);

    // Act
    const result = await finalize(
      { agentCore: harness.agentCore, store: harness.store },
      parseTaskInput(finalizeInputSchema, {
        request,
        executionName: "exec-final",
        iteration: 1,
        verdict: { outcome: "passed", exitCode: 0 },
      }),
    );

    // Assess: the report
    expect(result.outcome).toBe("repaired");
    const report = JSON.parse(await readFile(fileURLToPath(result.reportUri), "utf8")) as ReportDocument;
    expect(report.commands.map((c) => [c.purpose, c.exitCode])).toEqual([
      ["prepare", 0],
      ["validation", 1],
      ["validation", 0],
    ]);
    expect(report.workspace).toMatchObject({ revision: origin.head, resumed: false });
    const markdown = await readFile(fileURLToPath(result.markdownUri), "utf8");
    expect(markdown).toContain("**Repaired: the validation passes** after 1 iteration.");
    // Assess: the session was stopped, so stopping again is "already stopped" (404), which finalize tolerates
    await expect(harness.stopSession(sessionId)).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      finalize(
        { agentCore: harness.agentCore, store: harness.store },
        parseTaskInput(finalizeInputSchema, { request, executionName: "exec-final", iteration: 1 }),
      ),
    ).resolves.toMatchObject({ outcome: "not-repaired" });
    // Assess: storage was kept through the stop
    const after = await run("cat sum.js", 2);
    expect(after.stdout.head).toBe("export const sum = (a, b) => a + b;\n");
  });
});
