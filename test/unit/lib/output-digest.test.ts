import { describe, expect, it } from "vitest";
import { OutputDigestBuilder } from "#lib/output-digest.ts";

function digestOf(parts: readonly string[], head: number, tail: number) {
  const builder = new OutputDigestBuilder(head, tail);
  for (const part of parts) {
    builder.count(part);
    builder.keep(Buffer.from(part, "utf8"));
  }
  return builder.digest();
}

describe("OutputDigestBuilder", () => {
  it("keeps everything, untruncated, when the output fits in head + tail", () => {
    // Act
    const digest = digestOf(["one\n", "two\n", "three"], 8, 8);
    // Assess
    expect(digest.head + digest.tail).toBe("one\ntwo\nthree");
    expect(digest).toMatchObject({ bytes: 13, lines: 3, truncated: false });
  });

  it("keeps the first and last bytes of a long output and marks it truncated", () => {
    // Prepare
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`);
    // Act
    const digest = digestOf(lines, 14, 18);
    // Assess
    expect(digest.head).toBe("line 0\nline 1\n");
    expect(digest.tail).toBe("line 998\nline 999\n");
    expect(digest.lines).toBe(1000);
    expect(digest.bytes).toBe(lines.join("").length);
    expect(digest.truncated).toBe(true);
  });

  it("takes the tail from within one large chunk", () => {
    const digest = digestOf([`${"a".repeat(100)}${"b".repeat(100)}`], 10, 5);
    expect(digest).toMatchObject({ head: "a".repeat(10), tail: "bbbbb", truncated: true });
  });

  it("never cuts a multi-byte character in half", () => {
    // Prepare: "é" is 2 bytes, "€" is 3 bytes
    const text = `${"é".repeat(10)}${"x".repeat(50)}${"€".repeat(10)}`;
    // Act: limits that fall inside characters
    const digest = digestOf([text], 5, 7);
    // Assess
    expect(digest.head).toBe("éé");
    expect(digest.tail).toBe("€€");
    expect(digest.bytes).toBe(Buffer.byteLength(text));
  });

  it("counts bytes and lines of the raw output even when the kept text differs (redaction)", () => {
    const builder = new OutputDigestBuilder(100, 100);
    builder.count("token=abcdefgh\nnext");
    builder.keep(Buffer.from("token=[REDACTED]\nnext"));
    expect(builder.digest()).toMatchObject({ bytes: 19, lines: 2, head: "token=[REDACTED]\nnext", tail: "" });
  });

  it("reports zero lines and bytes for no output", () => {
    expect(digestOf([], 10, 10)).toEqual({ head: "", tail: "", bytes: 0, lines: 0, truncated: false });
  });
});
