import { ValidationFailedError } from "../errors.ts";

/**
 * Where the approval machinery keeps its state and key, read from the environment. AWS and local settings are
 * the same shape with different kinds; each pair (table or file) must name exactly one.
 */

export type StoreLocation =
  | { readonly kind: "dynamodb"; readonly table: string }
  | { readonly kind: "file"; readonly path: string };

export type KeyLocation =
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

type Env = Readonly<Record<string, string | undefined>>;
type Problem = { field: string; problem: string };

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

function location(env: Env, tableName: string, fileName: string, problems: Problem[]): StoreLocation {
  const table = value(env, tableName);
  const path = value(env, fileName);
  if (table !== undefined && path !== undefined) {
    problems.push({
      field: tableName,
      problem: `both ${tableName} and ${fileName} are set; set exactly one`,
    });
  }
  if (table !== undefined) return { kind: "dynamodb", table };
  if (path === undefined) {
    problems.push({ field: tableName, problem: `neither ${tableName} (AWS) nor ${fileName} (local) is set` });
    return { kind: "file", path: "/" };
  }
  if (!path.startsWith("/"))
    problems.push({ field: fileName, problem: `"${path}" must be an absolute path` });
  return { kind: "file", path };
}

export function parseBaseUrl(raw: string, field = "APPROVAL_BASE_URL"): string {
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

export function loadApprovalSettings(env: Env = process.env): ApprovalSettings {
  const problems: Problem[] = [];
  const approvals = location(env, "APPROVALS_TABLE", "APPROVALS_FILE", problems);
  const audit = location(env, "AUDIT_TABLE", "AUDIT_FILE", problems);

  const secretArn = value(env, "APPROVAL_SECRET_ARN");
  const keyFile = value(env, "APPROVAL_KEY_FILE");
  let signingKey: KeyLocation = { kind: "file", path: "/" };
  if (secretArn !== undefined && keyFile !== undefined) {
    problems.push({
      field: "APPROVAL_SECRET_ARN",
      problem: "both APPROVAL_SECRET_ARN and APPROVAL_KEY_FILE are set; set exactly one",
    });
  } else if (secretArn !== undefined) {
    signingKey = { kind: "secrets-manager", secretArn };
  } else if (keyFile !== undefined) {
    if (!keyFile.startsWith("/")) {
      problems.push({ field: "APPROVAL_KEY_FILE", problem: `"${keyFile}" must be an absolute path` });
    }
    signingKey = { kind: "file", path: keyFile };
  } else {
    problems.push({
      field: "APPROVAL_SECRET_ARN",
      problem: "neither APPROVAL_SECRET_ARN (AWS) nor APPROVAL_KEY_FILE (local) is set",
    });
  }

  let ttlSeconds = APPROVAL_TTL_DEFAULT_SECONDS;
  const ttlRaw = value(env, "APPROVAL_TTL_SECONDS");
  if (ttlRaw !== undefined) {
    const ttl = Number(ttlRaw);
    if (!Number.isInteger(ttl) || ttl < APPROVAL_TTL_MIN_SECONDS || ttl > APPROVAL_TTL_MAX_SECONDS) {
      problems.push({
        field: "APPROVAL_TTL_SECONDS",
        problem: `"${ttlRaw}" is not an integer between ${APPROVAL_TTL_MIN_SECONDS} and ${APPROVAL_TTL_MAX_SECONDS}`,
      });
    } else {
      ttlSeconds = ttl;
    }
  }

  let baseUrl: string | undefined;
  const baseRaw = value(env, "APPROVAL_BASE_URL");
  if (baseRaw !== undefined) {
    try {
      baseUrl = parseBaseUrl(baseRaw);
    } catch (error) {
      if (error instanceof ValidationFailedError) problems.push(...error.fields);
      else throw error;
    }
  }

  if (problems.length > 0) throw new ValidationFailedError(problems);
  const eventBusName = value(env, "EVENT_BUS_NAME");
  const topicArn = value(env, "APPROVAL_TOPIC_ARN");
  return {
    approvals,
    audit,
    signingKey,
    ttlSeconds,
    ...(eventBusName === undefined ? {} : { eventBusName }),
    ...(topicArn === undefined ? {} : { topicArn }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
  };
}
