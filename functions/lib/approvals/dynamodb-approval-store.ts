import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PlatformError } from "../errors.ts";
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStore,
  approvalRecordSchema,
} from "./approval-record.ts";
import { awsErrorName, awsFailure } from "./aws-failure.ts";

/**
 * The approvals table (env APPROVALS_TABLE): partition key `approvalId`, TTL on `expiresAt` (epoch seconds).
 * Single use rests on DynamoDB's conditional writes: a record is created only if absent and decided only while
 * its status is still "pending", so two clicks racing each other cannot both win.
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async create(record: ApprovalRecord): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...record },
          ConditionExpression: "attribute_not_exists(approvalId)",
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === "ConditionalCheckFailedException") return false;
      // The item holds the task token: keep the service's message out in case it quotes a value.
      throw awsFailure("PutItem (approval)", error, { keepMessage: false });
    }
  }

  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const output = await this.#client.send(
        new GetCommand({ TableName: this.#table, Key: { approvalId }, ConsistentRead: true }),
      );
      item = output.Item;
    } catch (error) {
      throw awsFailure("GetItem (approval)", error);
    }
    return item === undefined ? undefined : parseItem(item);
  }

  async decide(
    approvalId: string,
    decision: ApprovalDecision,
    unexpiredAt?: number,
  ): Promise<ApprovalRecord | undefined> {
    const names: Record<string, string> = {
      "#status": "status",
      "#decidedBy": "decidedBy",
      "#decidedAt": "decidedAt",
    };
    const values: Record<string, unknown> = {
      ":pending": "pending",
      ":status": decision.status,
      ":decidedBy": decision.decidedBy,
      ":decidedAt": decision.decidedAt,
    };
    const assignments = ["#status = :status", "#decidedBy = :decidedBy", "#decidedAt = :decidedAt"];
    if (decision.reason !== undefined) {
      names["#reason"] = "reason";
      values[":reason"] = decision.reason;
      assignments.push("#reason = :reason");
    }
    let condition = "attribute_exists(approvalId) AND #status = :pending";
    if (unexpiredAt !== undefined) {
      names["#expiresAt"] = "expiresAt";
      values[":unexpiredAt"] = unexpiredAt;
      condition += " AND #expiresAt > :unexpiredAt";
    }
    try {
      const output = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { approvalId },
          UpdateExpression: `SET ${assignments.join(", ")}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return output.Attributes === undefined ? undefined : parseItem(output.Attributes);
    } catch (error) {
      if (awsErrorName(error) === "ConditionalCheckFailedException") return undefined;
      throw awsFailure("UpdateItem (approval decision)", error, { keepMessage: false });
    }
  }
}

function parseItem(item: Record<string, unknown>): ApprovalRecord {
  const parsed = approvalRecordSchema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(item)").slice(0, 10);
    throw new PlatformError(
      `an approvals table item is not a valid approval record (fields: ${fields.join(", ")})`,
    );
  }
  return parsed.data;
}
