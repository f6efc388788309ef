import { z } from "zod";
import { ValidationFailedError } from "../errors.ts";
import {
  defineSettings,
  type Environment,
  type EnvironmentOf,
  integerSetting,
  optionalText,
} from "../settings.ts";

/**
 * Where the approval machinery keeps its state and key, read from the environment. AWS and local settings are
 * the same shape with different kinds; each pair (table or file) must name exactly one.
 */

type StoreLocation =
  | { readonly kind: "dynamodb"; readonly table: string }
  | { readonly kind: "file"; readonly path: string };

type KeyLocation =
  | { readonly kind: "secrets-manager"; readonly secretArn: string }
  | { readonly kind: "file"; readonly path: string };

export interface ApprovalSettings {
  /** Env APPROVALS_TABLE (DynamoDB) or APPROVALS_FILE (local JSON file). */
  readonly approvals: StoreLocation;
  /** Env AUDIT_TABLE (DynamoDB) or AUDIT_FILE (local JSON lines). */
  readonly audit: StoreLocation;
  /** Env APPROVAL_SECRET_ARN (Secrets Manager) or APPROVAL_KEY_FILE (local key file). */
  readonly signingKey: KeyLocation;
  /** Env EVENT_BUS_NAME: where "Approval Requested" events go. */
  readonly eventBusName?: string;
  /** Env APPROVAL_TOPIC_ARN: the SNS topic approvers subscribe to. */
  readonly topicArn?: string;
  /** Env APPROVAL_BASE_URL, without a trailing slash: where the approval API is reached. */
  readonly baseUrl?: string;
  /** Env APPROVAL_TTL_SECONDS: how long a person has to decide. @default 3600 */
  readonly ttlSeconds: number;
}

export const APPROVAL_TTL_DEFAULT_SECONDS = 3600;
export const APPROVAL_TTL_MIN_SECONDS = 60;
/**
 * "Wait for approval" has HeartbeatSeconds 3660 and TimeoutSeconds 3720 and request-approval sends no heartbeat:
 * an approval living longer than the wait could be approved after nobody listens any more.
 */
export const APPROVAL_TTL_MAX_SECONDS = 3600;

type Values = { readonly [name: string]: unknown };

/** Adds the problems of one table-or-file pair: exactly one must be set, and a file path is absolute. */
function checkLocation(values: Values, tableName: string, fileName: string, context: z.RefinementCtx): void {
  const table = text(values[tableName]);
  const path = text(values[fileName]);
  if (table !== undefined && path !== undefined) {
    context.addIssue({
      code: "custom",
      path: [tableName],
      message: `both ${tableName} and ${fileName} are set; set exactly one`,
    });
  }
  if (table !== undefined) return;
  if (path === undefined) {
    context.addIssue({
      code: "custom",
      path: [tableName],
      message: `neither ${tableName} (AWS) nor ${fileName} (local) is set`,
    });
  } else if (!path.startsWith("/")) {
    context.addIssue({ code: "custom", path: [fileName], message: `"${path}" must be an absolute path` });
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function location(values: Values, tableName: string, fileName: string): StoreLocation {
  const table = text(values[tableName]);
  return table !== undefined
    ? { kind: "dynamodb", table }
    : { kind: "file", path: text(values[fileName]) ?? "/" };
}

function parseBaseUrl(raw: string, field = "APPROVAL_BASE_URL"): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationFailedError([{ field, problem: `"${raw.slice(0, 200)}" is not a URL` }]);
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ValidationFailedError([
      { field, problem: `"${url.origin}" must use https (plain http only on loopback, for local mode)` },
    ]);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new ValidationFailedError([
      { field, problem: "must not carry a query, a fragment or credentials" },
    ]);
  }
  return url.href.replace(/\/+$/, "");
}

const approvalSettings = defineSettings({
  variables: {
    APPROVALS_TABLE: optionalText,
    APPROVALS_FILE: optionalText,
    AUDIT_TABLE: optionalText,
    AUDIT_FILE: optionalText,
    APPROVAL_SECRET_ARN: optionalText,
    APPROVAL_KEY_FILE: optionalText,
    /** Who may decide, per repository (JSON; parsed by approvers.ts where approval-api decides). */
    APPROVERS: optionalText,
    APPROVAL_TTL_SECONDS: integerSetting({
      fallback: APPROVAL_TTL_DEFAULT_SECONDS,
      min: APPROVAL_TTL_MIN_SECONDS,
      max: APPROVAL_TTL_MAX_SECONDS,
    }),
    APPROVAL_BASE_URL: optionalText.transform((raw, context) => {
      if (raw === undefined) return undefined;
      try {
        return parseBaseUrl(raw);
      } catch (error) {
        if (!(error instanceof ValidationFailedError)) throw error;
        for (const { problem } of error.fields) context.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }
    }),
    EVENT_BUS_NAME: optionalText,
    APPROVAL_TOPIC_ARN: optionalText,
  },
  check: (values, context) => {
    checkLocation(values, "APPROVALS_TABLE", "APPROVALS_FILE", context);
    checkLocation(values, "AUDIT_TABLE", "AUDIT_FILE", context);
    checkLocation(values, "APPROVAL_SECRET_ARN", "APPROVAL_KEY_FILE", context);
  },
  build: (values): ApprovalSettings => ({
    approvals: location(values, "APPROVALS_TABLE", "APPROVALS_FILE"),
    audit: location(values, "AUDIT_TABLE", "AUDIT_FILE"),
    signingKey:
      values.APPROVAL_SECRET_ARN !== undefined
        ? { kind: "secrets-manager", secretArn: values.APPROVAL_SECRET_ARN }
        : { kind: "file", path: values.APPROVAL_KEY_FILE ?? "/" },
    ttlSeconds: values.APPROVAL_TTL_SECONDS,
    ...(values.EVENT_BUS_NAME === undefined ? {} : { eventBusName: values.EVENT_BUS_NAME }),
    ...(values.APPROVAL_TOPIC_ARN === undefined ? {} : { topicArn: values.APPROVAL_TOPIC_ARN }),
    ...(values.APPROVAL_BASE_URL === undefined ? {} : { baseUrl: values.APPROVAL_BASE_URL }),
  }),
});

/** What infra/ sets for a function that uses approvalEnvironment(). */
export type ApprovalVariables = EnvironmentOf<typeof approvalSettings>;

export function loadApprovalSettings(env: Environment = process.env): ApprovalSettings {
  return approvalSettings.parse(env);
}
