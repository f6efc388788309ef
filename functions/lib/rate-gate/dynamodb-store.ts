import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { BucketState, BucketStore } from "./token-bucket.ts";

/**
 * The buckets in DynamoDB: one item per runtime ARN (`pk`), holding `tokens`, `updatedAtMs` and `version`. A write
 * is a PutItem conditional on the version read (or on no item), so two Lambdas racing for the same token cannot
 * both get it: the loser reads again. Items expire by the table's TTL (`expiresAt`) a day after their last use.
 */
export class DynamoBucketStore implements BucketStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async read(key: string): Promise<{ state: BucketState; version: string } | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    if (!Item?.version?.S || Item.tokens?.N === undefined || Item.updatedAtMs?.N === undefined)
      return undefined;
    return {
      state: { tokens: Number(Item.tokens.N), updatedAtMs: Number(Item.updatedAtMs.N) },
      version: Item.version.S,
    };
  }

  async write(key: string, next: BucketState, expectedVersion: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key },
            tokens: { N: String(next.tokens) },
            updatedAtMs: { N: String(next.updatedAtMs) },
            version: { S: nextVersion(expectedVersion) },
            expiresAt: { N: String(Math.floor(next.updatedAtMs / 1000) + 86_400) },
          },
          ...(expectedVersion === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "version = :expected",
                ExpressionAttributeValues: { ":expected": { S: expectedVersion } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function nextVersion(previous: string | undefined): string {
  return String((Number(previous ?? "0") || 0) + 1);
}
