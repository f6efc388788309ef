import { once } from "node:events";
import { PassThrough } from "node:stream";
import {
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  type S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  type ArtifactStore,
  type ArtifactWriter,
  assertArtifactKey,
  assertArtifactPrefix,
} from "./artifact-store.ts";
import { classifyAwsFailure } from "./aws-failure-class.ts";
import { PlatformError, RepairError, ThrottledError, TransientError } from "./errors.ts";
import { redactBounded } from "./redaction.ts";

/** 5 MiB parts, two in flight: at most ~15 MiB of output buffered however large the command's output is. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

const MESSAGE_LIMIT = 300;

export interface StorageErrorContext {
  /** The S3 operation, e.g. "PutObject". */
  readonly operation: string;
  /** The artifact key (relative, never a secret), or the prefix for a listing. */
  readonly key: string;
}

/**
 * Maps what the S3 client (or lib-storage's Upload) threw to the named errors the state machine retries and
 * catches: SlowDown / 503 / 429 → ThrottledError; InternalError, other 5xx and network failures → TransientError;
 * anything else (AccessDenied, NoSuchBucket, a bad request) → PlatformError, which no retry would fix.
 * A RepairError passes through unchanged.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): RepairError {
  if (error instanceof RepairError) return error;
  const record = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const name = typeof record.name === "string" ? record.name : "Error";
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined;
  const status = typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
  const text = typeof record.message === "string" ? record.message : String(error);
  const message = `S3 ${context.operation} of ${context.key} failed with ${name}${status ? ` (HTTP ${status})` : ""}: ${redactBounded(text, MESSAGE_LIMIT)}`;
  const details = {
    operation: context.operation,
    key: context.key,
    sdkError: name,
    ...(status !== undefined ? { httpStatus: status } : {}),
  };
  const options = { cause: error };
  const kind = classifyAwsFailure(error);
  // S3 answers 503 (SlowDown) when a prefix gets more requests than it can take: a throttle, not a fault.
  if (kind === "throttled" || status === 503) return new ThrottledError(message, details, options);
  if (kind === "transient") return new TransientError(message, details, options);
  return new PlatformError(message, details, options);
}

/** The artifact store in AWS: one bucket, an optional key prefix, streaming writes as multipart uploads. */
export class S3ArtifactStore implements ArtifactStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(s3: S3Client, bucket: string, prefix = "") {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#prefix = prefix;
  }

  #objectKey(key: string): string {
    return `${this.#prefix}${assertArtifactKey(key)}`;
  }

  uriFor(key: string): string {
    return `s3://${this.#bucket}/${this.#objectKey(key)}`;
  }

  async putText(key: string, text: string, contentType = "text/plain; charset=utf-8"): Promise<string> {
    const objectKey = this.#objectKey(key);
    try {
      await this.#s3.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: objectKey, Body: text, ContentType: contentType }),
      );
    } catch (error) {
      throw toStorageError(error, { operation: "PutObject", key });
    }
    return this.uriFor(key);
  }

  putJson(key: string, value: unknown): Promise<string> {
    return this.putText(key, `${JSON.stringify(value, null, 2)}\n`, "application/json");
  }

  async getText(key: string): Promise<string | undefined> {
    const objectKey = this.#objectKey(key);
    try {
      const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      return object.Body ? await object.Body.transformToString("utf-8") : "";
    } catch (error) {
      const name = (error as S3ServiceException).name;
      if (name === "NoSuchKey" || name === "NotFound") return undefined;
      throw toStorageError(error, { operation: "GetObject", key });
    }
  }

  async getJson(key: string): Promise<unknown> {
    const text = await this.getText(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new PlatformError(
        `the artifact ${this.uriFor(key)} is not valid JSON (${redactBounded((error as Error).message, MESSAGE_LIMIT)})`,
        { key },
        { cause: error },
      );
    }
  }

  openWriter(key: string, contentType = "text/plain; charset=utf-8"): ArtifactWriter {
    const uri = this.uriFor(key);
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.#s3,
      params: { Bucket: this.#bucket, Key: this.#objectKey(key), Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const done = upload.done().catch((error: unknown) => {
      throw toStorageError(error, { operation: "Upload", key });
    });
    // If the upload fails while we wait for "drain", the PassThrough never drains: race the two.
    const failed = done.then(() => {
      throw new PlatformError(`the upload of ${uri} ended before the writer was closed`, { key });
    });
    failed.catch(() => undefined);
    return {
      uri,
      async write(chunk) {
        try {
          if (!body.write(chunk)) await Promise.race([once(body, "drain"), failed]);
        } catch (error) {
          throw toStorageError(error, { operation: "Upload", key });
        }
      },
      async close() {
        body.end();
        await done;
        return uri;
      },
      async abort() {
        try {
          await upload.abort();
        } catch {
          // Aborting an upload that never started or already failed: nothing left to discard.
        }
        body.destroy();
        await done.catch(() => undefined);
      },
    };
  }

  async list(prefix: string): Promise<string[]> {
    assertArtifactPrefix(prefix);
    const keys: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.#s3 },
      { Bucket: this.#bucket, Prefix: `${this.#prefix}${prefix}` },
    );
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
        }
      }
    } catch (error) {
      throw toStorageError(error, { operation: "ListObjectsV2", key: prefix });
    }
    return keys.sort();
  }
}
