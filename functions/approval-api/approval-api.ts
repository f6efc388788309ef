import { createHash } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { isApprovalId } from "#lib/approvals/approval-id.ts";
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from "#lib/approvals/approval-record.ts";
import type { ApproverCheck } from "#lib/approvals/approvers.ts";
import type { AuditLog, AuditOutcome, AuditRow } from "#lib/approvals/audit-log.ts";
import { awsErrorName } from "#lib/approvals/aws-failure.ts";
import { type TokenVerdict, verifyDecisionToken } from "#lib/approvals/decision-token.ts";
import type { SigningKeyProvider } from "#lib/approvals/signing-key.ts";
import {
  type ApprovalDeniedCause,
  type ApprovalExpiredCause,
  type ApprovalGranted,
  isTaskGone,
  type TaskCallback,
} from "#lib/approvals/task-callback.ts";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { bindInvocationKeys, logger, metrics } from "#lib/observability.ts";
import { renderDecisionPage, renderMessagePage } from "./approval-page.ts";
import { type DecisionForm, parseDecisionForm } from "./decision-form.ts";

/**
 * The approval API behind `GET|POST /approvals/{approvalId}`. GET shows what would run and a form; it reads and
 * never writes (mail scanners and link previews follow GET links). POST decides: the token must be ours, made for
 * this approval and this exact command, the approval still pending and unexpired; then the decision is stored
 * conditionally (single use) and only then is the waiting task answered. Every refused POST leaves an audit row.
 * Neither the decision token nor the task token is ever logged or echoed in a page other than the form's own.
 */

export type ApprovalApiRequest =
  | { readonly kind: "show"; readonly approvalId: string | undefined; readonly token: string | undefined }
  | {
      readonly kind: "decide";
      readonly approvalId: string | undefined;
      readonly body: string;
      readonly contentType: string | undefined;
      /** Who is deciding, as the authenticator established it (never a form field); undefined: nobody signed in. */
      readonly approver: string | undefined;
    }
  /** GET /approvals/{id}/patch?token=…: the full patch of an approval of a diff, as text. */
  | { readonly kind: "patch"; readonly approvalId: string | undefined; readonly token: string | undefined }
  | { readonly kind: "method-not-allowed"; readonly method: string };

export interface ApprovalPage {
  readonly statusCode: number;
  readonly html: string;
  /** Set when the body is not an HTML page (the full patch: text/plain). */
  readonly contentType?: string;
  /** Set on 405. */
  readonly allow?: string;
}

export interface ApprovalApiDependencies {
  readonly store: ApprovalStore;
  readonly audit: AuditLog;
  readonly signingKey: SigningKeyProvider;
  readonly taskCallback: TaskCallback;
  readonly now: () => Date;
  /** The deployment's approvers per repository (env APPROVERS). */
  readonly isApprover: ApproverCheck;
  /** Where exported patches are (the full-patch link reads them). */
  readonly artifacts?: ArtifactStore;
}

const SYSTEM_ACTOR = "approval-api";

export async function handleApprovalRequest(
  deps: ApprovalApiDependencies,
  request: ApprovalApiRequest,
): Promise<ApprovalPage> {
  if (request.kind === "method-not-allowed") {
    return {
      statusCode: 405,
      allow: "GET, POST",
      html: renderMessagePage({
        title: "Method not allowed",
        message: "Use the link from your notification.",
      }),
    };
  }
  if (!isApprovalId(request.approvalId)) {
    return page(
      404,
      "No such approval",
      "This address does not name an approval. Use the link you received.",
    );
  }
  if (request.kind === "show") return showApproval(deps, request.approvalId, request.token);
  if (request.kind === "patch") return showPatch(deps, request.approvalId, request.token);
  return decideApproval(deps, request.approvalId, request.body, request.contentType, request.approver);
}

function page(statusCode: number, title: string, message: string, record?: ApprovalRecord): ApprovalPage {
  return { statusCode, html: renderMessagePage({ title, message, ...(record ? { record } : {}) }) };
}

function bindRecordKeys(record: ApprovalRecord): void {
  bindInvocationKeys({
    executionName: record.executionName,
    sessionId: record.sessionId,
    commandHash: record.commandHash,
  });
}

interface Checked {
  readonly record: ApprovalRecord;
  readonly expired: boolean;
}

/** A refusal decided before anything changed: its status, page, and the audit outcome a POST records. */
interface Refusal {
  readonly outcome: AuditOutcome;
  readonly page: ApprovalPage;
  readonly record?: ApprovalRecord;
}

/**
 * The checks GET and POST share, in the order that tells a forger least: the mac and binding first (before
 * saying whether the approval exists), then existence, then state, then time.
 */
