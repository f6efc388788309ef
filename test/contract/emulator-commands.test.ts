import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../wait-until.ts";
import { type Harness, isAlive, newSessionId, runThroughSdk, startHarness } from "./emulator-harness.ts";

describe("InvokeAgentRuntimeCommand through the real SDK", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ defaults: { environment: { RUNTIME_FLAG: "from-runtime-config" } } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("streams contentStart, stdout and stderr, then contentStop with the exit code", async () => {
    // Prepare
    const sessionId = newSessionId();

    // Act
    const result = await runThroughSdk(harness.client, sessionId, "echo out; echo err >&2; exit 3");

    // Assess
    expect(result.events[0]).toEqual({ chunk: { contentStart: {} } });
    expect(result.stdout).toBe("out\n");
    expect(result.stderr).toBe("err\n");
    expect(result.stop).toEqual({ exitCode: 3, status: "COMPLETED" });
    expect(result.events.at(-1)).toEqual({ chunk: { contentStop: { exitCode: 3, status: "COMPLETED" } } });
    expect(result.response.runtimeSessionId).toBe(sessionId);
    expect(result.response.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.response.contentType).toBe("application/vnd.amazon.eventstream");
  });

  it("runs in session storage at the mount path, really mounted there", async () => {
    const result = await runThroughSdk(
      harness.client,
      newSessionId(),
      "pwd; findmnt -n -o TARGET /mnt/workspace",
    );
    expect(result.stdout).toBe("/mnt/workspace\n/mnt/workspace\n");
  });

  it("splits large output into events of at most 64 KB without breaking characters", async () => {
    // 3 MiB of ASCII plus multi-byte characters that land on every possible boundary.
    const command =
      "head -c 3145728 /dev/zero | tr '\\0' 'a'; for i in $(seq 1 40000); do printf 'é€😀'; done";
    const result = await runThroughSdk(harness.client, newSessionId(), command, 60);

    expect(result.stop).toEqual({ exitCode: 0, status: "COMPLETED" });
    expect(Math.max(...result.deltaSizes)).toBeLessThanOrEqual(65_536);
    expect(result.deltaSizes.length).toBeGreaterThan(3_145_728 / 65_536);
    expect(result.stdout.length).toBe(3_145_728 + 40_000 * 4);
    expect(result.stdout.endsWith("é€😀".repeat(3))).toBe(true);
    expect(result.stdout.includes("\uFFFD")).toBe(false);
  });

  it("reports TIMED_OUT and kills the whole process group", async () => {
    // Prepare: the command starts a background child in its group, then blocks.
    const sessionId = newSessionId();
    const command = "sleep 300 & echo $! > child.pid; sleep 300";

    // Act
    const result = await runThroughSdk(harness.client, sessionId, command, 1);

    // Assess
    expect(result.stop).toEqual({ exitCode: 137, status: "TIMED_OUT" });
    const session = harness.emulator.sessions.list().find((s) => s.sessionId === sessionId);
    const childPid = Number(await readFile(`${session?.storage.dir}/child.pid`, "utf8"));
    await waitUntil(() => !isAlive(childPid), { what: "the background child to be killed with its group" });
    expect(isAlive(childPid)).toBe(false);
  });

  it("kills the command when the client disconnects", async () => {
    const sessionId = newSessionId();
    const controller = new AbortController();
    const pending = runThroughSdk(
      harness.client,
      sessionId,
      "echo $$ > shell.pid; echo started; sleep 300",
      600,
      {
        abortSignal: controller.signal,
      },
    );
    const pidText = await waitUntil(
      () =>
        readFile(
          `${harness.emulator.sessions.list().find((s) => s.sessionId === sessionId)?.storage.dir}/shell.pid`,
          "utf8",
        ).catch(() => ""),
      { what: "the command to write its pid" },
    );
    controller.abort();
    await expect(pending).rejects.toThrow();
    const pid = Number(pidText);
    await waitUntil(() => !isAlive(pid), { what: "the disconnected command to be killed" });
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("gives every command a fresh bash: environment changes never carry over", async () => {
    const sessionId = newSessionId();
    await runThroughSdk(harness.client, sessionId, "export CARRIED=yes; cd /tmp; alias ll=ls");
    const second = await runThroughSdk(
      harness.client,
      sessionId,
      'echo "${CARRIED:-unset} $(pwd) ${RUNTIME_FLAG}"',
    );
    expect(second.stdout).toBe("unset /mnt/workspace from-runtime-config\n");
  });

  it("has no stdin and does not leak the emulator's own environment", async () => {
    process.env.EMULATOR_HOST_SECRET = "must-not-leak";
    const result = await runThroughSdk(
      harness.client,
      newSessionId(),
      'cat; echo "[${EMULATOR_HOST_SECRET:-absent}]"',
    );
    delete process.env.EMULATOR_HOST_SECRET;
    expect(result.stdout).toBe("[absent]\n");
  });
});
