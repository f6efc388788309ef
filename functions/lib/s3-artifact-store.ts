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

/** 5 MiB parts, two in flight: at most ~15 MiB of output buffered however large the command's output is. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

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
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#objectKey(key),
        Body: text,
        ContentType: contentType,
      }),
    );
    return this.uriFor(key);
  }

  putJson(key: string, value: unknown): Promise<string> {
    return this.putText(key, `${JSON.stringify(value, null, 2)}\n`, "application/json");
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const object = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }),
      );
      return object.Body ? await object.Body.transformToString("utf-8") : "";
    } catch (error) {
      const name = (error as S3ServiceException).name;
      if (name === "NoSuchKey" || name === "NotFound") return undefined;
      throw error;
    }
  }

  async getJson(key: string): Promise<unknown> {
    const text = await this.getText(key);
    return text === undefined ? undefined : JSON.parse(text);
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
    const done = upload.done();
    // If the upload fails while we wait for "drain", the PassThrough never drains: race the two.
    const failed = done.then(
      () => {
        throw new Error(`the upload of ${uri} ended before the writer was closed`);
      },
      (error: unknown) => {
        throw error;
      },
    );
    failed.catch(() => undefined);
    return {
      uri,
      async write(chunk) {
        if (!body.write(chunk)) await Promise.race([once(body, "drain"), failed]);
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
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
      }
    }
    return keys.sort();
  }
}
