import { describe, expect, it } from "vitest";
import { loadConfig } from "#lib/config.ts";
import { ValidationFailedError } from "#lib/errors.ts";

describe("loadConfig", () => {
  it("uses defaults with a local artifact directory", () => {
    expect(loadConfig({ ARTIFACT_DIR: "/tmp/a" })).toEqual({
      mountPath: "/mnt/workspace",
      artifacts: { kind: "local", directory: "/tmp/a" },
      digestHeadBytes: 2048,
      digestTailBytes: 6144,
      maxSyncCommandSeconds: 840,
      commandMarginSeconds: 30,
      pollIntervalSeconds: 60,
      agentReplyMaxBytes: 1_048_576,
      toolCacheDir: "/tmp/repair-cache",
    });
  });

  it("prefers the S3 bucket and normalises its prefix", () => {
    const config = loadConfig({
      ARTIFACT_BUCKET: "bucket-1",
      ARTIFACT_PREFIX: "/repair/x/",
      ARTIFACT_DIR: "/tmp/a",
    });
    expect(config.artifacts).toEqual({ kind: "s3", bucket: "bucket-1", prefix: "repair/x/" });
  });

  it("reads overrides", () => {
    const config = loadConfig({
      ARTIFACT_DIR: "/tmp/a",
      REPAIR_MOUNT_PATH: "/mnt/data/",
      DIGEST_HEAD_BYTES: "100",
      DIGEST_TAIL_BYTES: "200",
      MAX_SYNC_COMMAND_SECONDS: "60",
    });
    expect(config).toMatchObject({
      mountPath: "/mnt/data",
      digestHeadBytes: 100,
      digestTailBytes: 200,
      maxSyncCommandSeconds: 60,
    });
  });

  it("names every bad variable and its limit in one error", () => {
    // Act
    let caught: unknown;
    try {
      loadConfig({ REPAIR_MOUNT_PATH: "/home/x", DIGEST_HEAD_BYTES: "-1", MAX_SYNC_COMMAND_SECONDS: "abc" });
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(caught).toBeInstanceOf(ValidationFailedError);
    const fields = (caught as ValidationFailedError).fields.map((f) => f.field);
    expect(fields).toEqual([
      "REPAIR_MOUNT_PATH",
      "ARTIFACT_BUCKET",
      "DIGEST_HEAD_BYTES",
      "MAX_SYNC_COMMAND_SECONDS",
    ]);
    expect((caught as Error).message).toContain("between 0 and 65536");
  });

  it("refuses a tool cache inside the mount path", () => {
    expect(() =>
      loadConfig({ ARTIFACT_DIR: "/tmp/a", REPAIR_TOOL_CACHE_DIR: "/mnt/workspace/.cache" }),
    ).toThrow(/REPAIR_TOOL_CACHE_DIR/);
  });
});
