import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  count,
  reportOf,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
  workspaceFile,
} from "./workflow-harness.ts";

describe("repairs through the whole state machine (real handlers, emulator, sample agent)", () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it("repairs on the first try: one agent turn, then validation passes", async () => {
    // Prepare
    const input = await harness.request("node-calculator", "npm test");

    // Act
    const result = await harness.stack.run(input);

    // Assess: the path taken
    const states = statesEntered(result);
    expect(result.status).toBe("SUCCEEDED");
    expect(states.slice(0, 5)).toEqual([
      "Normalize the request",
      "Take the repository lock",
      "Prepare the workspace",
      "Run validation",
      "Is validation still running?",
    ]);
    expect(count(states, "Invoke the agent")).toBe(1);
    expect(count(states, "Run validation")).toBe(2);
    expect(states.slice(-3)).toEqual([
      "Release the repository lock",
      "Was the repository repaired?",
      "Repository repaired",
    ]);
    // ...and what it did
    const output = result.output as {
      request: { sessionId: string };
      report: { outcome: string; iterations: number };
    };
    expect(output.report).toMatchObject({ outcome: "repaired", iterations: 1 });
    const source = await workspaceFile(
      harness,
      output.request.sessionId,
      "node-calculator/src/calculator.js",
    );
    expect(source).toContain("for (let i = 0;");
    const report = await reportOf(harness, result);
    expect(JSON.stringify(report)).toContain("src/calculator.js");
    // The session was stopped by Finalize, so its storage is flushed.
    const session = harness.stack.emulator.sessions
      .list()
      .find((s) => s.sessionId === output.request.sessionId);
    expect(session?.state).toBe("stopped");
  });

  it("resumes after the stop: the same request reuses the session's storage as the agent left it", async () => {
    const input = await harness.request("node-calculator", "npm test");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    const output = result.output as { workspace: { resumed: boolean }; report: { iterations: number } };
    expect(result.status).toBe("SUCCEEDED");
    expect(output.workspace.resumed).toBe(true);
    expect(count(states, "Invoke the agent")).toBe(0);
    expect(output.report.iterations).toBe(0);
  });

  it("repairs after two iterations when the first fix uncovers a second failure", async () => {
    const input = await harness.request("python-inventory", "python3 -m unittest");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(result.status).toBe("SUCCEEDED");
    expect(count(states, "Invoke the agent")).toBe(2);
    expect(count(states, "Run validation")).toBe(3);
    expect((result.output as { report: { iterations: number } }).report.iterations).toBe(2);
  });

  it("ends in the named Fail 'Iterations exhausted' when the iterations run out, after writing the report", async () => {
    // A different command makes it a different request (and session) from the repaired one above.
    const input = await harness.request("python-inventory", "python3 -m unittest -v", { maxIterations: 1 });

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("IterationsExhausted");
    expect(count(states, "Invoke the agent")).toBe(1);
    expect(states).toContain("Finalize the repair");
    expect(states.at(-1)).toBe("Iterations exhausted");
    expect((await reportOf(harness, result)).outcome).toBe("not-repaired");
  });

  it("refuses to run the same repository and revision twice at once", async () => {
    const input = await harness.request("node-calculator", "npm test -- --test-reporter=spec");

    const [first, second] = await Promise.all([harness.stack.run(input), harness.stack.run(input)]);

    const outcomes = [first, second].map((r) => r.error ?? r.status).sort();
    expect(outcomes).toEqual(["RepairAlreadyRunning", "SUCCEEDED"]);
    const blocked = first.status === "FAILED" ? first : second;
    expect(statesEntered(blocked)).toEqual([
      "Normalize the request",
      "Take the repository lock",
      "Repair already running",
    ]);
  });

  it("rejects a bad request with a named Fail, naming the field, before any session exists", async () => {
    const input = {
      repository: { path: "/tmp/x" },
      validationCommand: "npm test",
      limits: { commandTimeoutSeconds: 7200 },
    };

    const result = await harness.stack.run(input);

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("ValidationFailedError");
    expect(statesEntered(result)).toEqual(["Normalize the request", "Request rejected"]);
    const failure = result.events.find((e) => e.type === "StateFailed" || e.type === "StateCaught");
    expect(JSON.stringify(failure ?? result.events)).toContain("commandTimeoutSeconds");
  });
});
