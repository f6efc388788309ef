import { setTimeout as sleep } from "node:timers/promises";
import { StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../wait-until.ts";
import {
  clientFor,
  type Harness,
  isAlive,
  newSessionId,
  RUNTIME_ARN,
  runThroughSdk,
  startHarness,
} from "./emulator-harness.ts";

describe("session lifecycle and storage", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("keeps storage across StopRuntimeSession and across an emulator restart", async () => {
    harness = await startHarness();
    const sessionId = newSessionId();
    await runThroughSdk(harness.client, sessionId, "mkdir -p repo && echo kept > repo/state.txt");

    const stopped = await harness.client.send(
      new StopRuntimeSessionCommand({ agentRuntimeArn: RUNTIME_ARN, runtimeSessionId: sessionId }),
    );
    expect(stopped.statusCode).toBe(200);
    expect(stopped.runtimeSessionId).toBe(sessionId);
    const afterStop = await runThroughSdk(harness.client, sessionId, "cat repo/state.txt");

    harness = await harness.restart();
    const afterRestart = await runThroughSdk(harness.client, sessionId, "cat repo/state.txt");

    expect(afterStop.stdout).toBe("kept\n");
    expect(afterRestart.stdout).toBe("kept\n");
  });

  it("isolates sessions from each other", async () => {
    harness = await startHarness();
    const first = newSessionId();
    const second = newSessionId();
    await runThroughSdk(harness.client, first, "echo mine > private.txt");
    const other = await runThroughSdk(harness.client, second, "ls -A; test -e private.txt; echo $?");
    expect(other.stdout).toBe("1\n");
  });

  it("answers 404 for stopping a session that is not running", async () => {
    harness = await startHarness();
    const error = await harness.client
      .send(new StopRuntimeSessionCommand({ agentRuntimeArn: RUNTIME_ARN, runtimeSessionId: newSessionId() }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("ResourceNotFoundException");
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
  });

  it("stop kills running commands and cuts their streams", async () => {
    harness = await startHarness();
    const sessionId = newSessionId();
    const running = runThroughSdk(harness.client, sessionId, "echo $$ > shell.pid; sleep 300", 600).then(
      (r) => ({ stop: r.stop }),
      (e: unknown) => ({ error: (e as Error).message }),
    );
    // Wait until the command has started (the session may still be starting: 409 until it runs).
    const pid = await waitUntil(
      async () => {
        const read = await runThroughSdk(harness!.client, sessionId, "cat shell.pid 2>/dev/null").catch(
          () => undefined,
        );
        return Number(read?.stdout.trim() || "0");
      },
      { what: "the command to write its pid", intervalMs: 50 },
    );
    await harness.client.send(
      new StopRuntimeSessionCommand({ agentRuntimeArn: RUNTIME_ARN, runtimeSessionId: sessionId }),
    );
    const outcome = await running;
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
    expect("stop" in outcome ? outcome.stop : undefined).toBeUndefined();
  });

  it("stops idle sessions (storage kept) and starts them again on the next call", async () => {
    harness = await startHarness({ defaults: { idleTimeoutSeconds: 0.3 } });
    const sessionId = newSessionId();
    await runThroughSdk(harness.client, sessionId, "echo before-idle > note");
    const states = () => harness?.emulator.sessions.list().find((s) => s.sessionId === sessionId)?.state;
    await waitUntil(() => states() === "stopped", { what: "the idle session to stop" });
    expect(states()).toBe("stopped");
    const again = await runThroughSdk(harness.client, sessionId, "cat note");
    expect(again.stdout).toBe("before-idle\n");
  });

  it("stops sessions at their max lifetime even while busy", async () => {
    harness = await startHarness({ defaults: { idleTimeoutSeconds: 0.2, maxLifetimeSeconds: 0.5 } });
    const sessionId = newSessionId();
    const outcome = await runThroughSdk(harness.client, sessionId, "sleep 30", 60).then(
      (r) => r.stop,
      (e: unknown) => (e as Error).name,
    );
    expect(outcome).not.toEqual(expect.objectContaining({ status: "COMPLETED" }));
  });

  it("in strict mode answers 404 for commands on a session that does not exist", async () => {
    harness = await startHarness({ defaults: { strict: true } });
    const error = await runThroughSdk(harness.client, newSessionId(), "true").catch((e: unknown) => e);
    expect((error as Error).name).toBe("ResourceNotFoundException");
  });

  it("caps storage: no file may grow past the quota", async () => {
    harness = await startHarness({ defaults: { storageQuotaBytes: 1024 * 1024 } });
    const sessionId = newSessionId();
    // The first command starts the session; the second goes through the process waiting for it, which must be
    // limited just the same.
    await runThroughSdk(harness.client, sessionId, "true");
    await sleep(300);
    const result = await runThroughSdk(
      harness.client,
      sessionId,
      "head -c 2097152 /dev/zero > big.bin; echo status=$?; stat -c %s big.bin",
    );
    const [status, size] = result.stdout.trim().split("\n");
    expect(status).toBe("status=153"); // 128 + SIGXFSZ: "File size limit exceeded"
    expect(Number(size)).toBeGreaterThan(0);
    expect(Number(size)).toBeLessThanOrEqual(1024 * 1024);
  });

  it("declared runtimes only, when undeclared ones are refused", async () => {
    harness = await startHarness({ acceptUndeclaredRuntimes: false, runtimes: { other_agent: {} } });
    const error = await runThroughSdk(harness.client, newSessionId(), "true").catch((e: unknown) => e);
    expect((error as Error).name).toBe("ResourceNotFoundException");
    expect((error as Error).message).toContain("Runtime");
  });

  it("shares one session between two clients (the session id ties it together)", async () => {
    harness = await startHarness();
    const sessionId = newSessionId();
    const otherClient = clientFor(harness.emulator.endpoint);
    await runThroughSdk(harness.client, sessionId, "echo shared > s.txt");
    const seen = await runThroughSdk(otherClient, sessionId, "cat s.txt");
    otherClient.destroy();
    expect(seen.stdout).toBe("shared\n");
  });
});
