import { describe, expect, it } from "vitest";
import type { FailureDigest } from "#lib/contracts.ts";
import { DEFAULT_DIGEST_LIMITS, digestOutput } from "#lib/failure-digest/failure-digest.ts";
import { digestText, linesOf } from "#lib/failure-digest/output-text.ts";
import { handler } from "../../functions/parse-exit-code/handler.ts";
import { classifyOutcome } from "../../functions/parse-exit-code/parse-exit-code.ts";
import { fixture, keptDigest, outcome } from "./parse-exit-code-support.ts";

const request = { workspacePath: "/mnt/workspace/node-calculator", sessionId: `repair-${"a".repeat(64)}` };

function bytesOf(digest: FailureDigest): number {
  return Buffer.byteLength(JSON.stringify(digest), "utf8");
}

describe("parse-exit-code: the four outcomes", () => {
  it("passes a command that completed with exit code 0, with an empty digest", () => {
    // Prepare
    const validation = outcome({ stdout: "Tests  5 passed (5)\n" }, { exitCode: 0 });

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess
    expect(verdict).toEqual({
      outcome: "passed",
      exitCode: 0,
      digest: {
        tool: "none",
        failingTests: [],
        failingCount: 0,
        locations: [],
        firstErrors: [],
        excerpt: "",
      },
    });
  });

  it("fails a command that completed with another exit code, with a digest", () => {
    // Prepare
    const validation = outcome({ stdout: fixture("vitest-assertions.txt") }, { exitCode: 1 });

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess
    expect(verdict.outcome).toBe("failed");
    expect(verdict.exitCode).toBe(1);
    expect(verdict.digest.tool).toBe("vitest");
    expect(verdict.digest.failingTests).toHaveLength(3);
    expect(verdict.digest.excerpt).toContain("Tests  3 failed | 2 passed (5)");
  });

  it("reports a timeout as timed-out, still digesting what the command printed before it was killed", () => {
    // Prepare
    const partial = fixture("pytest-default.txt").split("=========================== short test")[0] ?? "";
    const validation = outcome({ stdout: partial }, { status: "TIMED_OUT", exitCode: 137 });

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess: without the short summary, the section headers name the failures
    expect(verdict.outcome).toBe("timed-out");
    expect(verdict.exitCode).toBe(137);
    expect(verdict.digest.tool).toBe("pytest");
    expect(verdict.digest.failingTests[0]).toBe("test_restock_adds_amount");
  });

  it("treats exit code -1 as a platform error", () => {
    // Prepare
    const validation = outcome(
      { stderr: "bash: fork: retry: Resource temporarily unavailable\n" },
      { exitCode: -1 },
    );

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess
    expect(verdict.outcome).toBe("platform-error");
    expect(verdict.exitCode).toBe(-1);
    expect(verdict.digest.tool).toBe("generic");
  });

  it("treats a missing, malformed or still-running outcome as a platform error", () => {
    // Prepare
    const running = { ...outcome({}, { exitCode: 0 }), pending: { runId: "run-7", pollAfterSeconds: 60 } };

    // Act
    const missing = classifyOutcome({ request });
    const malformed = classifyOutcome({ request, validation: { status: "COMPLETED" } });
    const notAnObject = classifyOutcome(null);
    const stillRunning = classifyOutcome({ request, validation: running });

    // Assess
    expect(missing).toMatchObject({ outcome: "platform-error", exitCode: -1 });
    expect(missing.digest.firstErrors).toEqual(["the validation outcome is missing"]);
    expect(malformed.outcome).toBe("platform-error");
    expect(malformed.digest.firstErrors[0]).toContain("malformed");
    expect(notAnObject.outcome).toBe("platform-error");
    expect(stillRunning.outcome).toBe("platform-error");
    expect(stillRunning.digest.firstErrors).toEqual(["the validation command is still running (run run-7)"]);
  });

  it("answers through the handler with the same verdict", async () => {
    // Prepare
    const state = { request, validation: outcome({ stdout: fixture("tsc-default.txt") }, { exitCode: 2 }) };

    // Act
    const verdict = await handler(state);

    // Assess
    expect(verdict).toEqual(classifyOutcome(state));
    expect(verdict.digest.tool).toBe("tsc");
  });
});

