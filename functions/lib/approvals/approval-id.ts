import { createHmac } from "node:crypto";
import { assertSigningKey } from "./signing-key.ts";

/** 32 lowercase hex characters (128 bits). */
export const APPROVAL_ID_PATTERN = /^[0-9a-f]{32}$/;

const ID_CONTEXT = "agentcore-repair/approval-id/v1\n";

/**
 * The approval's id, derived from the Step Functions task token with the signing key. The same waiting task always
 * gets the same id, so a repeated request-approval invocation finds its record instead of creating a second one;
 * and because it is a keyed hash, the id (which appears in URLs and logs) reveals nothing about the task token.
 */
export function approvalIdFor(key: Uint8Array, taskToken: string): string {
  assertSigningKey(key);
  return createHmac("sha256", key).update(ID_CONTEXT).update(taskToken, "utf8").digest("hex").slice(0, 32);
}

export function isApprovalId(value: unknown): value is string {
  return typeof value === "string" && APPROVAL_ID_PATTERN.test(value);
}
