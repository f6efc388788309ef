import { type FieldProblem, validationError } from "./service-error.ts";

/** Limits the service enforces (reference/agentcore-protocol.md §3). */
export const LIMITS = {
  sessionIdMin: 33,
  sessionIdMax: 256,
  commandMinBytes: 1,
  commandMaxBytes: 65_536,
  timeoutMinSeconds: 1,
  timeoutMaxSeconds: 3600,
  timeoutDefaultSeconds: 300,
  payloadMaxBytes: 100 * 1024 * 1024,
} as const;

const RUNTIME_ARN =
  /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z][A-Za-z0-9_-]{0,99}$/;
const RUNTIME_ID = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
const ACCOUNT_ID = /^\d{12}$/;
const QUALIFIER = /^[a-zA-Z0-9_-]{1,100}$/;

export interface RuntimeTarget {
  readonly runtimeArn: string;
  readonly qualifier: string;
}

/** The `{agentRuntimeArn}` path label: a full ARN, or a runtime id with the `accountId` query parameter. */
export function parseRuntimeTarget(label: string, query: URLSearchParams, region: string): RuntimeTarget {
  const problems: FieldProblem[] = [];
  const accountId = query.get("accountId");
  const qualifier = query.get("qualifier") ?? "DEFAULT";
  if (accountId !== null && !ACCOUNT_ID.test(accountId)) {
    problems.push({
      name: "accountId",
      message: `must be 12 digits, got ${JSON.stringify(accountId.slice(0, 40))}`,
    });
  }
  if (!QUALIFIER.test(qualifier)) {
    problems.push({ name: "qualifier", message: "must be 1-100 characters of [a-zA-Z0-9_-]" });
  }
  let runtimeArn = label;
  if (!RUNTIME_ARN.test(label)) {
    if (RUNTIME_ID.test(label) && accountId !== null) {
      runtimeArn = `arn:aws:bedrock-agentcore:${region}:${accountId}:runtime/${label}`;
    } else {
      problems.push({
        name: "agentRuntimeArn",
        message: `must be a runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>) or a runtime id with accountId, got ${JSON.stringify(label.slice(0, 120))}`,
      });
    }
  }
  if (problems.length > 0) throw validationError(problems);
  return { runtimeArn, qualifier };
}

export function parseSessionId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.length === 0) {
    throw validationError([{ name: "runtimeSessionId", message: "is required" }]);
  }
  if (value.length < LIMITS.sessionIdMin || value.length > LIMITS.sessionIdMax) {
    throw validationError([
      {
        name: "runtimeSessionId",
        message: `is ${value.length} characters; it must be ${LIMITS.sessionIdMin}-${LIMITS.sessionIdMax}`,
      },
    ]);
  }
  return value;
}

export interface CommandRequest {
  readonly command: string;
  readonly timeoutSeconds: number;
}

export function parseCommandBody(body: Buffer): CommandRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw validationError([{ name: "body", message: "must be a JSON object {command, timeout?}" }]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw validationError([{ name: "body", message: "must be a JSON object {command, timeout?}" }]);
  }
  const { command, timeout } = parsed as { command?: unknown; timeout?: unknown };
  const problems: FieldProblem[] = [];
  if (typeof command !== "string") {
    problems.push({ name: "command", message: "is required and must be a string" });
  } else {
    const bytes = Buffer.byteLength(command, "utf8");
    if (bytes < LIMITS.commandMinBytes || bytes > LIMITS.commandMaxBytes) {
      problems.push({
        name: "command",
        message: `is ${bytes} bytes; it must be ${LIMITS.commandMinBytes}-${LIMITS.commandMaxBytes} bytes`,
      });
    }
  }
  if (timeout !== undefined) {
    if (typeof timeout !== "number" || !Number.isInteger(timeout)) {
      problems.push({ name: "timeout", message: "must be an integer number of seconds" });
    } else if (timeout < LIMITS.timeoutMinSeconds || timeout > LIMITS.timeoutMaxSeconds) {
      problems.push({
        name: "timeout",
        message: `is ${timeout} s; it must be ${LIMITS.timeoutMinSeconds}-${LIMITS.timeoutMaxSeconds} s`,
      });
    }
  }
  if (problems.length > 0) throw validationError(problems);
  return {
    command: command as string,
    timeoutSeconds: (timeout as number | undefined) ?? LIMITS.timeoutDefaultSeconds,
  };
}
