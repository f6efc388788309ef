import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "../../infra/local/approvals/approval-client.ts";
import { startWorkflowHarness, statesEntered, type WorkflowHarness } from "./workflow-harness.ts";

/**
 * Locally the terminal is the person's notification channel: it gets the full link, and the person decides either
 * at the prompt or on the page, whichever comes first; the other one is withdrawn and told.
 */
describe("deciding on the page while the terminal asks", { timeout: 180_000 }, () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // This recorded session fixes the bug, then proposes `git diff --stat` (read-only) and `git push origin HEAD`.
    harness = await startWorkflowHarness({ agentReplay: "node-calculator-push" });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("lets the page win: the open question is withdrawn, the terminal is told, the command runs once", async () => {
    // Prepare: a prompt nobody answers; the person opens the link and approves on the page instead.
    const links: string[] = [];
    const told: string[] = [];
    let withdrawn = false;
    harness.stack.setApprovals({
      mode: "prompt",
      onRequested: (notice) => {
        links.push(notice.link);
        void decide(notice.link, "approve", "approved on the page");
      },
      ask: (_notice, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            withdrawn = true;
            reject(new Error("the page decided first"));
          });
        }),
      onDecidedElsewhere: (_notice, outcome) => void told.push(outcome),
    });
    const input = await harness.request("node-calculator", "npm test");

    // Act
    const result = await harness.stack.run(input);

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    // Two questions, both decided on the page: the push, then the repaired diff before delivery.
    expect(links).toHaveLength(2);
    for (const link of links) expect(new URL(link).searchParams.get("token")).toBeTruthy();
    expect(withdrawn).toBe(true);
    const onThePage = `approved on the page by local:${userInfo().username}`;
    expect(told).toEqual([onThePage, onThePage]);
    const states = statesEntered(result);
    expect(states.filter((state) => state === "Wait for approval")).toHaveLength(1);
    expect(states.filter((state) => state === "Wait for approval of the change")).toHaveLength(1);
  });
});