describe("parse-exit-code: the generic fallback", () => {
  it("keeps error lines, file:line locations and the head and tail of unknown output", () => {
    // Prepare
    const text = [
      "make -C build all",
      "cc -O2 -c src/parser.c -o parser.o",
      "src/parser.c:42:7: error: 'token' undeclared (first use in this function)",
      ...Array.from({ length: 400 }, (_, i) => `compiling unit ${i} of 400 with a fairly long progress line`),
      "make: *** [Makefile:12: build] Error 1",
    ].join("\n");
    const validation = outcome({ stdout: text }, { exitCode: 2 });

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess
    expect(verdict.digest.tool).toBe("generic");
    expect(verdict.digest.firstErrors).toEqual([
      "src/parser.c:42:7: error: 'token' undeclared (first use in this function)",
      "make: *** [Makefile:12: build] Error 1",
    ]);
    expect(verdict.digest.locations).toEqual([
      { file: "src/parser.c", line: 42, column: 7 },
      { file: "Makefile", line: 12 },
    ]);
    expect(verdict.digest.excerpt.startsWith("make -C build all")).toBe(true);
    expect(verdict.digest.excerpt).toContain("\n[...]\n");
    expect(verdict.digest.excerpt.endsWith("make: *** [Makefile:12: build] Error 1")).toBe(true);
  });

  it("does not take a URL's port for a file location", () => {
    // Act
    const digest = digestOutput(linesOf("error: connect to https://registry.example.com:8443 refused\n"));

    // Assess
    expect(digest.locations).toEqual([]);
    expect(digest.firstErrors).toHaveLength(1);
  });
});

describe("parse-exit-code: reading the kept output", () => {
  it("joins head and tail, marking the bytes the collector dropped", () => {
    // Prepare
    const whole = "first line\nsecond line\n";
    const long = `${"h".repeat(2048)}${"m".repeat(1000)}${"t".repeat(6144)}`;

    // Act
    const untouched = digestText(keptDigest(whole));
    const joined = digestText(keptDigest(long));

    // Assess
    expect(untouched).toBe(whole);
    expect(joined).toBe(`${"h".repeat(2048)}\n[... 1000 bytes omitted ...]\n${"t".repeat(6144)}`);
  });
});

describe("parse-exit-code: the digest stays bounded", () => {
  it("keeps at most N entries of bounded length and at most 8 KB in all, on a huge output", () => {
    // Prepare: 20,000 failing vitest tests with long messages (about 9 MB)
    const failures = Array.from({ length: 20_000 }, (_, i) =>
      [
        ` FAIL  test/generated-${i}.test.ts > suite ${i} > case ${"x".repeat(300)} ${i}`,
        `AssertionError: expected ${i} to be ${i + 1} ${"y".repeat(200)}`,
        ` ❯ test/generated-${i}.test.ts:${i + 1}:5`,
        "",
      ].join("\n"),
    );
    const text = [" RUN  v4.1.12 /repo", ...failures, " Test Files  20000 failed (20000)"].join("\n");

    // Act
    const digest = digestOutput(linesOf(text), { workspacePath: "/repo" });

    // Assess
    expect(digest.tool).toBe("vitest");
    expect(bytesOf(digest)).toBeLessThanOrEqual(DEFAULT_DIGEST_LIMITS.maxDigestBytes);
    for (const list of [digest.failingTests, digest.locations, digest.firstErrors]) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(DEFAULT_DIGEST_LIMITS.maxEntries);
    }
    for (const entry of [...digest.failingTests, ...digest.firstErrors]) {
      expect(entry.length).toBeLessThanOrEqual(DEFAULT_DIGEST_LIMITS.maxEntryChars);
    }
    expect(digest.failingTests[0]).toMatch(/^test\/generated-0\.test\.ts > suite 0 > case x+/);
    expect(digest.locations[0]).toEqual({ file: "test/generated-0.test.ts", line: 1, column: 5 });
  });

  it("stays within a smaller byte budget by shrinking the excerpt, then dropping the last entries", () => {
    // Prepare
    const limits = { ...DEFAULT_DIGEST_LIMITS, maxDigestBytes: 1200 };

    // Act
    const digest = digestOutput(linesOf(fixture("pytest-default.txt")), { limits });

    // Assess
    expect(bytesOf(digest)).toBeLessThanOrEqual(1200);
    expect(digest.failingTests[0]).toBe("tests/test_stock.py::test_restock_adds_amount");
  });

  it("bounds a single enormous line and multi-byte text", () => {
    // Prepare: only the head and tail of the line were kept (the streamed digest reads it: see the streaming tests)
    const line = `error: ${"é🙂".repeat(400_000)}`;
    const validation = outcome({ stdout: line }, { exitCode: 1 });

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess: both kept pieces are cut pieces of one line, so neither is read as a line; the excerpt shows them
    expect(verdict.outcome).toBe("failed");
    expect(bytesOf(verdict.digest)).toBeLessThanOrEqual(DEFAULT_DIGEST_LIMITS.maxDigestBytes);
    expect(verdict.digest.firstErrors).toEqual([]);
    expect(verdict.digest.excerpt).toContain("bytes omitted");
  });

  it("masks a secret that reached the output", () => {
    // Prepare
    const token = `ghp_${"A1b2C3d4".repeat(5)}`;
    const validation = outcome(
      { stdout: `Error: push to https://${token}@github.com/o/r.git failed\n` },
      { exitCode: 128 },
    );

    // Act
    const verdict = classifyOutcome({ request, validation });

    // Assess
    expect(JSON.stringify(verdict)).not.toContain(token);
    expect(verdict.digest.firstErrors[0]).toContain("[REDACTED:");
  });
});
