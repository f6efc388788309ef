// Shared setup for the sample agent's tests: the agent runs as its own process (it is a separate deployable), on a
// free port, against temporary copies of the sample workspaces; the tests talk to it over HTTP only.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AgentInvocation, AgentReply } from "#lib/contracts.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const AGENT_ENTRY = path.join(REPO_ROOT, "samples", "agent", "server.mjs");
const SAMPLE_WORKSPACES = path.join(REPO_ROOT, "samples", "workspaces");

/** Agent settings a developer's shell might hold; each test states the ones it wants. */
const AGENT_ENV_KEYS = [
  "AGENT_MODEL",
  "AGENT_MODEL_ID",
  "AGENT_MODEL_URL",
  "AGENT_MODEL_API_KEY",
  "AGENT_MODEL_STREAM",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_PROFILE",
  "AGENT_REPLAY",
  "AGENT_REPLAY_DIR",
  "AGENT_RECORD_DIR",
  "AGENT_WORKSPACE_ROOT",
  "AGENT_MAX_TURNS",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
];

export interface RunningAgent {
  readonly baseUrl: string;
  /** Every JSON log line the agent wrote so far. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the first log line (already written or still to come) that matches. */
  waitForLog(matches: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startAgent(env: Record<string, string> = {}): Promise<RunningAgent> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of AGENT_ENV_KEYS) delete childEnv[key];
  // No HOST given: the agent must pick loopback by itself.
  Object.assign(childEnv, { PORT: "0" }, env);
  delete childEnv.HOST;
  delete childEnv.AGENT_HOST;
  Object.assign(childEnv, env);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [AGENT_ENTRY], { env: childEnv });
  const logs: Record<string, unknown>[] = [];
  const logWaiters = new Set<(entry: Record<string, unknown>) => void>();
  const stderr: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`the agent exited with ${code} before listening: ${stderr.join("")}`)),
    );
    createInterface({ input: child.stdout }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      for (const waiter of logWaiters) waiter(entry);
      if (entry.message === "sample agent listening") resolve(entry.port as number);
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    waitForLog(matches) {
      const seen = logs.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const waiter = (entry: Record<string, unknown>) => {
          if (!matches(entry)) return;
          logWaiters.delete(waiter);
          resolve(entry);
        };
        logWaiters.add(waiter);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface TempWorkspace {
  /** The workspace directory (its base name is the sample's name, as under /mnt/workspace). */
  readonly path: string;
  /** The temporary parent, standing in for the session's mount path. */
  readonly root: string;
  cleanup(): Promise<void>;
}

export async function copySampleWorkspace(name: string): Promise<TempWorkspace> {
  const root = await mkdtemp(path.join(tmpdir(), "sample-agent-"));
  const workspace = path.join(root, name);
  await cp(path.join(SAMPLE_WORKSPACES, name), workspace, { recursive: true });
  return { path: workspace, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export function invocationFor(
  workspace: string,
  repoName: string,
  iteration: number,
  overrides: Partial<AgentInvocation> = {},
): AgentInvocation {
  return {
    goal: "Make the validation command pass without weakening the tests.",
    repoName,
    workspacePath: workspace,
    validationCommand: "npm test",
    iteration,
    failure: { tool: "generic", failingTests: [], locations: [], firstErrors: [], excerpt: "" },
    previousAttempts: [],
    ...overrides,
  };
}

export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

export async function invokeAgent(
  agent: RunningAgent,
  body: unknown,
  options: { accept?: string; contentType?: string } = {},
): Promise<HttpReply> {
  const response = await fetch(`${agent.baseUrl}/invocations`, {
    method: "POST",
    // The SDK's InvokeAgentRuntime sends the payload as application/octet-stream unless told otherwise.
    headers: {
      "content-type": options.contentType ?? "application/octet-stream",
      accept: options.accept ?? "application/json",
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

export function parseReply(reply: HttpReply): AgentReply {
  return JSON.parse(reply.text) as AgentReply;
}

export interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
}

export function parseServerSentEvents(text: string): ServerSentEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length) ?? "message";
      const data = lines
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length))
        .join("\n");
      return { event, data: JSON.parse(data) as unknown };
    });
}

export interface CommandRun {
  readonly exitCode: number;
  readonly output: string;
}

/** Runs a project's own test command for real, in its directory. */
export function runCommand(command: string, args: readonly string[], cwd: string): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
    // The test runner's own loader flags must not leak into the sample project's test run.
    delete env.NODE_OPTIONS;
    const child = spawn(command, args, { cwd, env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ exitCode: code ?? -1, output }));
  });
}
