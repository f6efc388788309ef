import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ValidationFailedError } from "#lib/errors.ts";
import { type ApprovalHarness, createApprovalHarness, waitForApprovalPayload } from "./approvals-support.ts";

/** request-approval's input as "Wait for approval" sends it: the task token's length limit is Step Functions'. */

let harness: ApprovalHarness;
beforeEach(async () => {
  harness = await createApprovalHarness();
});
afterEach(() => harness.dispose());

describe("request-approval's task token", () => {
  it("accepts a task token of 2048 characters, the longest Step Functions issues", async () => {
    // Prepare
    const taskToken = `AQB${"x".repeat(2045)}`;
    // Act
    const result = await harness.requestApproval(waitForApprovalPayload({ taskToken }));
    // Assess
    expect(result.approvalId).toBeTruthy();
    expect(harness.notices).toHaveLength(1);
    expect((await harness.store.get(result.approvalId))?.taskToken).toBe(taskToken);
  });

  it("refuses a task token longer than 2048 characters, naming the field", async () => {
    // Act
    const error = (await harness
      .requestApproval(waitForApprovalPayload({ taskToken: "y".repeat(2049) }))
      .catch((e: unknown) => e)) as ValidationFailedError;
    // Assess
    expect(error.name).toBe("ValidationFailedError");
    expect(error.fields.map((f) => f.field)).toEqual(["taskToken"]);
    expect(harness.notices).toHaveLength(0);
  });
});
