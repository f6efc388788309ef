import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { ThrottledError, ValidationFailedError } from "#lib/errors.ts";
import { appendLedger, readLedger } from "#lib/ledger.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";

const hash = "a".repeat(64);

describe("ledger", () => {
  let directory: string;
  let store: LocalArtifactStore;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "ledger-"));
    store = new LocalArtifactStore(directory);
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("appends records as separate objects and reads them back in the order they happened", async () => {
    // Prepare / Act
    await appendLedger(store, "exec-1", {
      kind: "agent-turn",
      at: "2026-01-01T00:00:02.000Z",
      iteration: 1,
      summary: "fixed the test",
      changedFiles: ["src/sum.ts"],
      proposedCommands: [],
    });
    await appendLedger(store, "exec-1", {
      kind: "command",
      at: "2026-01-01T00:00:01.000Z",
      iteration: 0,
      purpose: "validation",
      command: "npm test",
      commandHash: hash,
      status: "COMPLETED",
      exitCode: 1,
      durationMs: 1200,
      stdoutBytes: 10,
      stderrBytes: 0,
      artifactUri: "file:///x",
    });
    await appendLedger(store, "exec-2", {
      kind: "workspace",
      at: "2026-01-01T00:00:00.000Z",
      iteration: 0,
      path: "/mnt/workspace/r",
      revision: "abc",
      resumed: false,
      clearedLockFiles: [],
    });
    const ledger = await readLedger(store, "exec-1");
    // Assess
    expect(ledger.records.map((r) => r.kind)).toEqual(["command", "agent-turn"]);
    expect(ledger.unreadable).toEqual([]);
    expect(await store.list("runs/exec-1/ledger/")).toHaveLength(2);
  });

  it("redacts text fields on the way in", async () => {
    await appendLedger(store, "exec-1", {
      kind: "command",
      at: "2026-01-01T00:00:01.000Z",
      iteration: 0,
      purpose: "proposed",
      command: "git push https://bob:hunter2secret@example.com/r.git",
      commandHash: hash,
      status: "COMPLETED",
      exitCode: 0,
      durationMs: 1,
      stdoutBytes: 0,
      stderrBytes: 0,
      artifactUri: "",
    });
    const [record] = (await readLedger(store, "exec-1")).records;
    expect(record).toMatchObject({
      command: "git push https://bob:[REDACTED:url-credentials]@example.com/r.git",
    });
  });

  it("lists objects that are not valid records instead of failing the report", async () => {
    await store.putJson("runs/exec-1/ledger/zzz-foreign.json", { kind: "mystery" });
    const ledger = await readLedger(store, "exec-1");
    expect(ledger.records).toEqual([]);
    expect(ledger.unreadable).toEqual(["runs/exec-1/ledger/zzz-foreign.json"]);
  });

  it("refuses an execution name that cannot be a key", async () => {
    await expect(readLedger(store, "../other")).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(readLedger(store, "../other")).rejects.toThrow(/executionName/);
  });

  it("refuses a malformed record with a ValidationFailedError naming each bad field", async () => {
    // Act
    const error = await appendLedger(store, "exec-1", {
      kind: "command",
      at: "yesterday",
      iteration: 0,
      purpose: "validation",
      command: "npm test",
      commandHash: "not-a-hash",
      status: "COMPLETED",
      durationMs: 1,
      stdoutBytes: 0,
      stderrBytes: 0,
      artifactUri: "",
    }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).fields.map((f) => f.field).sort()).toEqual([
      "ledger.at",
      "ledger.commandHash",
    ]);
    expect(await store.list("runs/exec-1/ledger/")).toEqual([]);
  });

  it("names the kind when a record is of no known kind", async () => {
    const attempt = appendLedger(store, "exec-1", { kind: "mystery", at: "2026-01-01T00:00:00Z" } as never);
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(attempt).rejects.toThrow(/ledger\.kind/);
  });

  it("throws a throttled read instead of reporting the record as unreadable", async () => {
    // Prepare: a store whose reads are throttled, as S3 would be
    await store.putJson("runs/exec-1/ledger/a.json", { kind: "mystery" });
    const throttled: ArtifactStore = {
      uriFor: (key) => store.uriFor(key),
      putText: (key, text) => store.putText(key, text),
      putJson: (key, value) => store.putJson(key, value),
      getText: (key) => store.getText(key),
      getJson: () => Promise.reject(new ThrottledError("S3 GetObject failed with SlowDown (HTTP 503)")),
      openWriter: (key) => store.openWriter(key),
      list: (prefix) => store.list(prefix),
    };
    // Act / Assess
    await expect(readLedger(throttled, "exec-1")).rejects.toBeInstanceOf(ThrottledError);
  });
});
