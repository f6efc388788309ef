import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Raised as Step Functions raises a failed DynamoDB condition: the ASL catches it by this name. */
class ConditionalCheckFailed extends Error {
  override readonly name = "DynamoDB.ConditionalCheckFailedException";
}

type AttributeValue = { readonly S?: string; readonly N?: string };
interface PutItem {
  readonly TableName: string;
  readonly Item: Readonly<Record<string, AttributeValue>>;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
}

const SUPPORTED_CONDITIONS = new Set([
  "attribute_not_exists(pk)",
  "attribute_not_exists(pk) OR expiresAt < :now",
]);
interface DeleteItem {
  readonly TableName: string;
  readonly Key: Readonly<Record<string, AttributeValue>>;
}

/**
 * The locks table of local mode: the two DynamoDB calls the ASL makes (`putItem` with
 * `attribute_not_exists(pk) OR expiresAt < :now`, `deleteItem`) on a JSON file, so a second `npm start` of the same
 * request sees the first one's lock, and a lock left by a crashed run is taken over once it expired.
 */
export class LocalLockTable {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  private async read(): Promise<Record<string, Record<string, AttributeValue>>> {
    try {
      return JSON.parse(await readFile(this.file, "utf8")) as Record<string, Record<string, AttributeValue>>;
    } catch {
      return {};
    }
  }

  private async write(items: Record<string, Record<string, AttributeValue>>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(items, null, 2));
    await rename(temporary, this.file);
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  putItem(request: PutItem): Promise<Record<string, never>> {
    return this.serialize(async () => {
      const condition = request.ConditionExpression;
      if (condition !== undefined && !SUPPORTED_CONDITIONS.has(condition)) {
        throw new Error(
          `local lock table supports ${[...SUPPORTED_CONDITIONS].join(" | ")}, got ${condition}`,
        );
      }
      const pk = request.Item.pk?.S;
      if (!pk) throw new Error("Item.pk.S is required");
      const items = await this.read();
      const existing = items[`${request.TableName}\n${pk}`];
      const now = Number(request.ExpressionAttributeValues?.[":now"]?.N ?? Number.NaN);
      // As DynamoDB evaluates it: an existing item blocks the put unless the condition lets an expired one go.
      const takeOver = condition?.includes("expiresAt < :now") && Number(existing?.expiresAt?.N) < now;
      if (condition !== undefined && existing && !takeOver) {
        throw new ConditionalCheckFailed("The conditional request failed");
      }
      items[`${request.TableName}\n${pk}`] = { ...request.Item };
      await this.write(items);
      return {};
    });
  }

  deleteItem(request: DeleteItem): Promise<Record<string, never>> {
    return this.serialize(async () => {
      const items = await this.read();
      delete items[`${request.TableName}\n${request.Key.pk?.S ?? ""}`];
      await this.write(items);
      return {};
    });
  }
}
