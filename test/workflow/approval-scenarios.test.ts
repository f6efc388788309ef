import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalNotice } from "#lib/approvals/notifier.ts";
import type { ExecutionEvent } from "../../infra/local/runner/runner.ts";
import { waitUntil } from "../wait-until.ts";
import {
  auditRows,
  count,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
} from "./workflow-harness.ts";

type Review = { records: { command: string; disposition: string; exitCode?: number }[] };

describe("a mutating command the agent proposes waits for a person", () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // This recorded session fixes the bug, then proposes `git diff --stat` (read-only) and `git push origin HEAD`.
    harness = await startWorkflowHarness({ agentReplay: "node-calculator-push" });
  });
  afterAll(async () => {
    await harness.close();
  });

  const lastReview = (events: readonly ExecutionEvent[]): Review => {
    const exits = events.filter(
      (e) =>
        e.type === "StateExited" && (e.state as { name: string }).name === "Review the proposed commands",
    );
    const last = exits.at(-1);
    if (!last) throw new Error("Review the proposed commands never exited");
    return (last.state as { output: { review: Review } }).output.review;
  };

  it("holds `git push` until it is approved, and only then runs it", async () => {
    // Prepare: a person who answers only when the test says so.
    let release!: () => void;
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const notices: ApprovalNotice[] = [];
    let asked = 0;
    harness.stack.setApprovals({
      mode: "prompt",
      onRequested: (notice) => void notices.push(notice),
      // The first question (the push) waits for the test; the second (the repaired diff's delivery) is approved.
      ask: async () => {
        asked += 1;
        if (asked === 1) await answered;
        return { approve: true, reason: "looks right" };
      },
    });
    const input = await harness.request("node-calculator", "npm test");
    const seen: string[] = [];

    // Act: start the run, and look at it while it waits.
    const running = harness.stack.run(input, {
      onEvent: (e) => void (e.type === "StateEntered" && seen.push((e.state as { name: string }).name)),
    });
    // Wait on the condition (the execution parked in "Wait for approval" with its notice sent), with a deadline.
    await waitUntil(() => notices.length === 1 && seen.at(-1) === "Wait for approval", {
      what: 'the execution to park in "Wait for approval" with its notice sent',
      timeoutMs: 60_000,
    });
    const whileWaiting = [...seen];
    release();
    const result = await running;

    // Assess: it waited in "Wait for approval" with nothing else happening, then ran the push.
    // Two questions: the push, then (once validation passed) the repaired diff before it is delivered.
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatchObject({ command: "git push origin HEAD", classes: ["vcs-remote"] });
    expect(notices[0]?.link).toContain("token=");
    expect(whileWaiting.at(-1)).toBe("Wait for approval");
    expect(result.status).toBe("SUCCEEDED");
    const states = statesEntered(result);
    expect(count(states, "Wait for approval")).toBe(1);
    expect(count(states, "Wait for approval of the change")).toBe(1);
    expect(count(states, "Review the proposed commands")).toBe(2);
    expect(lastReview(result.events).records.map((r) => [r.command, r.disposition])).toEqual([
      ["git diff --stat", "ran"],
      ["git push origin HEAD", "ran"],
    ]);
    const audit = await auditRows(harness);
    expect(audit.map((row) => row.outcome)).toEqual(
      expect.arrayContaining(["requested", "approved", "command-ran"]),
    );
    expect(audit.find((row) => row.outcome === "approved")).toMatchObject({
      actor: `local:${userInfo().username}`,
    });
    expect(JSON.stringify(audit)).not.toContain(String(new URL(notices[0]!.link).searchParams.get("token")));
  });

  it("records a denied push and does not run it; the repair itself still completes", async () => {
    harness.stack.setApprovals({ mode: "deny" });
    const input = await harness.request("node-calculator", "npm test -- --test-concurrency=1");

    const result = await harness.stack.run(input);

    expect(result.status).toBe("SUCCEEDED");
    expect(count(statesEntered(result), "Wait for approval")).toBe(1);
    expect(lastReview(result.events).records.map((r) => [r.command, r.disposition])).toEqual([
      ["git diff --stat", "ran"],
      ["git push origin HEAD", "denied"],
    ]);
    const audit = await auditRows(harness);
    expect(audit.some((row) => row.outcome === "command-refused")).toBe(true);
    expect(audit.some((row) => row.outcome === "denied")).toBe(true);
  });
});
