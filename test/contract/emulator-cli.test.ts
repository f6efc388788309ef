import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, newSessionId, runThroughSdk } from "./emulator-harness.ts";

const root = resolve(import.meta.dirname, "../..");
const cli = [join(root, "node_modules/.bin/tsx"), join(root, "infra/local/cli/emulator.ts")];

function startCli(args: string[]): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(cli[0]!, [cli[1]!, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const firstLine = new Promise<string>((resolveLine, reject) => {
    let buffered = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      buffered += text;
      if (buffered.includes("\n")) resolveLine(buffered.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code} before it was ready`)));
  });
  return { child, firstLine };
}

describe("npm run emulator", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("prints one ready line with the chosen port, serves the SDK, logs commands as JSON without output", async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), "agentcore-cli-"));
    const logFile = join(dataDir, "emulator.log");
    const { child, firstLine } = startCli(["--port", "0", "--data-dir", dataDir, "--log", logFile]);
    cleanups.push(async () => {
      child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    });

    // Act
    const line = await firstLine;
    const endpoint = line.replace("AgentCore emulator listening on ", "");
    const client = clientFor(endpoint);
    const result = await runThroughSdk(client, newSessionId(), "echo secret-output-value");
    client.destroy();
    child.kill("SIGTERM");
    const [exitCode] = await once(child, "exit");

    // Assess
    expect(line).toMatch(/^AgentCore emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(result.stdout).toBe("secret-output-value\n");
    expect(exitCode).toBe(0);
    const entries = (await readFile(logFile, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const command = entries.find((e) => e.message === "InvokeAgentRuntimeCommand");
    expect(command).toMatchObject({ command: "echo secret-output-value", timeout: 300 });
    expect(command?.requestId).toEqual(expect.any(String));
    expect(entries.find((e) => e.message === "command finished")).toMatchObject({
      exitCode: 0,
      status: "COMPLETED",
    });
    expect(JSON.stringify(entries.filter((e) => e.message !== "InvokeAgentRuntimeCommand"))).not.toContain(
      "secret-output-value",
    );
  });

  it("documents every option in --help", async () => {
    const child = spawn(cli[0]!, [cli[1]!, "--help"], { cwd: root });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      text += t;
    });
    await once(child, "exit");
    for (const option of ["--port", "--host", "--data-dir", "--config", "--region", "--log", "--help"]) {
      expect(text).toContain(option);
    }
  });

  it("refuses an invalid config file, naming the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "agentcore-cli-"));
    const config = join(dir, "bad.json");
    await writeFile(config, JSON.stringify({ defaults: { mountPath: "/home/x" } }));
    const child = spawn(cli[0]!, [cli[1]!, "--port", "0", "--data-dir", dir, "--config", config], {
      cwd: root,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    const [code] = await once(child, "exit");
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(stderr).toContain("defaults.mountPath");
    expect(stderr).toContain("/mnt");
  });
});
