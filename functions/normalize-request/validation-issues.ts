import { ParseError } from "@aws-lambda-powertools/parser";
import { z } from "zod";
import { redact } from "#lib/redaction.ts";
import { maskUrlCredentials } from "./repository-rules.ts";

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

export interface IssueNaming {
  /** A leading path segment that is an envelope, not a field the sender wrote (the API's `body`). */
  readonly stripPrefix?: string;
  /** Field -> where its value came from (CodeBuild mapping), shown beside the field. */
  readonly origins?: Readonly<Record<string, string>>;
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

function withOrigin(field: string, origins: Readonly<Record<string, string>> | undefined): string {
  if (!origins) return field;
  // The most specific origin wins: "repository.url" before "repository".
  let candidate = field;
  while (candidate !== "") {
    const origin = origins[candidate];
    if (origin !== undefined) return `${field} (from ${origin})`;
    const cut = candidate.lastIndexOf(".");
    candidate = cut === -1 ? "" : candidate.slice(0, cut);
  }
  return field;
}

/** The zod issues behind a Powertools ParseError (envelopes wrap a ZodError; plain schemas an issue list). */
export function issuesOf(error: unknown): readonly z.core.$ZodIssue[] {
  const cause = error instanceof ParseError ? error.cause : error;
  if (cause instanceof z.ZodError) return cause.issues;
  if (Array.isArray(cause)) return cause as z.core.$ZodIssue[];
  return [];
}

/** One entry per bad field, named as the sender wrote it, with every message passed through URL masking. */
export function fieldProblems(issues: readonly z.core.$ZodIssue[], naming: IssueNaming = {}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    let path: readonly PropertyKey[] = issue.path;
    // Only strip when something is left: a problem with the wrapper itself is named by the wrapper.
    if (naming.stripPrefix !== undefined && path[0] === naming.stripPrefix && path.length > 1)
      path = path.slice(1);
    const field = formatPath(path);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const keyField = field === "" ? key : `${field}.${key}`;
        problems.push({ field: withOrigin(keyField, naming.origins), problem: "is not a known field" });
      }
      continue;
    }
    let message = issue.message;
    // JSON.parse messages quote a slice of the input, which could cut a credential in half: say less.
    if (issue.code === "custom" && message.startsWith("Invalid JSON")) message = "must be valid JSON";
    problems.push({
      field: withOrigin(field || "event", naming.origins),
      problem: redact(maskUrlCredentials(message)),
    });
  }
  return problems;
}
