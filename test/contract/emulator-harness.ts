import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommandCommand,
  type InvokeAgentRuntimeCommandCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  type EmulatorConfig,
  type RunningEmulator,
  startEmulator,
} from "../../infra/local/emulator/index.ts";

export const RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";

let counter = 0;
/** A fresh, valid session id (33+ characters) per call. */
export function newSessionId(): string {
  counter += 1;
  return `contract-session-${process.pid}-${Date.now()}-${String(counter).padStart(6, "0")}`;
}

export interface Harness {
  readonly emulator: RunningEmulator;
  readonly client: BedrockAgentCoreClient;
  readonly dataDir: string;
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

export function clientFor(endpoint: string, maxAttempts = 1): BedrockAgentCoreClient {
  return new BedrockAgentCoreClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
    maxAttempts,
  });
}

export async function startHarness(config: EmulatorConfig = {}, existingDataDir?: string): Promise<Harness> {
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), "agentcore-contract-")));
  const emulator = await startEmulator({ port: 0, dataDir, config });
  const client = clientFor(emulator.endpoint);
  const harness: Harness = {
    emulator,
    client,
    dataDir,
    async restart() {
      await emulator.stop();
      client.destroy();
      return startHarness(config, dataDir);
    },
    async close() {
      await emulator.stop();
      client.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export interface CollectedCommand {
  readonly events: readonly Record<string, unknown>[];
  readonly stdout: string;
  readonly stderr: string;
  readonly deltaSizes: readonly number[];
  readonly stop?: { readonly exitCode?: number; readonly status?: string };
  readonly response: InvokeAgentRuntimeCommandCommandOutput;
}

/** Runs one command through the real SDK and gathers everything the stream said. */
export async function runThroughSdk(
  client: BedrockAgentCoreClient,
  sessionId: string,
  command: string,
  timeout?: number,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<CollectedCommand> {
  const response = await client.send(
    new InvokeAgentRuntimeCommandCommand({
      agentRuntimeArn: RUNTIME_ARN,
      runtimeSessionId: sessionId,
      body: { command, ...(timeout === undefined ? {} : { timeout }) },
    }),
    options.abortSignal ? { abortSignal: options.abortSignal } : {},
  );
  const events: Record<string, unknown>[] = [];
  const deltaSizes: number[] = [];
  let stdout = "";
  let stderr = "";
  let stop: CollectedCommand["stop"];
  for await (const event of response.stream ?? []) {
    events.push({ ...event });
    const chunk = event.chunk;
    if (chunk?.contentDelta) {
      const piece = (chunk.contentDelta.stdout ?? "") + (chunk.contentDelta.stderr ?? "");
      deltaSizes.push(Buffer.byteLength(piece, "utf8"));
      stdout += chunk.contentDelta.stdout ?? "";
      stderr += chunk.contentDelta.stderr ?? "";
    }
    if (chunk?.contentStop) stop = chunk.contentStop;
  }
  return { events, stdout, stderr, deltaSizes, response, ...(stop ? { stop } : {}) };
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