async function checkToken(
  deps: ApprovalApiDependencies,
  approvalId: string,
  token: string,
  now: Date,
): Promise<Checked | Refusal> {
  const key = await deps.signingKey();
  const record = await deps.store.get(approvalId);
  if (record) bindRecordKeys(record);
  const verdict: TokenVerdict = verifyDecisionToken(key, token, {
    approvalId,
    ...(record ? { commandHash: record.commandHash } : {}),
    now,
  });
  if (!verdict.ok && verdict.reason === "forged") {
    return refusal(
      "refused-forged",
      403,
      "Link not valid",
      "This link is not valid: it was altered or not issued by us.",
      record,
    );
  }
  if (!verdict.ok && verdict.reason === "wrong-approval") {
    return refusal(
      "refused-wrong-approval",
      403,
      "Link not valid",
      "This link was issued for another approval.",
      record,
    );
  }
  if (!verdict.ok && verdict.reason === "wrong-command") {
    return refusal(
      "refused-wrong-command",
      403,
      "Link not valid for this command",
      "This link was issued for a different command text than the one waiting here. Nothing was decided.",
      record,
    );
  }
  if (!record) {
    return refusal("refused-unknown", 404, "No such approval", "This approval does not exist (any more).");
  }
  if (verdict.claims?.nonce !== record.tokenNonce) {
    return refusal(
      "refused-forged",
      403,
      "Link not valid",
      "This link was not issued for this approval.",
      record,
    );
  }
  if (record.status === "expired") {
    return refusal(
      "refused-expired",
      410,
      "Approval expired",
      "Nobody decided before the approval expired; the command was not run.",
      record,
    );
  }
  if (record.status !== "pending") {
    return refusal(
      "refused-replayed",
      409,
      "Already decided",
      `This approval was already ${record.status}${record.decidedBy ? ` by ${record.decidedBy}` : ""}${
        record.decidedAt ? ` at ${record.decidedAt}` : ""
      }. A decision can be made once.`,
      record,
    );
  }
  const expired = !verdict.ok || record.expiresAt <= Math.floor(now.getTime() / 1000);
  return { record, expired };
}

function refusal(
  outcome: AuditOutcome,
  statusCode: number,
  title: string,
  message: string,
  record?: ApprovalRecord,
): Refusal {
  // A refused page shows the approval only when the link was genuinely for it (the viewer could see it anyway).
  const showRecord =
    record !== undefined && (outcome === "refused-replayed" || outcome === "refused-expired");
  return {
    outcome,
    page: page(statusCode, title, message, showRecord ? record : undefined),
    ...(record ? { record } : {}),
  };
}

function isRefusal(value: Checked | Refusal): value is Refusal {
  return "outcome" in value;
}

const EXPIRED_PAGE = (record: ApprovalRecord): ApprovalPage =>
  page(
    410,
    "Approval expired",
    "Nobody decided before the approval expired; the command was not run.",
    record,
  );

async function showApproval(
  deps: ApprovalApiDependencies,
  approvalId: string,
  token: string | undefined,
): Promise<ApprovalPage> {
  if (!token) {
    return page(
      400,
      "Link incomplete",
      "This page needs the full link from your notification (it carries a signed, single-use token).",
    );
  }
  const checked = await checkToken(deps, approvalId, token, deps.now());
  if (isRefusal(checked)) {
    // Read-only: a refused GET is logged, not audited (scanners and previews would flood the trail).
    logger.warn("approval page refused", { approvalId, outcome: checked.outcome });
    return checked.page;
  }
  if (checked.expired) return EXPIRED_PAGE(checked.record);
  return { statusCode: 200, html: renderDecisionPage({ record: checked.record, token }) };
}

/**
 * The whole patch of an approval of a diff, for the page's "full patch" link: the same token checks as the page,
 * and the bytes re-checked against the bound SHA-256 (what is shown is exactly what is approved).
 */
async function showPatch(
  deps: ApprovalApiDependencies,
  approvalId: string,
  token: string | undefined,
): Promise<ApprovalPage> {
  if (!token) {
    return page(400, "Link incomplete", "This link needs the token of the approval page it came from.");
  }
  const checked = await checkToken(deps, approvalId, token, deps.now());
  if (isRefusal(checked)) return checked.page;
  const { record } = checked;
  if (!record.change || !deps.artifacts) {
    return page(
      404,
      "No patch",
      "This approval is not for a diff, or the patch store is not configured here.",
    );
  }
  const patch = await deps.artifacts.getText(record.change.patchKey);
  const actual = patch === undefined ? "" : createHash("sha256").update(patch, "utf8").digest("hex");
  if (patch === undefined || actual !== record.change.patchSha256) {
    return page(
      409,
      "The patch changed",
      "The stored patch is no longer the one this approval is for. Do not approve; nothing will be delivered from it.",
    );
  }
  return { statusCode: 200, html: patch, contentType: "text/plain; charset=utf-8" };
}

