import type { CommandClass } from "../contracts.ts";
import { redactBounded } from "../redaction.ts";
import type { ApprovalRecord } from "./approval-record.ts";

/**
 * Telling a person that a command waits for them. The notice carries two URLs: `link` (with the decision token,
 * only for the person: the SNS message, or the local runner's callback) and `pageUrl` (without it, safe for
 * events that fan out to rules, archives and logs).
 */

export interface ApprovalNotice {
  readonly approvalId: string;
  /** `${APPROVAL_BASE_URL}/approvals/<approvalId>?token=<decision token>`. Secret: only for the approver. */
  readonly link: string;
  /** The same page without the token (shows nothing without it). */
  readonly pageUrl: string;
  readonly executionName: string;
  readonly sessionId: string;
  readonly repoName: string;
  /** The command for display: secrets masked, bounded. */
  readonly command: string;
  readonly commandHash: string;
  readonly classes: readonly CommandClass[];
  readonly reasons: readonly string[];
  readonly requester: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

export interface ApprovalNotifier {
  notify(notice: ApprovalNotice): Promise<void>;
}

/** Longest command text shown in a notice (the page and the hash identify the exact text). */
const NOTICE_COMMAND_MAX = 4096;
const NOTICE_REASON_MAX = 500;
const NOTICE_REASONS_MAX = 20;

export function approvalNotice(
  record: ApprovalRecord,
  urls: { link: string; pageUrl: string },
): ApprovalNotice {
  return {
    approvalId: record.approvalId,
    link: urls.link,
    pageUrl: urls.pageUrl,
    executionName: record.executionName,
    sessionId: record.sessionId,
    repoName: record.repoName,
    command: redactBounded(record.command, NOTICE_COMMAND_MAX),
    commandHash: record.commandHash,
    classes: record.classes,
    reasons: record.reasons
      .slice(0, NOTICE_REASONS_MAX)
      .map((reason) => redactBounded(reason, NOTICE_REASON_MAX)),
    requester: record.requester,
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
  };
}

/** The plain-text message a person reads (SNS e-mail, terminal). */
export function approvalMessageText(notice: ApprovalNotice): string {
  const indented = notice.command
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return [
    "A repair wants to run a command that needs your approval.",
    "",
    `Repository:   ${notice.repoName}`,
    `Session:      ${notice.sessionId}`,
    `Execution:    ${notice.executionName}`,
    `Requested by: ${notice.requester}`,
    `Expires:      ${notice.expiresAt}`,
    `Classes:      ${notice.classes.join(", ")}`,
    "",
    "Command (secrets masked):",
    indented,
    `SHA-256 of the exact text: ${notice.commandHash}`,
    "",
    "Why it needs a person:",
    ...notice.reasons.map((reason) => `  - ${reason}`),
    "",
    "Review it here. Opening the link decides nothing; the page asks you to approve or deny:",
    notice.link,
    "",
    "The link works once, for this command only, until it expires. Do not forward it.",
  ].join("\n");
}

/** Local mode: the runner (or a test) receives the notice and decides how a person is asked. */
export function callbackNotifier(
  callback: (notice: ApprovalNotice) => void | Promise<void>,
): ApprovalNotifier {
  return {
    async notify(notice) {
      await callback(notice);
    },
  };
}

/** Every notifier in turn; the first failure fails the request (a person who is never told cannot decide). */
export function allNotifiers(notifiers: readonly ApprovalNotifier[]): ApprovalNotifier {
  return {
    async notify(notice) {
      for (const notifier of notifiers) await notifier.notify(notice);
    },
  };
}
