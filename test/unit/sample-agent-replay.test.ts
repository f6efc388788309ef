// The sample agent in its default mode: recorded sessions replayed through the real tool loop, repairing temporary
// copies of the sample workspaces for real; the repaired projects' own tests are then run for real.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  copySampleWorkspace,
  invocationFor,
  invokeAgent,
  parseReply,
  parseServerSentEvents,
  type RunningAgent,
  runCommand,
  startAgent,
  type TempWorkspace,
} from "./sample-agent-harness.ts";

describe("sample agent, replay mode", () => {
  let agent: RunningAgent;
  const workspaces: TempWorkspace[] = [];

  async function workspace(name: string): Promise<TempWorkspace> {
    const copy = await copySampleWorkspace(name);
    workspaces.push(copy);
    return copy;
  }

  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(async () => {
    await agent.stop();
  });
  afterEach(async () => {
    await Promise.all(workspaces.splice(0).map((copy) => copy.cleanup()));
  });

  it("says at start-up that it replays recorded sessions", () => {
    // Assess
    const listening = agent.logs.find((entry) => entry.message === "sample agent listening");
    expect(listening).toMatchObject({ model: "replay", replay: "(the invocation's repoName)" });
  });

  it("repairs node-calculator in one iteration: the file really changes and npm test goes from failing to passing", async () => {
    // Prepare
    const copy = await workspace("node-calculator");
    const before = await runCommand("npm", ["test"], copy.path);
    expect(before.exitCode).not.toBe(0);
    expect(before.output).toContain("total sums every amount");

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.contentType).toContain("application/json");
    const body = parseReply(reply);
    expect(Object.keys(body).sort()).toEqual(["changedFiles", "proposedCommands", "summary"]);
    expect(body.changedFiles).toEqual(["src/calculator.js"]);
    expect(body.proposedCommands).toEqual([]);
    expect(body.summary).toMatch(
      /^\[model: replay of recorded session "node-calculator", iteration 1 \(not a live model\)\]/,
    );
    const source = await readFile(path.join(copy.path, "src/calculator.js"), "utf8");
    expect(source).toContain("for (let i = 0; i < amounts.length; i++)");
    const after = await runCommand("npm", ["test"], copy.path);
    expect(after.output).toContain("# fail 0");
    expect(after.exitCode).toBe(0);
  });

  it("repairs python-inventory in two iterations: the first leaves a failure the second fixes", async () => {
    // Prepare
    const copy = await workspace("python-inventory");
    const request = { validationCommand: "python3 -m unittest" };
    const before = await runCommand("python3", ["-m", "unittest"], copy.path);
    expect(before.exitCode).not.toBe(0);
    expect(before.output).toContain("cannot import name 'discounted_price'");

    // Act: iteration 1
    const first = await invokeAgent(agent, invocationFor(copy.path, "python-inventory", 1, request));
    const between = await runCommand("python3", ["-m", "unittest"], copy.path);

    // Assess: the import is fixed, the arithmetic still fails
    expect(first.status).toBe(200);
    expect(parseReply(first).changedFiles).toEqual(["inventory/stock.py"]);
    expect(between.exitCode).not.toBe(0);
    expect(between.output).not.toContain("ImportError");
    expect(between.output).toContain("FAIL: test_total_value_with_discount");

    // Act: iteration 2, told what iteration 1 did
    const second = await invokeAgent(
      agent,
      invocationFor(copy.path, "python-inventory", 2, {
        ...request,
        previousAttempts: [{ summary: parseReply(first).summary, commands: [] }],
      }),
    );
    const after = await runCommand("python3", ["-m", "unittest"], copy.path);

    // Assess
    expect(second.status).toBe(200);
    expect(parseReply(second).changedFiles).toEqual(["inventory/pricing.py"]);
    expect(parseReply(second).summary).toContain("iteration 2");
    expect(after.output).toContain("OK");
    expect(after.exitCode).toBe(0);
  });

  it("refuses an iteration the recording does not hold, with a 500 naming the iterations it has", async () => {
    // Prepare
    const copy = await workspace("node-calculator");

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 2));

    // Assess
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toEqual({
      error: "ReplayNotFoundError",
      message: expect.stringContaining("has no iteration 2; it holds iteration(s) 1"),
    });
  });

  it("reports a replay mismatch as an error and writes nothing when the workspace differs from the recording", async () => {
    // Prepare: someone already changed the file the recording read
    const copy = await workspace("node-calculator");
    const file = path.join(copy.path, "src/calculator.js");
    const edited = `${await readFile(file, "utf8")}// edited after the recording\n`;
    await writeFile(file, edited);

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(500);
    const body = JSON.parse(reply.text) as { error: string; message: string };
    expect(body.error).toBe("ReplayDivergedError");
    expect(body.message).toContain('read_file "src/calculator.js" returned content with sha256');
    expect(body.message).toContain("the recording saw");
    expect(await readFile(file, "utf8")).toBe(edited);
  });

  it("has no recording for an unknown repository and says where it looked", async () => {
    // Prepare
    const copy = await workspace("node-calculator");

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "some-other-repo", 1));

    // Assess
    expect(reply.status).toBe(500);
    const body = JSON.parse(reply.text) as { error: string; message: string };
    expect(body.error).toBe("ReplayNotFoundError");
    expect(body.message).toContain(`${path.join("replays", "some-other-repo.json")} does not exist`);
  });

  it("streams progress as Server-Sent Events and ends with the reply as the result event", async () => {
    // Prepare
    const copy = await workspace("node-calculator");

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1), {
      accept: "text/event-stream",
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.contentType).toContain("text/event-stream");
    const events = parseServerSentEvents(reply.text);
    expect(events.slice(0, -1).every((event) => event.event === "progress")).toBe(true);
    expect(events[0]?.data).toMatchObject({ stage: "started", model: "replay", repoName: "node-calculator" });
    expect(events.map((event) => event.data)).toContainEqual({
      stage: "tool",
      turn: 3,
      tool: "write_file",
      path: "src/calculator.js",
      ok: true,
    });
    const last = events.at(-1);
    expect(last?.event).toBe("result");
    expect(last?.data).toMatchObject({ changedFiles: ["src/calculator.js"], proposedCommands: [] });
  });

  it("ends a stream that diverges with an error event instead of a result", async () => {
    // Prepare: the workspace is already repaired, so the recording's first read no longer matches
    const copy = await workspace("node-calculator");
    await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1), {
      accept: "text/event-stream",
    });

    // Assess
    const events = parseServerSentEvents(reply.text);
    expect(events.filter((event) => event.event === "result")).toEqual([]);
    expect(events.at(-1)).toEqual({
      event: "error",
      data: { error: "ReplayDivergedError", message: expect.stringContaining("the recording saw") },
    });
  });
});

