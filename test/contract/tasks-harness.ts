import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BedrockAgentCoreClient, StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { createAgentCoreClient } from "#lib/agentcore-client.ts";
import type { RepairRequest } from "#lib/contracts.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import { type RunningEmulator, startEmulator } from "../../infra/local/emulator/index.ts";

/**
 * The tasks against the local AgentCore emulator through the REAL SDK: our own client (with its session-id guard)
 * pointed at the emulator's endpoint, a local artifact store, a fresh session per test.
 */

export const RUNTIME_ARN =
  "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-TaskTests01";
export const TOOL_CACHE_DIR = "/tmp/repair-cache-contract";

export interface TaskHarness {
  readonly emulator: RunningEmulator;
  readonly agentCore: BedrockAgentCoreClient;
  readonly store: LocalArtifactStore;
  readonly root: string;
  /** StopRuntimeSession through the SDK, as finalize does. */
  stopSession(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTaskHarness(): Promise<TaskHarness> {
  const root = await mkdtemp(join(tmpdir(), "repair-tasks-contract-"));
  const emulator = await startEmulator({ port: 0, dataDir: join(root, "emulator") });
  const agentCore = createAgentCoreClient({
    region: "us-east-1",
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
    maxAttempts: 1,
  });
  return {
    emulator,
    agentCore,
    store: new LocalArtifactStore(join(root, "artifacts")),
    root,
    async stopSession(sessionId) {
      await agentCore.send(
        new StopRuntimeSessionCommand({ agentRuntimeArn: RUNTIME_ARN, runtimeSessionId: sessionId }),
      );
    },
    async close() {
      await emulator.stop();
      agentCore.destroy();
      await rm(root, { recursive: true, force: true });
    },
  };
}

let counter = 0;
export function newSessionId(): string {
  counter += 1;
  return `tasks-contract-${process.pid}-${Date.now()}-${String(counter).padStart(4, "0")}`;
}

export function requestFor(sessionId: string, overrides: Partial<RepairRequest> = {}): RepairRequest {
  return {
    requestId: "e".repeat(64),
    sessionId,
    runtimeArn: RUNTIME_ARN,
    source: { kind: "local", path: "/nonexistent" },
    repoName: "widgets",
    workspacePath: "/mnt/workspace/widgets",
    validationCommand: "npm test",
    limits: { maxIterations: 3, commandTimeoutSeconds: 120, budgetSeconds: 3600 },
    trigger: "console",
    acceptedAt: new Date().toISOString(),
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    lockExpiresAt: String(Math.floor(Date.now() / 1000) + 7200),
    lockKey: "e".repeat(64),
    acceptedAtEpoch: String(Math.floor(Date.now() / 1000)),
    ...overrides,
  };
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Contract Test",
  GIT_AUTHOR_EMAIL: "contract@example.com",
  GIT_COMMITTER_NAME: "Contract Test",
  GIT_COMMITTER_EMAIL: "contract@example.com",
};

/** A small repository on the host (the emulator's commands see the host's filesystem outside the mount path). */
export async function originRepository(root: string): Promise<{ path: string; head: string; first: string }> {
  const path = join(root, "origin-widgets");
  await mkdir(path, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: path, env: gitEnv, encoding: "utf8" }).trim();
  git("init", "--quiet", "--initial-branch=main");
  await writeFile(join(path, "sum.js"), "export const sum = (a, b) => a - b;\n");
  git("add", ".");
  git("commit", "--quiet", "-m", "first");
  const first = git("rev-parse", "HEAD");
  await writeFile(join(path, "README.md"), "# widgets\n");
  git("add", ".");
  git("commit", "--quiet", "-m", "second");
  return { path, head: git("rev-parse", "HEAD"), first };
}
