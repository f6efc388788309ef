import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { sdkStreamMixin } from "@smithy/core/serde";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertArtifactKey } from "#lib/artifact-store.ts";
import { createArtifactStore } from "#lib/create-artifact-store.ts";
import { PlatformError, ThrottledError, TransientError, ValidationFailedError } from "#lib/errors.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import { S3ArtifactStore } from "#lib/s3-artifact-store.ts";

describe("artifact keys", () => {
  it.each(["runs/x/report.json", "a", "runs/exec-1/ledger/20260101T000000000Z-000001-command-ab12.json"])(
    "accepts %s",
    (key) => {
      expect(assertArtifactKey(key)).toBe(key);
    },
  );

  it.each(["", "/abs", "runs/../etc", "runs/./x", "runs//x", "runs/a b", "runs/$(id)", "runs/x;rm"])(
    "rejects %j naming the field",
    (key) => {
      expect(() => assertArtifactKey(key)).toThrow(ValidationFailedError);
      expect(() => assertArtifactKey(key)).toThrow(/artifactKey/);
    },
  );
});

describe("LocalArtifactStore", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "artifacts-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("puts and gets text and JSON, with file:// URIs", async () => {
    // Prepare
    const store = new LocalArtifactStore(directory);
    // Act
    const uri = await store.putJson("runs/e1/report.json", { outcome: "repaired" });
    await store.putText("runs/e1/report.md", "# Report\n");
    // Assess
    expect(uri).toBe(`file://${directory}/runs/e1/report.json`);
    expect(await store.getJson("runs/e1/report.json")).toEqual({ outcome: "repaired" });
    expect(await store.getText("runs/e1/report.md")).toBe("# Report\n");
    expect(await readFile(fileURLToPath(uri), "utf8")).toContain('"outcome": "repaired"');
  });

  it("returns undefined for a missing object", async () => {
    const store = new LocalArtifactStore(directory);
    expect(await store.getText("runs/none.txt")).toBeUndefined();
    expect(await store.getJson("runs/none.json")).toBeUndefined();
  });

  it("streams a writer's chunks into one file that appears only when closed", async () => {
    // Prepare
    const store = new LocalArtifactStore(directory);
    const writer = store.openWriter("runs/e1/commands/out.log");
    // Act
    await writer.write("first ");
    await writer.write(Buffer.from("second"));
    const missingBeforeClose = await store.getText("runs/e1/commands/out.log");
    const uri = await writer.close();
    // Assess
    expect(missingBeforeClose).toBeUndefined();
    expect(await readFile(fileURLToPath(uri), "utf8")).toBe("first second");
  });

  it("discards an aborted writer's output", async () => {
    const store = new LocalArtifactStore(directory);
    const writer = store.openWriter("runs/e1/aborted.log");
    await writer.write("partial");
    await writer.abort();
    expect(await store.list("runs/")).toEqual([]);
  });

  it("lists keys under a prefix, sorted, without partial files", async () => {
    // Prepare
    const store = new LocalArtifactStore(directory);
    await store.putText("runs/e1/ledger/2-b.json", "{}");
    await store.putText("runs/e1/ledger/1-a.json", "{}");
    await store.putText("runs/e2/ledger/1-a.json", "{}");
    const open = store.openWriter("runs/e1/ledger/3-c.json");
    await open.write("{");
    // Act
    const keys = await store.list("runs/e1/ledger/");
    await open.abort();
    // Assess
    expect(keys).toEqual(["runs/e1/ledger/1-a.json", "runs/e1/ledger/2-b.json"]);
    expect(await store.list("runs/e3/")).toEqual([]);
  });

  it("is what createArtifactStore builds for a local location", () => {
    expect(createArtifactStore({ kind: "local", directory })).toBeInstanceOf(LocalArtifactStore);
  });
});

