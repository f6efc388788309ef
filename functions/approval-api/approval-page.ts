import { createHash } from "node:crypto";
import type { ApprovalRecord } from "#lib/approvals/approval-record.ts";
import { DECISION_REASON_MAX } from "#lib/approvals/approval-record.ts";
import type { ChangeReview } from "#lib/approvals/change-review.ts";
import { redact, redactBounded } from "#lib/redaction.ts";

/**
 * The approval pages. Everything that comes from a record, a request or a person is escaped; commands and reasons
 * are redacted before display. The pages carry no script at all, and the Content-Security-Policy allows exactly
 * the one inline stylesheet (by hash), forms posting back to this API, and nothing else: no frames, no images,
 * no base URL, no referrer (the GET URL holds the token).
 */

const STYLESHEET = [
  "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}",
  "pre{background:#f4f4f4;border:1px solid #ccc;padding:.75rem;white-space:pre-wrap;word-break:break-all}",
  "dt{font-weight:600;margin-top:.5rem}dd{margin-left:1rem}",
  "label{display:block;margin-top:1rem;font-weight:600}",
  "input[type=text],textarea{width:100%;box-sizing:border-box;padding:.4rem}",
  "button{margin:1rem 1rem 0 0;padding:.5rem 1.2rem;font-size:1rem}",
  ".notice{padding:.75rem;border-left:4px solid #888;background:#fafafa}",
  "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}",
  ".num{text-align:right;font-variant-numeric:tabular-nums}.flag{color:#8a3b00;font-weight:600}",
  "pre.diff{white-space:pre;overflow-x:auto;word-break:normal;font-size:.85rem;line-height:1.3}",
  ".add{background:#e6ffec;display:block}.del{background:#ffebe9;display:block}.hunk{color:#0550ae;display:block}",
].join("");

const STYLE_HASH = createHash("sha256").update(STYLESHEET, "utf8").digest("base64");

export const APPROVAL_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for HTML element content and double-quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ENTITIES[character]!);
}

function layout(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLESHEET}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

const COMMAND_DISPLAY_MAX = 65_536;
const REASON_DISPLAY_MAX = 1000;

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

function diffLines(diff: string): string {
  return diff
    .split("\n")
    .map((line) => {
      const kind =
        line.startsWith("+") && !line.startsWith("+++")
          ? "add"
          : line.startsWith("-") && !line.startsWith("---")
            ? "del"
            : line.startsWith("@@")
              ? "hunk"
              : undefined;
      return kind ? `<span class="${kind}">${escapeHtml(line)}</span>` : `${escapeHtml(line)}\n`;
    })
    .join("");
}

function fileRow(file: ChangeReview["files"][number]): string {
  const notes = [
    file.surface ? `execution surface: ${file.surface}` : "",
    file.protected ? `protected: ${file.protected}` : "",
    file.testFile ? "test file" : "",
    file.binary ? "binary" : "",
  ].filter((note) => note !== "");
  const name = file.oldPath ? `${file.oldPath} → ${file.path}` : file.path;
  return [
    "<tr>",
    `<td>${escapeHtml(name)}</td>`,
    `<td>${escapeHtml(file.status)}</td>`,
    `<td class="num">+${file.insertions}</td>`,
    `<td class="num">−${file.deletions}</td>`,
    `<td${notes.some((n) => !n.startsWith("binary")) ? ' class="flag"' : ""}>${escapeHtml(notes.join("; "))}</td>`,
    "</tr>",
  ].join("");
}

/**
 * A diff under review: file list, stats, flags, the final validation, and the diff text itself (its first part
 * inline; the whole patch behind a link carrying the same token, when the viewer has it).
 */
