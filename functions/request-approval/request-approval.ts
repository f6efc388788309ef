import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { SESSION_ID_MAX, SESSION_ID_MIN } from "../lib/agentcore-client.ts";
import { approvalIdFor } from "../lib/approvals/approval-id.ts";
import { approvalLinks } from "../lib/approvals/approval-link.ts";
import {
  type ApprovalRecord,
  type ApprovalStore,
  COMMAND_CLASSES,
} from "../lib/approvals/approval-record.ts";
import type { AuditLog } from "../lib/approvals/audit-log.ts";
import { createDecisionToken, newTokenNonce } from "../lib/approvals/decision-token.ts";
import { type ApprovalNotifier, approvalNotice } from "../lib/approvals/notifier.ts";
import type { SigningKeyProvider } from "../lib/approvals/signing-key.ts";
import type { ArtifactStore } from "../lib/artifact-store.ts";
import { commandHash } from "../lib/command-hash.ts";
import { COMMAND_MAX_BYTES } from "../lib/command-runner.ts";
import { PlatformError, ValidationFailedError } from "../lib/errors.ts";
import { appendLedger, LEDGER_COMMAND_MAX } from "../lib/ledger.ts";
import { logger, metrics } from "../lib/observability.ts";
import { redactBounded } from "../lib/redaction.ts";
import { executionNameSchema, iterationSchema } from "../lib/task-input.ts";

/**
 * "Wait for approval" (lambda:invoke.waitForTaskToken) calls this with the task token and the held command. It
 * stores the approval (bound to execution, session and the command's SHA-256; single use; expiring), signs the
 * decision token, sends the person the link, and returns; the execution then waits until the approval API
 * answers the task. The task token goes into the approval record only; the decision token only into the link.
 */

const REASON_MAX = 1000;
/** The longest task token Step Functions issues (SendTaskSuccess's taskToken: 1-2048 characters). */
export const TASK_TOKEN_MAX = 2048;

export const requestApprovalInputSchema = z.looseObject({
  /** Step Functions task tokens are up to 2048 characters. */
  taskToken: z.string().min(1).max(TASK_TOKEN_MAX),
  request: z.looseObject({
    sessionId: z.string().min(SESSION_ID_MIN).max(SESSION_ID_MAX),
    runtimeArn: z.string().min(1).max(2048),
    repoName: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
    requestedBy: z.string().min(1).max(200).optional(),
  }),
  command: z.looseObject({
    command: z
      .string()
      .min(1)
      .refine(
        (text) => Buffer.byteLength(text, "utf8") <= COMMAND_MAX_BYTES,
        `is longer than ${COMMAND_MAX_BYTES} bytes`,
      ),
    commandHash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (sha256)"),
    classes: z.array(z.enum(COMMAND_CLASSES)).max(COMMAND_CLASSES.length),
    reasons: z.array(z.string()).max(50),
  }),
  iteration: iterationSchema,
  executionName: executionNameSchema,
});

export type RequestApprovalInput = z.infer<typeof requestApprovalInputSchema>;

export interface RequestApprovalDependencies {
  readonly store: ApprovalStore;
  readonly audit: AuditLog;
  readonly signingKey: SigningKeyProvider;
  readonly notifier: ApprovalNotifier;
  /** Where the approval API is reached (no trailing slash). */
  readonly baseUrl: string;
  /** How long the person has to decide. */
  readonly ttlSeconds: number;
  readonly now: () => Date;
  /** The execution's ledger; when present, an approval "requested" line is appended. */
  readonly ledger?: ArtifactStore;
}

/** The task's result (Step Functions ignores it while the task waits for its token). */
export interface ApprovalRequested {
  readonly approvalId: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

export async function requestApproval(
  deps: RequestApprovalDependencies,
  input: RequestApprovalInput,
): Promise<ApprovalRequested> {
  if (commandHash(input.command.command) !== input.command.commandHash) {
    throw new ValidationFailedError([
      {
        field: "command.commandHash",
        problem: "is not the SHA-256 of command.command; the review is inconsistent",
      },
    ]);
  }
  const key = await deps.signingKey();
  const approvalId = approvalIdFor(key, input.taskToken);
  const now = deps.now();
  const fresh: ApprovalRecord = {
    approvalId,
    executionName: input.executionName,
    sessionId: input.request.sessionId,
    runtimeArn: input.request.runtimeArn,
    repoName: input.request.repoName,
    iteration: input.iteration,
    command: input.command.command,
    commandHash: input.command.commandHash,
    classes: input.command.classes,
    reasons: input.command.reasons.map((reason) => redactBounded(reason, REASON_MAX)),
    requester: input.request.requestedBy ?? `execution:${input.executionName}`,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + deps.ttlSeconds,
    status: "pending",
    taskToken: input.taskToken,
    tokenNonce: newTokenNonce(),
  };

  // The id is derived from the task token: a repeated invocation for the same waiting task finds its record and
  // sends the same link again instead of creating a second approval.
  const created = await deps.store.create(fresh);
  const record = created ? fresh : await deps.store.get(approvalId);
  if (
    record === undefined ||
    record.commandHash !== fresh.commandHash ||
    record.executionName !== fresh.executionName
  ) {
    throw new PlatformError(
      `approval ${approvalId} exists for another command or execution; refusing to reuse it`,
      {
        approvalId,
      },
    );
  }

  await deps.audit.append({
    at: now.toISOString(),
    actor: record.requester,
    outcome: "requested",
    approvalId,
    executionName: record.executionName,
    sessionId: record.sessionId,
    commandHash: record.commandHash,
    ...(created ? {} : { reason: "repeated request for the same task: notification sent again" }),
  });

  const token = createDecisionToken(key, {
    approvalId,
    commandHash: record.commandHash,
    expiresAt: record.expiresAt,
    nonce: record.tokenNonce,
  });
  const expiresAt = new Date(record.expiresAt * 1000).toISOString();
  if (deps.ledger && created) {
    await appendLedger(deps.ledger, record.executionName, {
      kind: "approval",
      at: record.createdAt,
      iteration: record.iteration,
      commandHash: record.commandHash,
      command: redactBounded(record.command, LEDGER_COMMAND_MAX),
      decision: "requested",
      approvalId,
      expiresAt,
    });
  }
  // Last: a failure above is retried by the state machine with the same task (same approval), and a person is
  // never sent a link for a request whose bookkeeping failed.
  await deps.notifier.notify(approvalNotice(record, approvalLinks(deps.baseUrl, approvalId, token)));
  metrics.addMetric("ApprovalsRequested", MetricUnit.Count, 1);
  logger.info("approval requested", { approvalId, expiresAt, classes: record.classes, repeated: !created });
  return { approvalId, expiresAt };
}
