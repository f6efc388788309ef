import { randomBytes } from "node:crypto";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type AuditLog, type AuditRow, boundedAuditRow } from "./audit-log.ts";
import { awsFailure } from "./aws-failure.ts";

/** Rows that cannot be tied to an execution (a forged token for an unknown approval) share this partition. */
const UNATTRIBUTED_PARTITION = "unattributed";

/**
 * The audit table (env AUDIT_TABLE): `pk` is the execution name, `sk` the time plus a random suffix, so one
 * execution's rows read back in order with a single Query. Rows carry no `expiresAt`: the trail is kept.
 */
export class DynamoDbAuditLog implements AuditLog {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async append(row: AuditRow): Promise<void> {
    const item = boundedAuditRow(row);
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: item.executionName ?? UNATTRIBUTED_PARTITION,
            sk: `${item.at}#${item.outcome}#${randomBytes(6).toString("hex")}`,
            ...item,
          },
          // The random suffix makes a collision practically impossible; the condition makes it harmless.
          ConditionExpression: "attribute_not_exists(sk)",
        }),
      );
    } catch (error) {
      throw awsFailure("PutItem (audit)", error);
    }
  }
}
