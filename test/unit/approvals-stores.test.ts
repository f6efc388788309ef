import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalDecision, ApprovalRecord } from "#lib/approvals/approval-record.ts";
import { DynamoDbApprovalStore } from "#lib/approvals/dynamodb-approval-store.ts";
import { DynamoDbAuditLog } from "#lib/approvals/dynamodb-audit-log.ts";
import { FileApprovalStore } from "#lib/approvals/file-approval-store.ts";
import { FileAuditLog } from "#lib/approvals/file-audit-log.ts";
import { commandHash } from "#lib/command-hash.ts";
import { readAudit } from "./approvals-support.ts";

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  dynamo.reset();
});

const EXPIRES_AT = Date.parse("2026-03-01T11:00:00.000Z") / 1000;

function pendingRecord(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    approvalId: "0123456789abcdef0123456789abcdef",
    executionName: "exec-1",
    sessionId: "repair-session-0123456789abcdef0123456789",
    runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r",
    repoName: "repo",
    iteration: 0,
    command: "git push",
    commandHash: commandHash("git push"),
    classes: ["vcs-remote"],
    reasons: ["git push: vcs-remote"],
    requester: "ci",
    createdAt: "2026-03-01T10:00:00.000Z",
    expiresAt: EXPIRES_AT,
    status: "pending",
    taskToken: "task-token-1",
    tokenNonce: "AAAAAAAAAAAAAAAAAAAAAA",
    ...overrides,
  };
}

const approve = (by: string): ApprovalDecision => ({
  status: "approved",
  decidedBy: by,
  decidedAt: "2026-03-01T10:05:00.000Z",
});

describe("FileApprovalStore", () => {
  let directory: string;
  let path: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "approval-store-"));
    path = join(directory, "state", "approvals.json");
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("creates once, persists across instances, and keeps the file private", async () => {
    // Prepare
    const store = new FileApprovalStore(path);
    // Act
    const created = await store.create(pendingRecord());
    const duplicate = await store.create(pendingRecord({ command: "other" }));
    const readBack = await new FileApprovalStore(path).get("0123456789abcdef0123456789abcdef");
    // Assess
    expect(created).toBe(true);
    expect(duplicate).toBe(false);
    expect(readBack).toEqual(pendingRecord());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("decides a pending record once; of racing decisions exactly one wins", async () => {
    // Prepare
    const store = new FileApprovalStore(path);
    const other = new FileApprovalStore(path);
    await store.create(pendingRecord());
    // Act
    const results = await Promise.all([
      store.decide("0123456789abcdef0123456789abcdef", approve("a")),
      other.decide("0123456789abcdef0123456789abcdef", { ...approve("b"), status: "denied", reason: "no" }),
      store.decide("0123456789abcdef0123456789abcdef", approve("c")),
    ]);
    // Assess
    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(await store.get("0123456789abcdef0123456789abcdef")).toEqual(winners[0]);
  });

  it("does not decide past the deadline it is given, nor an unknown approval", async () => {
    // Prepare
    const store = new FileApprovalStore(path);
    await store.create(pendingRecord());
    // Act
    const late = await store.decide("0123456789abcdef0123456789abcdef", approve("a"), EXPIRES_AT);
    const unknown = await store.decide("ffffffffffffffffffffffffffffffff", approve("a"));
    const inTime = await store.decide("0123456789abcdef0123456789abcdef", approve("a"), EXPIRES_AT - 1);
    // Assess
    expect(late).toBeUndefined();
    expect(unknown).toBeUndefined();
    expect(inTime).toMatchObject({ status: "approved", decidedBy: "a" });
  });

  it("reports a corrupted file instead of trusting it", async () => {
    // Prepare
    const store = new FileApprovalStore(path);
    await store.create(pendingRecord());
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"pending"', '"approved-by-me"'));
    // Act
    const attempt = store.get("0123456789abcdef0123456789abcdef");
    // Assess
    await expect(attempt).rejects.toThrow(/invalid record/);
  });
});

