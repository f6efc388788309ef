import {
  InternalServerException,
  RetryableConflictException,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-agentcore";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, type Harness, newSessionId, runThroughSdk, startHarness } from "./emulator-harness.ts";

describe("throttling, conflicts and injected faults, as the SDK reports them", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("throttles commands over the runtime's rate with the SDK's ThrottlingException", async () => {
    // One call per 10 s (burst of 1): four calls at once cannot all pass, however slow this machine is.
    harness = await startHarness({ defaults: { commandsPerSecond: 0.1 } });
    const sessionId = newSessionId();
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(() =>
        runThroughSdk(harness!.client, sessionId, "true").then(
          () => "ok",
          (e: unknown) => e,
        ),
      ),
    );
    const throttled = outcomes.filter((o) => o instanceof ThrottlingException) as ThrottlingException[];
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled[0]?.$metadata.httpStatusCode).toBe(429);
    expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThanOrEqual(1);
  });

  it("throttles a burst before it looks at any session, as the service's front door does", async () => {
    // Strict mode: an unknown session is a 404. One call per 10 s: past the first, a burst is throttled (429),
    // never told about sessions it had no right to reach.
    harness = await startHarness({ defaults: { commandsPerSecond: 0.1, strict: true } });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        runThroughSdk(harness!.client, newSessionId(), "true").then(
          () => 200,
          (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? 0,
        ),
      ),
    );
    expect(outcomes.filter((s) => s === 429).length).toBeGreaterThanOrEqual(8);
    expect(outcomes.filter((s) => s === 404).length).toBeGreaterThanOrEqual(1);
    expect(outcomes.every((s) => s === 429 || s === 404)).toBe(true);
  });

  it("answers a burst of 80 calls on four fresh sessions with 429s, not 409s from sessions still starting", async () => {
    harness = await startHarness({ defaults: { commandsPerSecond: 1 } });
    const sessions = [newSessionId(), newSessionId(), newSessionId(), newSessionId()];
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        runThroughSdk(harness!.client, sessions[i % 4]!, "true").then(
          () => 200,
          (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? 0,
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const passed = outcomes.filter((s) => s === 200).length;
    // A burst of one plus one a second for as long as the burst took to arrive and run, whatever this machine's load.
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(1 + Math.ceil(seconds));
    expect(outcomes.filter((s) => s === 409)).toEqual([]);
    expect(outcomes.filter((s) => s === 429).length).toBe(80 - passed);
  });

  it("answers 409 RetryableConflictException, which the SDK retries by itself", async () => {
    harness = await startHarness();
    const sessionId = newSessionId();
    harness.emulator.faults.inject({ kind: "conflict", count: 1 });
    const failed = await runThroughSdk(harness.client, sessionId, "true").catch((e: unknown) => e);

    harness.emulator.faults.inject({ kind: "conflict", count: 1 });
    const retrying = clientFor(harness.emulator.endpoint, 3);
    const recovered = await runThroughSdk(retrying, sessionId, "echo after-retry");
    retrying.destroy();

    expect(failed).toBeInstanceOf(RetryableConflictException);
    expect((failed as RetryableConflictException).$metadata.httpStatusCode).toBe(409);
    expect(recovered.stdout).toBe("after-retry\n");
    expect(recovered.response.$metadata.attempts).toBe(2);
  });

  it("answers 500 InternalServerException", async () => {
    harness = await startHarness();
    harness.emulator.faults.inject({ kind: "internal-error" });
    const error = await runThroughSdk(harness.client, newSessionId(), "true").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerException);
  });

  it("cuts a stream after N bytes: the SDK's loop breaks with no contentStop", async () => {
    harness = await startHarness();
    harness.emulator.faults.inject({ kind: "cut-stream", afterBytes: 100_000 });
    const error = await runThroughSdk(
      harness.client,
      newSessionId(),
      "head -c 1000000 /dev/zero | tr '\\0' x",
      30,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/aborted|ECONNRESET|socket hang up|Truncated/i);
  });

  it("ends a stream without contentStop: the loop simply ends", async () => {
    harness = await startHarness();
    harness.emulator.faults.inject({ kind: "no-content-stop" });
    const result = await runThroughSdk(harness.client, newSessionId(), "echo looks-fine");
    expect(result.stdout).toBe("looks-fine\n");
    expect(result.stop).toBeUndefined();
  });

  it("sends an in-stream exception: the SDK throws its modelled class from the loop", async () => {
    harness = await startHarness();
    harness.emulator.faults.inject({
      kind: "stream-exception",
      exceptionType: "throttlingException",
      message: "Rate exceeded mid-stream",
      afterBytes: 1,
    });
    const error = await runThroughSdk(
      harness.client,
      newSessionId(),
      "echo partial; sleep 1; echo never",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as Error).message).toBe("Rate exceeded mid-stream");
  });

  it("accepts faults over the control route, scoped to one session", async () => {
    harness = await startHarness();
    const target = newSessionId();
    const response = await fetch(`${harness.emulator.endpoint}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "throttle", count: 2, sessionId: target }),
    });
    expect(response.status).toBe(201);
    const bystander = await runThroughSdk(harness.client, newSessionId(), "echo unaffected");
    const first = await runThroughSdk(harness.client, target, "true").catch((e: unknown) => e);
    const second = await runThroughSdk(harness.client, target, "true").catch((e: unknown) => e);
    const third = await runThroughSdk(harness.client, target, "echo through");

    expect(bystander.stdout).toBe("unaffected\n");
    expect(first).toBeInstanceOf(ThrottlingException);
    expect(second).toBeInstanceOf(ThrottlingException);
    expect(third.stdout).toBe("through\n");
  });

  it("refuses a malformed fault with a clear message", async () => {
    harness = await startHarness();
    const response = await fetch(`${harness.emulator.endpoint}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "meteor" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("kind");
  });
});
