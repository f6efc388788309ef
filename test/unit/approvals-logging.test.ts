import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "#lib/observability.ts";
import {
  type ApprovalHarness,
  createApprovalHarness,
  formBody,
  proxyEvent,
  tokenOf,
  waitForApprovalPayload,
} from "./approvals-support.ts";

/**
 * Neither the decision token nor the Step Functions task token may reach a log line, whatever happens: requests,
 * page views, refusals, bad input, failed callbacks. The shared Powertools logger is turned up to DEBUG and
 * everything written to stdout and stderr is captured.
 */

let harness: ApprovalHarness;
let captured: string[];

beforeEach(async () => {
  harness = await createApprovalHarness();
  captured = [];
  const capture = (chunk: unknown) => {
    captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture as typeof process.stdout.write);
  vi.spyOn(process.stderr, "write").mockImplementation(capture as typeof process.stderr.write);
  logger.setLogLevel("DEBUG");
});

afterEach(async () => {
  logger.setLogLevel("SILENT");
  vi.restoreAllMocks();
  await harness.dispose();
});

/** A decision by the person signed in as `decidedBy` (the authorizer's identity; the form has no such field). */
function post(approvalId: string, fields: Record<string, string>) {
  const { decidedBy, ...form } = fields;
  return harness.api(
    proxyEvent({
      method: "POST",
      approvalId,
      body: formBody(form),
      contentType: "application/x-www-form-urlencoded",
      ...(decidedBy === undefined ? {} : { approver: decidedBy }),
    }),
  );
}

describe("secrets stay out of the logs", () => {
  it("never logs the decision token or the task token", async () => {
    // Prepare
    const payload = waitForApprovalPayload({ taskToken: "task-token-SECRET-0123456789abcdefghij" });
    const { approvalId } = await harness.requestApproval(payload);
    const token = tokenOf(harness.notices[0]!.link);
    const [encodedPayload, mac] = token.split(".") as [string, string];
    // Act
    await harness.api(proxyEvent({ method: "GET", approvalId, token }));
    await harness.api(proxyEvent({ method: "GET", approvalId, token: `${token}x` }));
    await post(approvalId, { token: `${token}x`, decision: "approve", decidedBy: "Mallory" });
    await post(approvalId, { token, decision: "sure" });
    harness.callback.failWith = Object.assign(new Error(`Invalid token: ${payload.taskToken}`), {
      name: "InvalidToken",
    });
    await post(approvalId, { token, decision: "approve", decidedBy: "Dana" });
    await post(approvalId, { token, decision: "approve", decidedBy: "Dana" });
    await harness.requestApproval({ ...payload, taskToken: "" }).catch(() => undefined);
    // Assess
    const output = captured.join("");
    expect(output).toContain(approvalId);
    expect(output).toContain("approval decision refused");
    expect(output).not.toContain(token);
    expect(output).not.toContain(encodedPayload);
    expect(output).not.toContain(mac);
    expect(output).not.toContain("task-token-SECRET");
  });
});
