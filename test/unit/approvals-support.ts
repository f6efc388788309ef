import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { ApprovalRecord } from "#lib/approvals/approval-record.ts";
import type { AuditRow } from "#lib/approvals/audit-log.ts";
import { FileApprovalStore } from "#lib/approvals/file-approval-store.ts";
import { FileAuditLog } from "#lib/approvals/file-audit-log.ts";
import { type ApprovalNotice, callbackNotifier } from "#lib/approvals/notifier.ts";
import { keyFileSigningKey, type SigningKeyProvider } from "#lib/approvals/signing-key.ts";
import type { ApprovalGranted, TaskCallback } from "#lib/approvals/task-callback.ts";
import { commandHash } from "#lib/command-hash.ts";
import type { CommandClass } from "#lib/contracts.ts";
import { createApprovalApiHandler } from "../../functions/approval-api/handler.ts";
import { createRequestApprovalHandler } from "../../functions/request-approval/handler.ts";
import type { RequestApprovalDependencies } from "../../functions/request-approval/request-approval.ts";

/** Shared setup of the approval tests: local stores in a temp directory, an injected clock, recording fakes. */

const BASE_URL = "https://approvals.example.test/approvals";
const SESSION_ID = "repair-session-0123456789abcdef0123456789";

class ManualClock {
  #now: number;
  constructor(start = Date.parse("2026-03-01T10:00:00.000Z")) {
    this.#now = start;
  }
  readonly now = (): Date => new Date(this.#now);
  advanceSeconds(seconds: number): void {
    this.#now += seconds * 1000;
  }
}

/** Records what the approval API told the waiting task; `failWith` makes every call throw. */
class RecordingTaskCallback implements TaskCallback {
  readonly successes: { taskToken: string; output: ApprovalGranted }[] = [];
  readonly failures: { taskToken: string; error: string; cause: string }[] = [];
  failWith: Error | undefined;

  sendTaskSuccess(taskToken: string, output: ApprovalGranted): void {
    if (this.failWith) throw this.failWith;
    this.successes.push({ taskToken, output });
  }

  sendTaskFailure(taskToken: string, error: string, cause: string): void {
    if (this.failWith) throw this.failWith;
    this.failures.push({ taskToken, error, cause });
  }