describe("DynamoDbApprovalStore", () => {
  const store = new DynamoDbApprovalStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    "approvals-table",
  );

  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

  it("creates only if absent", async () => {
    // Prepare
    dynamo.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    // Act
    const created = await store.create(pendingRecord());
    const duplicate = await store.create(pendingRecord());
    // Assess
    expect(created).toBe(true);
    expect(duplicate).toBe(false);
    const input = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TableName: "approvals-table",
      ConditionExpression: "attribute_not_exists(approvalId)",
      Item: { approvalId: "0123456789abcdef0123456789abcdef", status: "pending", expiresAt: EXPIRES_AT },
    });
  });

  it("decides with a condition on the pending status and the deadline, returning the new record", async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({
      Attributes: {
        ...pendingRecord(),
        status: "approved",
        decidedBy: "a",
        decidedAt: "2026-03-01T10:05:00.000Z",
      },
    });
    // Act
    const decided = await store.decide("0123456789abcdef0123456789abcdef", approve("a"), EXPIRES_AT - 10);
    // Assess
    expect(decided).toMatchObject({ status: "approved", decidedBy: "a" });
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ approvalId: "0123456789abcdef0123456789abcdef" });
    expect(input.ConditionExpression).toBe(
      "attribute_exists(approvalId) AND #status = :pending AND #expiresAt > :unexpiredAt",
    );
    expect(input.ExpressionAttributeNames).toMatchObject({ "#status": "status", "#expiresAt": "expiresAt" });
    expect(input.ExpressionAttributeValues).toMatchObject({
      ":pending": "pending",
      ":status": "approved",
      ":decidedBy": "a",
      ":unexpiredAt": EXPIRES_AT - 10,
    });
    expect(input.ReturnValues).toBe("ALL_NEW");
  });

  it("reports a failed condition (already decided, or expired) as not decided", async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    // Act
    const decided = await store.decide("0123456789abcdef0123456789abcdef", approve("a"));
    // Assess
    expect(decided).toBeUndefined();
  });

  it("turns throttling into ThrottledError and refuses malformed items", async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    dynamo
      .on(GetCommand)
      .resolves({ Item: { approvalId: "0123456789abcdef0123456789abcdef", status: "odd" } });
    // Act
    const throttled = store.decide("0123456789abcdef0123456789abcdef", approve("a"));
    const malformed = store.get("0123456789abcdef0123456789abcdef");
    // Assess
    await expect(throttled).rejects.toMatchObject({ name: "ThrottledError" });
    await expect(malformed).rejects.toMatchObject({ name: "PlatformError" });
    expect(dynamo.commandCalls(GetCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });
});

describe("audit logs", () => {
  it("DynamoDB: one item per row, partitioned by execution, sorted by time, free text redacted", async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const audit = new DynamoDbAuditLog(DynamoDBDocumentClient.from(new DynamoDBClient({})), "audit-table");
    // Act
    await audit.append({
      at: "2026-03-01T10:05:00.000Z",
      actor: "Dana",
      outcome: "command-ran",
      executionName: "exec-1",
      commandHash: "a".repeat(64),
      exitCode: 0,
      reason: "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    });
    await audit.append({ at: "2026-03-01T10:06:00.000Z", actor: "Mallory", outcome: "refused-forged" });
    // Assess
    const [first, second] = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(first).toMatchObject({
      TableName: "audit-table",
      Item: { pk: "exec-1", actor: "Dana", outcome: "command-ran", exitCode: 0 },
    });
    expect(String(first!.Item!.sk)).toMatch(/^2026-03-01T10:05:00.000Z#command-ran#[0-9a-f]{12}$/);
    expect(first!.Item!.reason).toContain("[REDACTED:github-token]");
    expect(second!.Item!.pk).toBe("unattributed");
  });

  it("file: one JSON line per row, in order, mode 0600", async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), "audit-"));
    const path = join(directory, "audit.jsonl");
    const audit = new FileAuditLog(path);
    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        audit.append({
          at: `2026-03-01T10:00:${String(index).padStart(2, "0")}.000Z`,
          actor: "x",
          outcome: "requested",
        }),
      ),
    );
    // Assess
    const rows = await readAudit(path);
    expect(rows).toHaveLength(20);
    expect(rows.map((row) => row.at)).toEqual([...rows.map((row) => row.at)].sort());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await rm(directory, { recursive: true, force: true });
  });
});