describe("sample agent, the approval scenario's recording", () => {
  let agent: RunningAgent;
  let copy: TempWorkspace;

  beforeAll(async () => {
    agent = await startAgent({ AGENT_REPLAY: "node-calculator-push" });
    copy = await copySampleWorkspace("node-calculator");
  });
  afterAll(async () => {
    await agent.stop();
    await copy.cleanup();
  });

  it("repairs the workspace and proposes a read-only command and a git push, without running either", async () => {
    // Act
    const reply = await invokeAgent(agent, invocationFor(copy.path, "node-calculator", 1));

    // Assess
    expect(reply.status).toBe(200);
    const body = parseReply(reply);
    expect(body.summary).toContain('recorded session "node-calculator-push"');
    expect(body.changedFiles).toEqual(["src/calculator.js"]);
    expect(body.proposedCommands).toEqual([
      { command: "git diff --stat", reason: expect.any(String) },
      { command: "git push origin HEAD", reason: expect.stringContaining("Publish") },
    ]);
    const tests = await runCommand("npm", ["test"], copy.path);
    expect(tests.exitCode).toBe(0);
  });

  it("never logs a proposed command's text, only its hash", async () => {
    // Assess
    const finished = await agent.waitForLog((entry) => entry.message === "invocation finished");
    expect(finished.proposedCommandHashes).toHaveLength(2);
    expect(JSON.stringify(agent.logs)).not.toContain("git push origin HEAD");
  });
});