  get calls(): number {
    return this.successes.length + this.failures.length;
  }
}

export interface ApprovalHarness {
  readonly directory: string;
  readonly keyPath: string;
  readonly auditPath: string;
  readonly store: FileApprovalStore;
  readonly audit: FileAuditLog;
  readonly signingKey: SigningKeyProvider;
  readonly clock: ManualClock;
  readonly callback: RecordingTaskCallback;
  readonly notices: ApprovalNotice[];
  readonly requestApproval: (event: unknown) => Promise<{ approvalId: string; expiresAt: string }>;
  readonly api: ReturnType<typeof createApprovalApiHandler>;
  readonly dispose: () => Promise<void>;
}

export async function createApprovalHarness(
  extra: Partial<RequestApprovalDependencies> = {},
): Promise<ApprovalHarness> {
  const directory = await mkdtemp(join(tmpdir(), "approvals-"));
  const keyPath = join(directory, "keys", "approval.key");
  const auditPath = join(directory, "audit.jsonl");
  const store = new FileApprovalStore(join(directory, "approvals.json"));
  const audit = new FileAuditLog(auditPath);
  const signingKey = keyFileSigningKey(keyPath);
  const clock = new ManualClock();
  const callback = new RecordingTaskCallback();
  const notices: ApprovalNotice[] = [];
  const requestApproval = createRequestApprovalHandler({
    store,
    audit,
    signingKey,
    notifier: callbackNotifier((notice) => {
      notices.push(notice);
    }),
    baseUrl: BASE_URL,
    ttlSeconds: 3600,
    now: clock.now,
    ledger: undefined,
    ...extra,
  });
  // Everyone the tests sign in as is an approver, except "Eve" (the allow-list tests use her).
  const api = createApprovalApiHandler({
    store,
    audit,
    signingKey,
    taskCallback: callback,
    now: clock.now,
    isApprover: (_repo, identity) => identity !== "Eve",
    ...(extra.artifacts ? { artifacts: extra.artifacts } : {}),
  });
  return {
    directory,
    keyPath,
    auditPath,
    store,
    audit,
    signingKey,
    clock,
    callback,
    notices,
    requestApproval,
    api,
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
}

/** The Payload "Wait for approval ..." sends for a diff: `change` instead of `command`. */
export function waitForChangePayload(change: Record<string, unknown>, taskToken?: string) {
  const { command: _command, ...payload } = waitForApprovalPayload(taskToken ? { taskToken } : {});
  return { ...payload, change };
}

export interface ReviewFixture {
  readonly command?: string;
  readonly classes?: readonly CommandClass[];
  readonly reasons?: readonly string[];
  readonly taskToken?: string;
  readonly executionName?: string;
  readonly requestedBy?: string;
}

/** The Payload "Wait for approval" sends (the ASL's Parameters, resolved). */
export function waitForApprovalPayload(fixture: ReviewFixture = {}) {
  const command = fixture.command ?? "git push origin repair/fix-tests";
  return {
    taskToken: fixture.taskToken ?? `task-token-${randomBytes(24).toString("base64url")}`,
    request: {
      requestId: "f".repeat(64),
      sessionId: SESSION_ID,
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair-abc",
      repoName: "sample-repo",
      workspacePath: "/mnt/workspace/sample-repo",
      ...(fixture.requestedBy ? { requestedBy: fixture.requestedBy } : {}),
    },
    command: {
      command,
      commandHash: commandHash(command),
      decision: "approve",
      classes: fixture.classes ?? ["vcs-remote"],
      reasons: fixture.reasons ?? ["git push: publishes commits to a remote (vcs-remote)"],
    },
    iteration: 1,
    executionName: fixture.executionName ?? "exec-0001",
  };
}

/** The REST proxy event API Gateway sends for one request to `/approvals/{approvalId}`. */
export function proxyEvent(options: {
  method: string;
  approvalId: string;
  token?: string;
  body?: string;
  contentType?: string;
  /** Who the authorizer says is calling (a Cognito user's e-mail claim). */
  approver?: string;
  /** @default "/approvals/{approvalId}" */
  resource?: string;
}): APIGatewayProxyEvent {
  const resource = options.resource ?? "/approvals/{approvalId}";
  const headers: Record<string, string> = options.contentType ? { "Content-Type": options.contentType } : {};
  return {
    resource,
    path: `/approvals/${options.approvalId}`,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: options.token === undefined ? null : { token: options.token },
    multiValueQueryStringParameters: options.token === undefined ? null : { token: [options.token] },
    pathParameters: { approvalId: options.approvalId },
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      authorizer: options.approver === undefined ? undefined : { claims: { email: options.approver } },
      protocol: "HTTP/1.1",
      httpMethod: options.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "198.51.100.7",
        user: null,
        userAgent: "test",
        userArn: null,
      },
      path: `/approvals/approvals/${options.approvalId}`,
      stage: "approvals",
      requestId: "req-1",
      requestTimeEpoch: 0,
      resourceId: "res",
      resourcePath: resource,
    },
  };
}

/** The decision token inside a notice's link. */
export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get("token");
  if (!token) throw new Error("the link carries no token");
  return token;
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export async function readAudit(path: string): Promise<AuditRow[]> {
  try {
    const text = await readFile(path, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as AuditRow);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export async function recordOf(harness: ApprovalHarness, approvalId: string): Promise<ApprovalRecord> {
  const record = await harness.store.get(approvalId);
  if (!record) throw new Error(`no approval ${approvalId}`);
  return record;
}
