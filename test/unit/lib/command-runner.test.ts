import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArtifactStore, ArtifactWriter } from "#lib/artifact-store.ts";
import { type CommandRun, type CommandRunnerDependencies, runCommandInSession } from "#lib/command-runner.ts";
import {
  CommandStreamBrokenError,
  PlatformError,
  type RepairError,
  ThrottledError,
  TransientError,
} from "#lib/errors.ts";
import { type BucketStore, RateGate } from "#lib/rate-gate/token-bucket.ts";
import {
  agentCoreClient,
  commandReply,
  runtimeArn,
  sessionId,
  type TemporaryStore,
  temporaryStore,
} from "../agentcore-fakes.ts";

const agentCore = mockClient(BedrockAgentCoreClient);

/** The local store with one operation made to fail, as S3 would fail after the command finished. */
function failing(
  store: ArtifactStore,
  failure: { close?: unknown; putJson?: unknown },
): ArtifactStore & { aborted: number } {
  const wrapped = {
    aborted: 0,
    uriFor: (key: string) => store.uriFor(key),
    putText: (key: string, text: string, type?: string) => store.putText(key, text, type),
    putJson: (key: string, value: unknown) =>
      failure.putJson === undefined ? store.putJson(key, value) : Promise.reject(failure.putJson),
    getText: (key: string) => store.getText(key),
    getJson: (key: string) => store.getJson(key),
    list: (prefix: string) => store.list(prefix),
    openWriter(key: string, type?: string): ArtifactWriter {
      const inner = store.openWriter(key, type);
      return {
        uri: inner.uri,
        write: (chunk) => inner.write(chunk),
        close: () => (failure.close === undefined ? inner.close() : Promise.reject(failure.close)),
        abort: async () => {
          wrapped.aborted++;
          await inner.abort();
        },
      };
    },
  };
  return wrapped;
}

describe("runCommandInSession after the command finished", () => {
  let artifacts: TemporaryStore;
  beforeEach(async () => {
    agentCore.reset();
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("ok\n", 3));
    artifacts = await temporaryStore();
  });
  afterEach(() => artifacts.remove());

  const run: CommandRun = {
    target: { runtimeArn, sessionId },
    executionName: "exec-cr",
    iteration: 1,
    purpose: "validation",
    command: "npm test",
    timeoutSeconds: 60,
  };
  const deps = (store: ArtifactStore): CommandRunnerDependencies => ({
    agentCore: agentCoreClient(),
    store,
    digest: { headBytes: 64, tailBytes: 64 },
  });
  const failureOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => undefined,
      (error: unknown) => error,
    );

  it("reports a throttled output upload as a retryable TransientError naming the exit code, not a broken stream", async () => {
    // Prepare
    const store = failing(artifacts.store, {
      close: new ThrottledError("S3 Upload of x failed with SlowDown (HTTP 503)"),
    });
    // Act
    const error = (await failureOf(runCommandInSession(deps(store), run))) as RepairError;
    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(CommandStreamBrokenError);
    expect(error.message).toMatch(/the command finished \(exit 3, COMPLETED\) but storing its output failed/);
    expect(error.details).toMatchObject({ exitCode: 3, status: "COMPLETED", storeError: "ThrottledError" });
    expect(store.aborted).toBe(1);
  });

  it("reports a network failure of the upload as a TransientError", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = await failureOf(runCommandInSession(deps(failing(artifacts.store, { close: reset })), run));
    expect(error).toBeInstanceOf(TransientError);
  });

  it("reports a denied upload as a PlatformError", async () => {
    const denied = new PlatformError("S3 Upload of x failed with AccessDenied (HTTP 403)");
    const error = await failureOf(
      runCommandInSession(deps(failing(artifacts.store, { close: denied })), run),
    );
    expect(error).toBeInstanceOf(PlatformError);
  });

  it("reports a ledger append that fails as a PlatformError naming the exit code, not a broken stream", async () => {
    // Prepare
    const store = failing(artifacts.store, {
      putJson: new PlatformError("S3 PutObject of x failed with NoSuchBucket (HTTP 404)"),
    });
    // Act
    const error = (await failureOf(runCommandInSession(deps(store), run))) as RepairError;
    // Assess
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.message).toMatch(
      /exit 3, COMPLETED\) but recording it in the ledger failed: .*NoSuchBucket/,
    );
    expect(error.details).toMatchObject({ exitCode: 3, step: "recording it in the ledger" });
  });

  it("reports a transient ledger failure as a TransientError", async () => {
    const store = failing(artifacts.store, { putJson: new TransientError("S3 PutObject failed (HTTP 500)") });
    const error = await failureOf(runCommandInSession(deps(store), run));
    expect(error).toBeInstanceOf(TransientError);
  });

  it("returns the outcome when the bookkeeping succeeds", async () => {
    const outcome = await runCommandInSession(deps(artifacts.store), run);
    expect(outcome).toMatchObject({ exitCode: 3, status: "COMPLETED" });
  });
});

describe("runCommandInSession behind the shared command rate gate", () => {
  let artifacts: TemporaryStore;
  beforeEach(async () => {
    agentCore.reset();
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("ok\n", 0));
    artifacts = await temporaryStore();
  });
  afterEach(() => artifacts.remove());

  const run: CommandRun = {
    target: { runtimeArn, sessionId },
    executionName: "exec-gate",
    iteration: 1,
    purpose: "validation",
    command: "npm test",
    timeoutSeconds: 60,
  };

  it("takes a token for the runtime before each call, and makes no call when the gate throttles", async () => {
    // Prepare: one token, no refill worth speaking of, no waiting.
    const items = new Map<string, { state: { tokens: number; updatedAtMs: number }; version: string }>();
    const store: BucketStore = {
      read: async (key) => items.get(key),
      write: async (key, next) => {
        items.set(key, { state: next, version: String(items.size + 1) });
        return true;
      },
    };
    const rateGate = new RateGate(store, { ratePerSecond: 0.001, burst: 1, maxWaitMs: 0 });
    const deps: CommandRunnerDependencies = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      digest: { headBytes: 64, tailBytes: 64 },
      rateGate,
    };

    // Act
    const first = await runCommandInSession(deps, run);
    const second = await runCommandInSession(deps, run).catch((error: unknown) => error);

    // Assess
    expect(first.exitCode).toBe(0);
    expect(items.has(runtimeArn)).toBe(true);
    expect(second).toBeInstanceOf(ThrottledError);
    expect((second as ThrottledError).details).toMatchObject({ gate: "InvokeAgentRuntimeCommand" });
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)).toHaveLength(1);
  });
});
