import { cp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishGitSource } from "../../infra/local/git-source.ts";
import { ROOT } from "../../infra/local/local-stack.ts";
import {
  count,
  reportOf,
  retries,
  sessionOf,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
} from "./workflow-harness.ts";

describe("faults through the whole state machine", () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // One SDK attempt per call, so AgentCore throttling reaches the state machine and its Retry is what recovers.
    process.env.AWS_MAX_ATTEMPTS = "1";
    harness = await startWorkflowHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it("retries a throttled task with the state machine's backoff, then goes on", async () => {
    // Prepare: the next two InvokeAgentRuntimeCommand calls (Prepare the workspace's first) answer 429.
    const input = await harness.request("node-calculator", "npm test");
    harness.stack.emulator.faults.inject({ kind: "throttle", count: 2 });

    // Act
    const result = await harness.stack.run(input, { retryIntervalMs: 10 });

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    expect(retries(result, "Prepare the workspace")).toBe(2);
    const retried = result.events.find((e) => e.type === "StateRetried");
    expect(JSON.stringify(retried)).toContain("ThrottledError");
  });

  it("ends in 'Validation timed out' when validation keeps running past its timeout", async () => {
    const input = await harness.request("node-calculator", "sleep 30", {
      commandTimeoutSeconds: 1,
      maxIterations: 1,
    });

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("ValidationTimedOut");
    expect(count(states, "Run validation")).toBe(2);
    expect(count(states, "Invoke the agent")).toBe(1);
    const report = await reportOf(harness, result);
    expect(JSON.stringify(report)).toContain("TIMED_OUT");
  });

  it("catches an agent failure, writes the report and stops the session, then fails as 'Agent failed'", async () => {
    // Prepare: a repository the sample agent has no recording for: it answers 500, which AgentCore reports as 424.
    const copy = join(harness.dataDir, "unrecorded", "unrecorded-calculator");
    await cp(join(ROOT, "samples/workspaces/node-calculator"), copy, { recursive: true });
    const input = {
      repository: { path: await publishGitSource(copy, harness.dataDir) },
      validationCommand: "npm test",
      requestedBy: "workflow-test",
    };

    // Act
    const result = await harness.stack.run(input);

    // Assess
    const states = statesEntered(result);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("AgentError");
    expect(states.slice(-6)).toEqual([
      "Invoke the agent",
      "Finalize the repair",
      "Release the repository lock",
      "Was the repository repaired?",
      "Which error ended the repair?",
      "Agent failed",
    ]);
    const report = await reportOf(harness, result);
    expect(report.outcome).toBe("failed");
    const session = harness.stack.emulator.sessions.list().find((s) => s.sessionId === sessionOf(result));
    expect(session?.state).toBe("stopped");
  });

  it("retries a transient AgentCore failure of the agent call and completes the repair", async () => {
    const input = await harness.request("python-inventory", "python3 -m unittest");
    harness.stack.emulator.faults.inject({ kind: "internal-error", operation: "invoke", count: 1 });

    const result = await harness.stack.run(input, { retryIntervalMs: 10 });

    expect(result.status).toBe("SUCCEEDED");
    expect(retries(result, "Invoke the agent")).toBe(1);
    expect(JSON.stringify(result.events.find((e) => e.type === "StateRetried"))).toContain("TransientError");
  });
});
