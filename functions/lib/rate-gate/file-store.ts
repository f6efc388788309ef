import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { BucketState, BucketStore } from "./token-bucket.ts";

/**
 * The buckets of local mode in one JSON file (as the runner's locks table): every execution of the local runner
 * shares it, since they all run their handlers in its process. Reads and writes are serialized in the process and
 * the file is replaced atomically, so the compare-and-set holds as it does in DynamoDB.
 */
export class FileBucketStore implements BucketStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  read(key: string): Promise<{ state: BucketState; version: string } | undefined> {
    return this.serialize(async () => {
      const item = (await this.load())[key];
      return item
        ? { state: { tokens: item.tokens, updatedAtMs: item.updatedAtMs }, version: item.version }
        : undefined;
    });
  }

  write(key: string, next: BucketState, expectedVersion: string | undefined): Promise<boolean> {
    return this.serialize(async () => {
      const items = await this.load();
      if (items[key]?.version !== expectedVersion) return false;
      items[key] = { ...next, version: String((Number(expectedVersion ?? "0") || 0) + 1) };
      await mkdir(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(items));
      await rename(temporary, this.file);
      return true;
    });
  }

  private async load(): Promise<Record<string, BucketState & { version: string }>> {
    try {
      return JSON.parse(await readFile(this.file, "utf8")) as Record<
        string,
        BucketState & { version: string }
      >;
    } catch {
      return {};
    }
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