function changeDetails(record: ApprovalRecord, change: ChangeReview, token: string | undefined): string {
  const row = (term: string, value: string) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
  const shownBytes = Buffer.byteLength(change.diffInline, "utf8");
  const patchLink = token
    ? `<a href="${escapeHtml(`${record.approvalId}/patch?token=${encodeURIComponent(token)}`)}">the full patch</a>`
    : "the full patch (open the link from your notification)";
  const flags = change.flags.map(
    (flag) => `<li class="flag">${escapeHtml(flag.path)}: ${escapeHtml(flag.reason)}</li>`,
  );
  const validation = change.validation
    ? `${change.validation.outcome} (exit ${change.validation.exitCode}): ${redactBounded(change.validation.command, 500)}`
    : "not run yet";
  return [
    `<h2>${change.purpose === "delivery" ? "The change to deliver" : "A change to what validation runs"}</h2>`,
    `<p>${change.stats.files} file(s) changed, <span class="num">+${change.stats.insertions}</span> ` +
      `<span class="num">−${change.stats.deletions}</span>${change.truncated ? " (file list shortened)" : ""}.</p>`,
    flags.length > 0 ? `<h2>Flags</h2><ul>${flags.join("")}</ul>` : "",
    "<h2>Files</h2>",
    "<table><thead><tr><th>File</th><th>Status</th><th>Added</th><th>Removed</th><th>Notes</th></tr></thead>",
    `<tbody>${change.files.map(fileRow).join("")}</tbody></table>`,
    "<h2>Diff</h2>",
    shownBytes < change.patchBytes
      ? `<p class="notice">The first ${shownBytes} of ${change.patchBytes} bytes are shown; read ${patchLink} before deciding.</p>`
      : `<p>The whole patch (${change.patchBytes} bytes) is shown; also as ${patchLink}.</p>`,
    `<pre class="diff">${diffLines(change.diffInline)}</pre>`,
    "<dl>",
    row("Final validation", validation),
    row("Repository", record.repoName),
    row("Session", record.sessionId),
    row("Execution", record.executionName),
    row("Agent iteration", String(record.iteration)),
    row("Requested at", record.createdAt),
    row("Expires at", iso(record.expiresAt)),
    row("SHA-256 of the exact patch", change.patchSha256),
    "</dl>",
  ].join("\n");
}

/** What will run and why it needs a person: the same block on every page about one approval. */
function details(record: ApprovalRecord, token?: string): string {
  if (record.change) return changeDetails(record, record.change, token);
  const reasons = record.reasons.map(
    (reason) => `<li>${escapeHtml(redactBounded(reason, REASON_DISPLAY_MAX))}</li>`,
  );
  const row = (term: string, value: string) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
  return [
    "<h2>Command (secrets masked)</h2>",
    `<pre>${escapeHtml(redactBounded(record.command, COMMAND_DISPLAY_MAX))}</pre>`,
    "<h2>Why it needs a person</h2>",
    `<ul>${reasons.join("")}</ul>`,
    "<dl>",
    row("Classes", record.classes.join(", ")),
    row("Repository", record.repoName),
    row("Session", record.sessionId),
    row("Execution", record.executionName),
    row("Agent iteration", String(record.iteration)),
    row("Requested by", redact(record.requester)),
    row("Requested at", record.createdAt),
    row("Expires at", iso(record.expiresAt)),
    row("SHA-256 of the exact command text", record.commandHash),
    "</dl>",
  ].join("\n");
}

export interface DecisionFormView {
  readonly record: ApprovalRecord;
  /** Goes into a hidden field: the POST carries it, the URL of the decision does not. */
  readonly token: string;
}

/** The pending approval with its form. GET renders it; it decides nothing. */
export function renderDecisionPage(view: DecisionFormView): string {
  const { record } = view;
  // A relative action resolves to /…/approvals/<id> under whatever stage prefix the page was served from, and
  // drops the query string: the decision's URL never carries the token.
  const form = [
    `<form method="post" action="${escapeHtml(record.approvalId)}">`,
    `<input type="hidden" name="token" value="${escapeHtml(view.token)}">`,
    "<p>You decide as the person you signed in as; the audit trail records that identity.</p>",
    '<label for="reason">Reason (the agent sees it; the audit trail keeps it)</label>',
    `<textarea id="reason" name="reason" maxlength="${DECISION_REASON_MAX}" rows="3"></textarea>`,
    `<button type="submit" name="decision" value="approve">${
      record.change
        ? record.change.purpose === "delivery"
          ? "Approve: deliver this change"
          : "Approve: let validation run with this change"
        : "Approve: run this command"
    }</button>`,
    '<button type="submit" name="decision" value="deny">Deny</button>',
    "</form>",
  ].join("\n");
  const what = record.change ? "change" : "command";
  return layout(
    `A ${what} waits for your decision`,
    [
      `<p class="notice">Opening this page decided nothing. The ${what} is used only if you approve it below, ` +
        `before ${escapeHtml(iso(record.expiresAt))}. The decision can be made once.</p>`,
      details(record, view.token),
      form,
    ].join("\n"),
  );
}

export interface MessageView {
  readonly title: string;
  /** Plain text: escaped here. */
  readonly message: string;
  /** Shown below the message when the approval is known and the viewer may see it. */
  readonly record?: ApprovalRecord;
  /** Extra plain-text lines (field problems). */
  readonly items?: readonly string[];
}

/** Outcomes and refusals. */
export function renderMessagePage(view: MessageView): string {
  const items = view.items?.length
    ? `<ul>${view.items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`
    : "";
  return layout(
    view.title,
    [
      `<p class="notice">${escapeHtml(view.message)}</p>`,
      items,
      view.record ? details(view.record) : "",
    ].join("\n"),
  );
}
