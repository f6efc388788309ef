import { redactBounded } from "../redaction.ts";

/**
 * The audit trail: one row per event of an approval's life and per proposed command run or refused. It answers
 * "who allowed what to run, when, and what came of it" after the fact; Step Functions history and logs hold no
 * tokens and are not meant for that. DynamoDB in AWS (env AUDIT_TABLE), a JSON-lines file locally (env AUDIT_FILE).
 */

export type AuditOutcome =
  /** request-approval stored the approval and notified. */
  | "requested"
  /** A person decided (approval-api). */
  | "approved"
  | "denied"
  /** Nobody decided in time; the waiting task was told. */
  | "expired"
  /** A decision attempt was refused: bad or tampered token. */
  | "refused-forged"
  /** ... the approval was already decided (the token was used before). */
  | "refused-replayed"
  /** ... the approval had expired. */
  | "refused-expired"
  /** ... the token was made for another command text. */
  | "refused-wrong-command"
  /** ... the token was made for another approval. */
  | "refused-wrong-approval"
  /** ... no such approval. */
  | "refused-unknown"
  /** ... nobody was authenticated. */
  | "refused-unauthenticated"
  /** ... the authenticated person is not an approver of this repository. */
  | "refused-not-approver"
  /** The decision is recorded, but Step Functions could not be told (the task ended, or the call failed). */
  | "callback-failed"
  /** review-commands ran a proposed command (allowed by policy, or approved). */
  | "command-ran"
  /** review-commands did not run a proposed command (denied or expired). */
  | "command-refused";

export interface AuditRow {
  /** ISO-8601. */
  readonly at: string;
  /** Who: the approver's authenticated identity, "policy", "request-approval", "approval-api", or the requester. */
  readonly actor: string;
  readonly outcome: AuditOutcome;
  readonly approvalId?: string;
  readonly executionName?: string;
  readonly sessionId?: string;
  readonly commandHash?: string;
  /** For command-ran. */
  readonly exitCode?: number;
  /** Free text (a denial's reason, why a request was refused); redacted and bounded on the way in. */
  readonly reason?: string;
}

export interface AuditLog {
  append(row: AuditRow): Promise<void>;
}

const AUDIT_REASON_MAX = 1000;
const ACTOR_MAX = 200;

/** What every implementation stores: free text redacted and bounded, absent fields left out. */
export function boundedAuditRow(row: AuditRow): AuditRow {
  return {
    at: row.at,
    actor: redactBounded(row.actor, ACTOR_MAX),
    outcome: row.outcome,
    ...(row.approvalId === undefined ? {} : { approvalId: row.approvalId }),
    ...(row.executionName === undefined ? {} : { executionName: row.executionName }),
    ...(row.sessionId === undefined ? {} : { sessionId: row.sessionId }),
    ...(row.commandHash === undefined ? {} : { commandHash: row.commandHash }),
    ...(row.exitCode === undefined ? {} : { exitCode: row.exitCode }),
    ...(row.reason === undefined ? {} : { reason: redactBounded(row.reason, AUDIT_REASON_MAX) }),
  };
}