describe("S3ArtifactStore", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  const store = () => new S3ArtifactStore(new S3Client({}), "artifacts-bucket", "repair/");

  it("puts JSON under the prefix and returns an s3:// URI", async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    // Act
    const uri = await store().putJson("runs/e1/report.json", { a: 1 });
    // Assess
    expect(uri).toBe("s3://artifacts-bucket/repair/runs/e1/report.json");
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: "artifacts-bucket",
      Key: "repair/runs/e1/report.json",
      ContentType: "application/json",
    });
    expect(JSON.parse(String(input.Body))).toEqual({ a: 1 });
  });

  it("gets text, and undefined for NoSuchKey", async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: "repair/runs/e1/a.txt" }).resolves({
      Body: sdkStreamMixin(Readable.from([Buffer.from("hello")])),
    });
    s3.on(GetObjectCommand, { Key: "repair/runs/e1/none.txt" }).rejects(
      new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }),
    );
    // Act / Assess
    expect(await store().getText("runs/e1/a.txt")).toBe("hello");
    expect(await store().getText("runs/e1/none.txt")).toBeUndefined();
  });

  it("lists every page under the prefix and strips the store prefix", async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: "repair/runs/e1/ledger/2.json" }],
        NextContinuationToken: "t",
        IsTruncated: true,
      })
      .resolvesOnce({ Contents: [{ Key: "repair/runs/e1/ledger/1.json" }], IsTruncated: false });
    // Act
    const keys = await store().list("runs/e1/ledger/");
    // Assess
    expect(keys).toEqual(["runs/e1/ledger/1.json", "runs/e1/ledger/2.json"]);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Prefix).toBe("repair/runs/e1/ledger/");
  });

  it("streams a small output as one PutObject", async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const writer = store().openWriter("runs/e1/commands/out.log");
    // Act
    await writer.write("line 1\n");
    await writer.write("line 2\n");
    const uri = await writer.close();
    // Assess
    expect(uri).toBe("s3://artifacts-bucket/repair/runs/e1/commands/out.log");
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("streams a large output as a multipart upload while it is written", async () => {
    // Prepare: 12 MiB, i.e. three 5 MiB parts
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "upload-1" });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({
      ETag: `"etag-${input.PartNumber}"`,
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const writer = store().openWriter("runs/e1/commands/big.log");
    const megabyte = "x".repeat(1024 * 1024);
    // Act
    for (let i = 0; i < 12; i++) await writer.write(megabyte);
    await writer.close();
    // Assess
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input.PartNumber);
    expect(parts.sort()).toEqual([1, 2, 3]);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete).toMatchObject({ UploadId: "upload-1", Key: "repair/runs/e1/commands/big.log" });
    expect(complete.MultipartUpload?.Parts).toHaveLength(3);
  });

  it("rejects writes once the upload has failed instead of waiting forever", async () => {
    // Prepare
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "upload-2" });
    s3.on(UploadPartCommand).rejects(new Error("AccessDenied"));
    const writer = store().openWriter("runs/e1/commands/denied.log");
    const megabyte = "y".repeat(1024 * 1024);
    // Act
    const writeAll = async () => {
      for (let i = 0; i < 64; i++) await writer.write(megabyte);
      await writer.close();
    };
    // Assess
    const failure = writeAll();
    await expect(failure).rejects.toBeInstanceOf(PlatformError);
    await expect(failure).rejects.toThrow(/AccessDenied|ended before/);
    await writer.abort();
  });

  const s3Error = (name: string, status: number | undefined, fault: "client" | "server" = "server") =>
    new S3ServiceException({
      name,
      $fault: fault,
      message: `${name} from the test`,
      $metadata: status === undefined ? {} : { httpStatusCode: status },
    });

  it.each([
    ["SlowDown (503)", s3Error("SlowDown", 503), ThrottledError],
    ["ServiceUnavailable (503)", s3Error("ServiceUnavailable", 503), ThrottledError],
    ["InternalError (500)", s3Error("InternalError", 500), TransientError],
    ["an unnamed 502", s3Error("UnknownError", 502), TransientError],
    [
      "a connection reset",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      TransientError,
    ],
    ["AccessDenied (403)", s3Error("AccessDenied", 403, "client"), PlatformError],
    [
      "NoSuchBucket (404)",
      new NoSuchBucket({
        message: "The specified bucket does not exist",
        $metadata: { httpStatusCode: 404 },
      }),
      PlatformError,
    ],
  ])("maps %s of PutObject to its named error, naming the operation and key", async (_case, error, named) => {
    // Prepare
    s3.on(PutObjectCommand).rejects(error);
    // Act
    const attempt = store().putJson("runs/e1/ledger/a.json", {});
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(named);
    await expect(attempt).rejects.toThrow(/S3 PutObject of runs\/e1\/ledger\/a\.json failed/);
  });

  it("maps the errors of GetObject and ListObjectsV2 too", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("SlowDown", 503));
    s3.on(ListObjectsV2Command).rejects(s3Error("AccessDenied", 403, "client"));
    await expect(store().getText("runs/e1/a.txt")).rejects.toBeInstanceOf(ThrottledError);
    await expect(store().list("runs/e1/")).rejects.toBeInstanceOf(PlatformError);
  });

  it("maps a throttled upload part to ThrottledError when the writer closes", async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error("SlowDown", 503));
    const writer = store().openWriter("runs/e1/commands/slow.log");
    await writer.write("a line\n");
    // Act / Assess
    await expect(writer.close()).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports an object that is not JSON as a PlatformError naming it", async () => {
    s3.on(GetObjectCommand).resolves({ Body: sdkStreamMixin(Readable.from([Buffer.from("{oops")])) });
    const attempt = store().getJson("runs/e1/bad.json");
    await expect(attempt).rejects.toBeInstanceOf(PlatformError);
    await expect(attempt).rejects.toThrow("s3://artifacts-bucket/repair/runs/e1/bad.json is not valid JSON");
  });

  it("needs an S3 client when createArtifactStore is asked for S3", () => {
    expect(() => createArtifactStore({ kind: "s3", bucket: "b", prefix: "" })).toThrow(ValidationFailedError);
  });
});