async function decideApproval(
  deps: ApprovalApiDependencies,
  approvalId: string,
  body: string,
  contentType: string | undefined,
  approver: string | undefined,
): Promise<ApprovalPage> {
  let form: DecisionForm;
  try {
    form = parseDecisionForm(body, contentType);
  } catch (error) {
    if (!(error instanceof ValidationFailedError)) throw error;
    return {
      statusCode: 400,
      html: renderMessagePage({
        title: "Decision not understood",
        message: "Nothing was decided. Go back and check:",
        items: error.fields.map((field) => `${field.field}: ${field.problem}`),
      }),
    };
  }
  const now = deps.now();
  const actor = approver ?? "unauthenticated";
  const checked = await checkToken(deps, approvalId, form.token, now);
  if (isRefusal(checked)) {
    await refuse(deps, approvalId, form, actor, checked, now);
    return checked.page;
  }
  const { record } = checked;
  // Who decides is what the authenticator says, checked against the deployment's approvers of this repository.
  if (approver === undefined || !deps.isApprover(record.repoName, approver)) {
    const refused: Refusal =
      approver === undefined
        ? {
            outcome: "refused-unauthenticated",
            page: page(
              401,
              "Sign in to decide",
              "Nobody is signed in: a decision needs an authenticated approver.",
            ),
            record,
          }
        : {
            outcome: "refused-not-approver",
            page: page(
              403,
              "Not an approver",
              `${approver} is not an approver of ${record.repoName}. Nothing was decided.`,
            ),
            record,
          };
    await refuse(deps, approvalId, form, actor, refused, now);
    return refused.page;
  }
  if (checked.expired) return expireAndRefuse(deps, record, form, actor, now);

  const decision: ApprovalDecision = {
    status: form.decision === "approve" ? "approved" : "denied",
    decidedBy: approver,
    decidedAt: now.toISOString(),
    ...(form.reason ? { reason: form.reason } : {}),
  };
  const decided = await deps.store.decide(approvalId, decision, Math.floor(now.getTime() / 1000));
  if (!decided) {
    // Someone else won the race, or the deadline passed between the read and the write.
    const latest = await deps.store.get(approvalId);
    if (latest?.status === "pending") return expireAndRefuse(deps, latest, form, actor, now);
    const lost: Refusal = {
      outcome: "refused-replayed",
      page: page(
        409,
        "Already decided",
        "This approval was decided a moment ago. A decision can be made once.",
        latest,
      ),
      ...(latest ? { record: latest } : {}),
    };
    await refuse(deps, approvalId, form, actor, lost, now);
    return lost.page;
  }
  return deliver(deps, decided);
}

async function refuse(
  deps: ApprovalApiDependencies,
  approvalId: string,
  form: DecisionForm,
  actor: string,
  refused: Refusal,
  now: Date,
): Promise<void> {
  logger.warn("approval decision refused", { approvalId, outcome: refused.outcome });
  metrics.addMetric("ApprovalDecisionsRefused", MetricUnit.Count, 1);
  await appendAudit(deps, {
    at: now.toISOString(),
    actor,
    outcome: refused.outcome,
    approvalId,
    ...recordKeys(refused.record),
    reason: `${form.decision} refused`,
  });
}

function recordKeys(
  record: ApprovalRecord | undefined,
): Pick<AuditRow, "executionName" | "sessionId" | "commandHash"> {
  return record
    ? { executionName: record.executionName, sessionId: record.sessionId, commandHash: record.commandHash }
    : {};
}

/** Moves a pending, overdue approval to expired (once) and tells the waiting task, then refuses the attempt. */
async function expireAndRefuse(
  deps: ApprovalApiDependencies,
  record: ApprovalRecord,
  form: DecisionForm,
  actor: string,
  now: Date,
): Promise<ApprovalPage> {
  const expiresAt = new Date(record.expiresAt * 1000).toISOString();
  const reason = `nobody decided before ${expiresAt}`;
  const expired = await deps.store.decide(record.approvalId, {
    status: "expired",
    decidedBy: SYSTEM_ACTOR,
    decidedAt: now.toISOString(),
    reason,
  });
  if (expired) {
    const cause: ApprovalExpiredCause = {
      approvalId: record.approvalId,
      commandHash: record.commandHash,
      reason,
      expiresAt,
    };
    const delivered = await callBack(deps, expired, () =>
      deps.taskCallback.sendTaskFailure(record.taskToken, "ApprovalExpiredError", JSON.stringify(cause)),
    );
    await appendAudit(deps, {
      at: now.toISOString(),
      actor: SYSTEM_ACTOR,
      outcome: "expired",
      approvalId: record.approvalId,
      ...recordKeys(record),
      reason: delivered.ok
        ? reason
        : `${reason}; the waiting task could not be told (${delivered.errorName})`,
    });
  }
  const refused: Refusal = { outcome: "refused-expired", page: EXPIRED_PAGE(record), record };
  await refuse(deps, record.approvalId, form, actor, refused, now);
  return refused.page;
}

