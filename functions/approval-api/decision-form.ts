import { DECISION_REASON_MAX } from "#lib/approvals/approval-record.ts";
import { DECISION_TOKEN_MAX_CHARS } from "#lib/approvals/decision-token.ts";
import { ValidationFailedError } from "#lib/errors.ts";

/**
 * The body of a decision POST: the page's form (application/x-www-form-urlencoded) or the same fields as JSON.
 * Problems name the field and the limit, never the value (the token is one of the fields). Who decides is not a
 * field: it comes from authentication (see handler.ts), so a `decidedBy` in the body is ignored.
 */

type DecisionChoice = "approve" | "deny";

export interface DecisionForm {
  readonly token: string;
  readonly decision: DecisionChoice;
  readonly reason?: string;
}

const DECISION_BODY_MAX_BYTES = 16_384;
const FIELDS = ["token", "decision", "reason"] as const;
type Field = (typeof FIELDS)[number];

function readFields(body: string, contentType: string): Partial<Record<Field, unknown>> {
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/json") {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new ValidationFailedError([{ field: "body", problem: "is not valid JSON" }]);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ValidationFailedError([{ field: "body", problem: "must be a JSON object" }]);
    }
    const record = value as Record<string, unknown>;
    return Object.fromEntries(FIELDS.filter((f) => Object.hasOwn(record, f)).map((f) => [f, record[f]]));
  }
  if (mediaType === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(body);
    const fields: Partial<Record<Field, unknown>> = {};
    for (const field of FIELDS) {
      const values = params.getAll(field);
      // A repeated field is ambiguous (which one did the person mean?): refuse rather than pick one.
      if (values.length > 1) throw new ValidationFailedError([{ field, problem: "is given more than once" }]);
      if (values.length === 1) fields[field] = values[0];
    }
    return fields;
  }
  throw new ValidationFailedError([
    {
      field: "Content-Type",
      problem: "must be application/x-www-form-urlencoded (the page's form) or application/json",
    },
  ]);
}

/** Control characters would let a name or reason forge lines in a log or a mail: they become spaces. */
function cleanText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, " ").trim();
}

export function parseDecisionForm(body: string, contentType: string | undefined): DecisionForm {
  if (Buffer.byteLength(body, "utf8") > DECISION_BODY_MAX_BYTES) {
    throw new ValidationFailedError([
      { field: "body", problem: `is larger than ${DECISION_BODY_MAX_BYTES} bytes` },
    ]);
  }
  const fields = readFields(body, contentType ?? "");
  const problems: { field: string; problem: string }[] = [];
  const text = (field: Field): string | undefined => {
    const value = fields[field];
    if (value === undefined) return undefined;
    if (typeof value !== "string") {
      problems.push({ field, problem: "must be a string" });
      return undefined;
    }
    return value;
  };

  const token = text("token");
  if (token === undefined || token === "") {
    problems.push({ field: "token", problem: "is missing (open the link from your notification)" });
  } else if (token.length > DECISION_TOKEN_MAX_CHARS) {
    problems.push({ field: "token", problem: `is longer than ${DECISION_TOKEN_MAX_CHARS} characters` });
  }

  const decision = text("decision");
  if (decision !== "approve" && decision !== "deny") {
    problems.push({ field: "decision", problem: 'must be "approve" or "deny"' });
  }

  const reasonText = text("reason");
  const reason = reasonText === undefined ? undefined : cleanText(reasonText.replace(/\r?\n/g, " "));
  if (reason !== undefined && reason.length > DECISION_REASON_MAX) {
    problems.push({ field: "reason", problem: `is longer than ${DECISION_REASON_MAX} characters` });
  }

  if (problems.length > 0) throw new ValidationFailedError(problems);
  return {
    token: token!,
    decision: decision as DecisionChoice,
    ...(reason ? { reason } : {}),
  };
}
