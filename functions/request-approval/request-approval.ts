import { createHash } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { SESSION_ID_MAX, SESSION_ID_MIN } from "#lib/agentcore-client.ts";
import { approvalIdFor } from "#lib/approvals/approval-id.ts";
import { approvalLinks } from "#lib/approvals/approval-link.ts";
import { type ApprovalRecord, type ApprovalStore, COMMAND_CLASSES } from "#lib/approvals/approval-record.ts";
import type { AuditLog } from "#lib/approvals/audit-log.ts";
import {
  assertReviewable,
  type ChangeRequest,
  changeRequestSchema,
  inlineDiff,
} from "#lib/approvals/change-review.ts";
import { createDecisionToken, newTokenNonce } from "#lib/approvals/decision-token.ts";
import { type ApprovalNotifier, approvalNotice } from "#lib/approvals/notifier.ts";
import type { SigningKeyProvider } from "#lib/approvals/signing-key.ts";
import { type ArtifactStore, assertArtifactKey } from "#lib/artifact-store.ts";
import { commandHash } from "#lib/command-hash.ts";
import { COMMAND_MAX_BYTES } from "#lib/command-runner.ts";
import { PatchMismatchError, PlatformError, ValidationFailedError } from "#lib/errors.ts";
import { appendLedger, LEDGER_COMMAND_MAX } from "#lib/ledger.ts";
import { logger, metrics } from "#lib/observability.ts";
import { redactBounded } from "#lib/redaction.ts";
import { executionNameSchema, iterationSchema } from "#lib/task-input.ts";

/**
 * "Wait for approval" (lambda:invoke.waitForTaskToken) calls this with the task token and the held command. It
 * stores the approval (bound to execution, session and the command's SHA-256; single use; expiring), signs the
 * decision token, sends the person the link, and returns; the execution then waits until the approval API
 * answers the task. The task token goes into the approval record only; the decision token only into the link.
 */

const REASON_MAX = 1000;
/** The longest task token Step Functions issues (SendTaskSuccess's taskToken: 1-2048 characters). */
const TASK_TOKEN_MAX = 2048;

export const requestApprovalInputSchema = z
  .looseObject({
    /** Step Functions task tokens are up to 2048 characters. */
    taskToken: z.string().min(1).max(TASK_TOKEN_MAX),
    request: z.looseObject({
      sessionId: z.string().min(SESSION_ID_MIN).max(SESSION_ID_MAX),
      runtimeArn: z.string().min(1).max(2048),
      repoName: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
      requestedBy: z.string().min(1).max(200).optional(),
    }),
    command: z
      .looseObject({
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
      })
      .optional(),
    /** An approval of a diff instead of a command (issue 12's contract): exactly one of the two is given. */
    change: changeRequestSchema.optional(),
    iteration: iterationSchema,
    executionName: executionNameSchema,
  })
  .superRefine((input, context) => {
    if ((input.command === undefined) === (input.change === undefined)) {
      context.addIssue({
        code: "custom",
        path: [input.command === undefined ? "command" : "change"],
        message: "exactly one of command and change must be given",
      });
    }
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
  /** Where exported patches are (the same artifact store); needed for approvals of a diff. */
  readonly artifacts?: ArtifactStore;
}

/** The task's result (Step Functions ignores it while the task waits for its token). */
export interface ApprovalRequested {
  readonly approvalId: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

type Subject = Pick<ApprovalRecord, "command" | "commandHash" | "classes" | "reasons" | "kind" | "change">;

function commandSubject(command: NonNullable<RequestApprovalInput["command"]>): Subject {
  if (commandHash(command.command) !== command.commandHash) {
    throw new ValidationFailedError([
      {
        field: "command.commandHash",
        problem: "is not the SHA-256 of command.command; the review is inconsistent",
      },
    ]);
  }
  assertReviewable([{ where: "the command", text: command.command }]);
  return {
    kind: "command",
    command: command.command,
    commandHash: command.commandHash,
    classes: command.classes,
    reasons: command.reasons.map((reason) => redactBounded(reason, REASON_MAX)),
  };
}

/**
 * Reads the exported patch, checks it is the one the workflow names (its SHA-256), and keeps what the page shows.
 * The whole patch must be reviewable, not only its inline part: the full-patch link shows the rest.
 */
async function changeSubject(deps: RequestApprovalDependencies, change: ChangeRequest): Promise<Subject> {
  if (!deps.artifacts) {
    throw new ValidationFailedError([
      {
        field: "ARTIFACT_BUCKET",
        problem: "an approval of a diff needs the artifact store holding the patch",
      },
    ]);
  }
  const key = assertArtifactKey(change.patchKey, "change.patchKey");
  const patch = await deps.artifacts.getText(key);
  if (patch === undefined) {
    throw new PatchMismatchError(`there is no patch at ${key} to approve`, { patchKey: key });
  }
  const actual = createHash("sha256").update(patch, "utf8").digest("hex");
  if (actual !== change.patchSha256) {
    throw new PatchMismatchError(
      `the patch at ${key} has SHA-256 ${actual.slice(0, 12)}…, not ${change.patchSha256.slice(0, 12)}…`,
      { patchKey: key },
    );
  }
  assertReviewable([
    { where: "the diff", text: patch },
    ...change.files.map((file) => ({ where: "a file path", text: `${file.oldPath ?? ""} ${file.path}` })),
    ...change.flags.map((flag) => ({ where: "a flagged path", text: flag.path })),
  ]);
  const { stats } = change;
  return {
    kind: "change",
    command: `${change.purpose === "delivery" ? "Deliver" : "Let validation run"} the change: ${stats.files} file(s), +${stats.insertions} -${stats.deletions}, patch ${change.patchSha256.slice(0, 12)}`,
    commandHash: change.patchSha256,
    classes: [],
    reasons: change.flags
      .slice(0, 50)
      .map((flag) => redactBounded(`${flag.path}: ${flag.reason}`, REASON_MAX)),
    change: {
      purpose: change.purpose,
      patchKey: key,
      patchSha256: change.patchSha256,
      files: change.files.map((file) => ({
        path: file.path,
        status: file.status,
        ...(file.oldPath === undefined ? {} : { oldPath: file.oldPath }),
        binary: file.binary,
        insertions: file.insertions,
        deletions: file.deletions,
        ...(file.surface === undefined ? {} : { surface: file.surface }),
        ...(file.testFile === undefined ? {} : { testFile: file.testFile }),
        ...(file.protected === undefined ? {} : { protected: file.protected }),
      })),
      truncated: change.truncated ?? false,
      stats: { files: stats.files, insertions: stats.insertions, deletions: stats.deletions },
      flags: change.flags.map((flag) => ({ path: flag.path, reason: redactBounded(flag.reason, 500) })),
      ...(change.validation
        ? {
            validation: {
              outcome: change.validation.outcome,
              exitCode: change.validation.exitCode,
              command: change.validation.command,
            },
          }
        : {}),
      diffInline: inlineDiff(patch),
      patchBytes: Buffer.byteLength(patch, "utf8"),
    },
  };
}

export async function requestApproval(
  deps: RequestApprovalDependencies,
  input: RequestApprovalInput,
): Promise<ApprovalRequested> {
  const subject = input.change ? await changeSubject(deps, input.change) : commandSubject(input.command!);
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
    ...subject,
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