type Delivery =
  | { readonly ok: true }
  | { readonly ok: false; readonly gone: boolean; readonly errorName: string };

/** Calls the task back; a failure is reported by name only (Step Functions' messages may quote the task token). */
async function callBack(
  deps: ApprovalApiDependencies,
  record: ApprovalRecord,
  send: () => Promise<void> | void,
): Promise<Delivery> {
  try {
    await send();
    return { ok: true };
  } catch (error) {
    const errorName = awsErrorName(error);
    const gone = isTaskGone(error);
    logger.warn("the waiting task could not be told", { approvalId: record.approvalId, errorName, gone });
    await appendAudit(deps, {
      at: deps.now().toISOString(),
      actor: SYSTEM_ACTOR,
      outcome: "callback-failed",
      approvalId: record.approvalId,
      ...recordKeys(record),
      reason: `${record.status}: ${errorName}`,
    });
    return { ok: false, gone, errorName };
  }
}

async function deliver(deps: ApprovalApiDependencies, decided: ApprovalRecord): Promise<ApprovalPage> {
  const decidedBy = decided.decidedBy ?? "unknown";
  const decidedAt = decided.decidedAt ?? deps.now().toISOString();
  const approved = decided.status === "approved";
  const delivery = await callBack(deps, decided, () => {
    if (approved) {
      const output: ApprovalGranted = {
        decision: "approved",
        approvalId: decided.approvalId,
        commandHash: decided.commandHash,
        // An approval of a diff is bound to the patch: deliver-change re-checks this hash.
        ...(decided.kind === "change" ? { patchSha256: decided.commandHash } : {}),
        decidedBy,
        decidedAt,
      };
      return deps.taskCallback.sendTaskSuccess(decided.taskToken, output);
    }
    const cause: ApprovalDeniedCause = {
      approvalId: decided.approvalId,
      commandHash: decided.commandHash,
      reason: decided.reason ?? "no reason given",
      decidedBy,
    };
    return deps.taskCallback.sendTaskFailure(decided.taskToken, "ApprovalDeniedError", JSON.stringify(cause));
  });

  await appendAudit(deps, {
    at: decidedAt,
    actor: decidedBy,
    outcome: approved ? "approved" : "denied",
    approvalId: decided.approvalId,
    ...recordKeys(decided),
    ...(decided.reason ? { reason: decided.reason } : {}),
  });
  const waitedSeconds = Math.max(0, (Date.parse(decidedAt) - Date.parse(decided.createdAt)) / 1000);
  metrics.addMetric("ApprovalWaitSeconds", MetricUnit.Seconds, waitedSeconds);
  logger.info("approval decided", {
    approvalId: decided.approvalId,
    status: decided.status,
    delivered: delivery.ok,
  });

  if (!delivery.ok && delivery.gone) {
    return page(
      410,
      "The workflow stopped waiting",
      `Your decision (${decided.status}) is recorded, but the workflow is no longer waiting for it (it timed out or ` +
        "was stopped). Nothing will run.",
      decided,
    );
  }
  if (!delivery.ok) {
    return page(
      502,
      "Decision recorded, workflow not reached",
      `Your decision (${decided.status}) is recorded, but the workflow could not be told (${delivery.errorName}). ` +
        "It will stop waiting when the approval expires; nothing runs unless it received an approval. The decision " +
        "cannot be made again.",
      decided,
    );
  }
  const what = decided.kind === "change" ? "change" : "command";
  const next =
    decided.change?.purpose === "delivery"
      ? "delivers the change"
      : decided.kind === "change"
        ? "runs validation with the change"
        : "runs the command";
  return approved
    ? page(200, "Approved", `Approved by ${decidedBy}. The workflow continues and ${next}.`, decided)
    : page(
        200,
        "Denied",
        `Denied by ${decidedBy}. The ${what} will not ${what === "change" ? "be used" : "run"}; the agent is told why.`,
        decided,
      );
}

/**
 * The audit trail must not turn a delivered decision into an error page (the person would think nothing
 * happened): a failed write is logged and counted for the alarm instead.
 */
async function appendAudit(deps: ApprovalApiDependencies, row: AuditRow): Promise<void> {
  try {
    await deps.audit.append(row);
  } catch (error) {
    metrics.addMetric("AuditWritesFailed", MetricUnit.Count, 1);
    logger.error("audit row not written", {
      outcome: row.outcome,
      approvalId: row.approvalId,
      errorName: awsErrorName(error),
    });
  }
}
