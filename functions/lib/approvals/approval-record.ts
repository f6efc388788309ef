import { z } from "zod";
import { COMMAND_CLASSES, type CommandClass } from "../contracts.ts";
import { APPROVAL_ID_PATTERN } from "./approval-id.ts";
import { type ChangeReview, changeReviewSchema } from "./change-review.ts";

/**
 * One approval: what a person is asked to allow, bound to the execution, the session and the SHA-256 of the exact
 * command text. It is decided once (pending -> approved | denied | expired, conditionally) and expires.
 * The record holds the Step Functions task token (the approval API needs it to answer the waiting task); the
 * stores keep it, nothing logs it.
 */

type ApprovalStatus = "pending" | "approved" | "denied" | "expired";
type ApprovalDecisionStatus = Exclude<ApprovalStatus, "pending">;

/** Re-exported from the contract (one list for the policy, the approvals and their schemas). */
export { COMMAND_CLASSES };

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly executionName: string;
  readonly sessionId: string;
  readonly runtimeArn: string;
  readonly repoName: string;
  /** The agent iteration that proposed the command. */
  readonly iteration: number;
  /**
   * The exact command text (what the hash is of). For an approval of a diff: a one-line summary of the change, and
   * `commandHash` is the patch's SHA-256 (the hash the approval and its token are bound to).
   */
  readonly command: string;
  readonly commandHash: string;
  /** What is approved. @default "command" (records written before diffs could be approved) */
  readonly kind?: "command" | "change";
  /** For kind "change": the diff as the person reviews it. */
  readonly change?: ChangeReview;
  readonly classes: readonly CommandClass[];
  readonly reasons: readonly string[];
  readonly requester: string;
  /** ISO-8601. */
  readonly createdAt: string;
  /** Epoch seconds: the decision deadline, and DynamoDB's TTL attribute. */
  readonly expiresAt: number;
  readonly status: ApprovalStatus;
  /** Step Functions task token of the waiting "Wait for approval" task. Secret: never logged, never shown. */
  readonly taskToken: string;
  /** The nonce inside this approval's decision token (re-sending the link re-creates the same token). */
  readonly tokenNonce: string;
  readonly decidedBy?: string;
  /** ISO-8601. */
  readonly decidedAt?: string;
  readonly reason?: string;
}

export interface ApprovalDecision {
  readonly status: ApprovalDecisionStatus;
  readonly decidedBy: string;
  /** ISO-8601. */
  readonly decidedAt: string;
  readonly reason?: string;
}

export interface ApprovalStore {
  /** Stores a new record; false (and nothing written) when one with this approvalId exists already. */
  create(record: ApprovalRecord): Promise<boolean>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Moves a pending record to its decision, atomically and once: returns the decided record, or undefined when the
   * record is missing, no longer pending, or (with `unexpiredAt`, epoch seconds) already past its expiry then.
   */
  decide(
    approvalId: string,
    decision: ApprovalDecision,
    unexpiredAt?: number,
  ): Promise<ApprovalRecord | undefined>;
}

/** Longest reason a person may give (it travels in a SendTaskFailure cause and the audit row). */
export const DECISION_REASON_MAX = 1000;

/** What the stores read back: anything else in a table or file is reported, never trusted. */
export const approvalRecordSchema = z.object({
  approvalId: z.string().regex(APPROVAL_ID_PATTERN),
  executionName: z.string().min(1),
  sessionId: z.string().min(1),
  runtimeArn: z.string().min(1),
  repoName: z.string().min(1),
  iteration: z.number().int().min(0),
  command: z.string().min(1),
  commandHash: z.string().regex(/^[0-9a-f]{64}$/),
  kind: z.enum(["command", "change"]).optional(),
  change: changeReviewSchema.optional(),
  classes: z.array(z.enum(COMMAND_CLASSES)),
  reasons: z.array(z.string()),
  requester: z.string().min(1),
  createdAt: z.string(),
  expiresAt: z.number().int().positive(),
  status: z.enum(["pending", "approved", "denied", "expired"]),
  taskToken: z.string().min(1),
  tokenNonce: z.string().min(1),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
});
