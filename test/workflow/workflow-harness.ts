import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishGitSource } from "../../infra/local/git-source.ts";
import {
  type LocalStack,
  type LocalStackOptions,
  ROOT,
  startLocalStack,
} from "../../infra/local/local-stack.ts";
import type { ExecutionResult } from "../../infra/local/runner/runner.ts";

/** One local stack per test file (each vitest file runs in its own process, so handlers load once per stack). */
export interface WorkflowHarness {
  readonly stack: LocalStack;
  readonly dataDir: string;
  /** A console input for a sample workspace, published as a git repository (stable path: same request, same session). */
  request(workspace: string, validationCommand: string, limits?: Record<string, number>): Promise<unknown>;
  close(): Promise<void>;
}

export async function startWorkflowHarness(
  options: Partial<LocalStackOptions> = {},
): Promise<WorkflowHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "agentcore-workflow-"));
  const stack = await startLocalStack({ dataDir, logLevel: "SILENT", ...options });
  return {
    stack,
    dataDir,
    async request(workspace, validationCommand, limits = {}) {
      const path = await publishGitSource(join(ROOT, "samples/workspaces", workspace), dataDir);
      return { repository: { path }, validationCommand, limits, requestedBy: "workflow-test" };
    },
    async close() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The path the execution took: the states entered, in order. */
export function statesEntered(result: ExecutionResult): string[] {
  return result.events
    .filter((e) => e.type === "StateEntered")
    .map((e) => (e.state as { name: string }).name);
}

export function count(states: readonly string[], name: string): number {
  return states.filter((s) => s === name).length;
}

export function retries(result: ExecutionResult, state: string): number {
  return result.events.filter(
    (e) => e.type === "StateRetried" && (e.state as { name: string }).name === state,
  ).length;
}

export async function reportOf(
  harness: WorkflowHarness,
  result: ExecutionResult,
): Promise<Record<string, unknown>> {
  const text = await readFile(
    join(harness.dataDir, "artifacts/runs", result.executionName, "report.json"),
    "utf8",
  );
  return JSON.parse(text) as Record<string, unknown>;
}

export async function auditRows(harness: WorkflowHarness): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(harness.dataDir, "audit.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The repository as the session's storage holds it (the emulator's directory for that session). */
export async function workspaceFile(
  harness: WorkflowHarness,
  sessionId: string,
  relative: string,
): Promise<string> {
  const session = harness.stack.emulator.sessions.list().find((s) => s.sessionId === sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  return readFile(join(session.storage.dir, relative), "utf8");
}

/** The session id the execution used (from what "Normalize the request" produced). */
export function sessionOf(result: ExecutionResult): string {
  const normalized = result.events.find(
    (e) => e.type === "StateExited" && (e.state as { name: string }).name === "Normalize the request",
  );
  const state = normalized?.state as { output?: { request?: { sessionId?: string } } } | undefined;
  return state?.output?.request?.sessionId ?? "";
}
