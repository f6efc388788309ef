import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BedrockAgentCoreClient,
  type InvokeAgentRuntimeCommandStreamOutput,
} from "@aws-sdk/client-bedrock-agentcore";
import type { RepairRequest } from "#lib/contracts.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";

/** Shared fakes for the task tests: a request in state, command event streams, a temporary artifact store. */

export const runtimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";
export const sessionId = "repair-0123456789abcdef0123456789abcdef01";

export function repairRequest(overrides: Partial<RepairRequest> = {}): RepairRequest {
  return {
    requestId: "f".repeat(64),
    sessionId,
    runtimeArn,
    qualifier: "DEFAULT",
    source: { kind: "git", url: "https://github.com/example/widgets.git", branch: "main" },
    repoName: "widgets",
    workspacePath: "/mnt/workspace/widgets",
    validationCommand: "npm test",
    limits: { maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 },
    trigger: "console",
    acceptedAt: "2026-01-01T00:00:00.000Z",
    // Far ahead, so tasks that check the budget on the real clock are within it; budget tests pass their own.
    deadline: "2999-01-01T00:00:00.000Z",
    lockExpiresAt: "1767232800",
    lockKey: "e".repeat(64),
    acceptedAtEpoch: "1767225600",
    ...overrides,
  };
}

type Event = InvokeAgentRuntimeCommandStreamOutput;

export const started: Event = { chunk: { contentStart: {} } };
export const stdout = (text: string): Event => ({ chunk: { contentDelta: { stdout: text } } });
export const stderr = (text: string): Event => ({ chunk: { contentDelta: { stderr: text } } });
export const stopped = (exitCode: number, status: "COMPLETED" | "TIMED_OUT" = "COMPLETED"): Event => ({
  chunk: { contentStop: { exitCode, status } },
});

export async function* eventStream(...events: Event[]): AsyncIterable<Event> {
  for (const event of events) yield event;
}

/** The resolved value of InvokeAgentRuntimeCommandCommand for a command that printed `out` and exited. */
export function commandReply(out: string, exitCode = 0, status: "COMPLETED" | "TIMED_OUT" = "COMPLETED") {
  return {
    contentType: "application/vnd.amazon.eventstream",
    runtimeSessionId: sessionId,
    statusCode: 200,
    stream: eventStream(started, ...(out ? [stdout(out)] : []), stopped(exitCode, status)),
    $metadata: {},
  };
}

export function agentCoreClient(): BedrockAgentCoreClient {
  return new BedrockAgentCoreClient({ region: "us-east-1", maxAttempts: 1 });
}

export interface TemporaryStore {
  readonly directory: string;
  readonly store: LocalArtifactStore;
  remove(): Promise<void>;
}

export async function temporaryStore(): Promise<TemporaryStore> {
  const directory = await mkdtemp(join(tmpdir(), "repair-artifacts-"));
  return {
    directory,
    store: new LocalArtifactStore(directory),
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
