import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommandInSession } from "#lib/command-runner.ts";
import type { RepairRequest } from "#lib/contracts.ts";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type PrepareWorkspaceDependencies,
  prepareWorkspace,
  prepareWorkspaceInputSchema,
} from "../../functions/prepare-workspace/prepare-workspace.ts";
import {
  newSessionId,
  originRepository,
  RUNTIME_ARN,
  requestFor,
  startTaskHarness,
  type TaskHarness,
  TOOL_CACHE_DIR,
} from "./tasks-harness.ts";

describe("prepare-workspace against the emulator (real SDK)", () => {
  let harness: TaskHarness;
  let origin: { path: string; head: string; first: string };
  beforeAll(async () => {
    harness = await startTaskHarness();
    origin = await originRepository(harness.root);
  });
  afterAll(() => harness.close());

  const deps = (): PrepareWorkspaceDependencies => ({
    agentCore: harness.agentCore,
    store: harness.store,
    digest: { headBytes: 2048, tailBytes: 2048 },
    config: { mountPath: "/mnt/workspace", toolCacheDir: TOOL_CACHE_DIR, commandMarginSeconds: 30 },
    remainingTimeMs: () => 900_000,
  });
  const input = (request: RepairRequest, executionName = "exec-prepare") =>
    parseTaskInput(prepareWorkspaceInputSchema, { request, executionName, iteration: 0 });
  const shell = (sessionId: string, command: string) =>
    runCommandInSession(
      { agentCore: harness.agentCore, store: harness.store, digest: { headBytes: 4096, tailBytes: 4096 } },
      {
        target: { runtimeArn: RUNTIME_ARN, sessionId },
        executionName: "exec-prepare",
        iteration: 0,
        purpose: "validation",
        command,
        timeoutSeconds: 30,
        record: false,
      },
    );

  it("clones a local source into session storage at the mount path", async () => {
    // Prepare
    const sessionId = newSessionId();
    const request = requestFor(sessionId, { source: { kind: "local", path: origin.path } });
    // Act
    const workspace = await prepareWorkspace(deps(), input(request));
    // Assess
    expect(workspace).toEqual({
      path: "/mnt/workspace/widgets",
      revision: origin.head,
      resumed: false,
      clearedLockFiles: [],
      internals: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const listing = await shell(sessionId, "cd /mnt/workspace/widgets && ls && git log --oneline | wc -l");
    expect(listing.stdout.head).toBe("README.md\nsum.js\n2\n");
  });

  it("clones a git URL at a requested revision", async () => {
    const sessionId = newSessionId();
    const request = requestFor(sessionId, {
      source: { kind: "git", url: `file://${origin.path}`, branch: "main", revision: origin.first },
    });
    const workspace = await prepareWorkspace(deps(), input(request));
    expect(workspace).toMatchObject({ revision: origin.first, resumed: false });
  });

  it("resumes the workspace after StopRuntimeSession: same files, stale locks cleared, resumed: true", async () => {
    // Prepare: a first preparation, work in progress, and a lock left behind as if git had been cut off
    const sessionId = newSessionId();
    const request = requestFor(sessionId, { source: { kind: "local", path: origin.path } });
    await prepareWorkspace(deps(), input(request));
    await shell(
      sessionId,
      "cd /mnt/workspace/widgets && echo 'export const sum = (a, b) => a + b;' > sum.js && touch .git/index.lock",
    );
    // Act: the session stops (storage flushed), then the workspace is prepared again in the same session
    await harness.stopSession(sessionId);
    const resumed = await prepareWorkspace(deps(), input(request, "exec-prepare-2"));
    // Assess
    expect(resumed).toEqual({
      path: "/mnt/workspace/widgets",
      revision: origin.head,
      resumed: true,
      clearedLockFiles: [".git/index.lock"],
      internals: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const status = await shell(
      sessionId,
      "cd /mnt/workspace/widgets && git status --porcelain && cat sum.js",
    );
    expect(status.stdout.head).toBe(" M sum.js\nexport const sum = (a, b) => a + b;\n");
    const { records } = await readLedger(harness.store, "exec-prepare-2");
    expect(records).toContainEqual(expect.objectContaining({ kind: "workspace", resumed: true }));
  });

  it("a second preparation without a stop also reuses the workspace", async () => {
    const sessionId = newSessionId();
    const request = requestFor(sessionId, { source: { kind: "local", path: origin.path } });
    const first = await prepareWorkspace(deps(), input(request));
    const second = await prepareWorkspace(deps(), input(request));
    expect([first.resumed, second.resumed]).toEqual([false, true]);
  });
});
