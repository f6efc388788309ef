import { describe, expect, it } from "vitest";
import { classifyOutcome } from "../../functions/parse-exit-code/parse-exit-code.ts";
import { fixture, outcome } from "./parse-exit-code-support.ts";

/** Digest of a real tool's failing output, as the state machine would hand it over. */
function digestOf(name: string, options: { stream?: "stdout" | "stderr"; workspacePath?: string } = {}) {
  const text = fixture(name);
  const validation = outcome(options.stream === "stderr" ? { stderr: text } : { stdout: text }, {
    exitCode: 1,
  });
  const request = options.workspacePath ? { workspacePath: options.workspacePath } : undefined;
  const verdict = classifyOutcome({ validation, request });
  expect(verdict.outcome).toBe("failed");
  return verdict.digest;
}

describe("parse-exit-code recognises real tool output", () => {
  it.each(["vitest-assertions.txt", "vitest-assertions-color.txt"])("vitest: %s", (name) => {
    // Act
    const digest = digestOf(name);

    // Assess
    expect(digest.tool).toBe("vitest");
    expect(digest.failingTests).toEqual([
      "test/amount.test.js > parses a missing amount as zero",
      "test/calculator.test.js > calculator > adds two numbers",
      "test/calculator.test.js > calculator > refuses to divide by zero",
    ]);
    expect(digest.locations).toEqual([
      { file: "src/calculator.js", line: 11, column: 33 },
      { file: "test/amount.test.js", line: 9, column: 10 },
      { file: "test/calculator.test.js", line: 6, column: 23 },
      { file: "test/calculator.test.js", line: 14, column: 32 },
    ]);
    expect(digest.firstErrors[0]).toBe("TypeError: Cannot read properties of undefined (reading 'value')");
    expect(digest.firstErrors[1]).toMatch(
      /^AssertionError: expected -1 to be 5 \/\/ Object\.is equality\n- Expected/,
    );
    expect(digest.excerpt).not.toContain("\u001b[");
  });

  it("vitest: a test file that fails to load", () => {
    // Act
    const digest = digestOf("vitest-import-error.txt");

    // Assess
    expect(digest.tool).toBe("vitest");
    expect(digest.failingTests).toEqual(["test/report.test.js"]);
    expect(digest.locations).toEqual([{ file: "test/report.test.js", line: 2, column: 1 }]);
    expect(digest.firstErrors).toEqual([
      "Error: Cannot find module '../src/report.js' imported from /tmp/fx/vt2/test/report.test.js",
    ]);
  });

  it("jest (on stderr)", () => {
    // Act
    const digest = digestOf("jest-assertions.txt", { stream: "stderr" });

    // Assess
    expect(digest.tool).toBe("jest");
    expect(digest.failingTests).toEqual([
      "test/cart.test.js > cart › applies a percentage discount",
      "test/cart.test.js > cart › totals quantities",
      "test/empty.test.js > an empty cart totals zero",
    ]);
    expect(digest.locations).toEqual([
      { file: "test/cart.test.js", line: 9, column: 36 },
      { file: "test/cart.test.js", line: 13, column: 48 },
      { file: "src/cart.js", line: 2, column: 16 },
      { file: "test/empty.test.js", line: 4, column: 10 },
    ]);
    expect(digest.firstErrors).toEqual([
      "expect(received).toBe(expected) // Object.is equality\nExpected: 90\nReceived: -900",
      "expect(received).toEqual(expected) // deep equality\nExpected: 6\nReceived: 2",
      "TypeError: Cannot read properties of undefined (reading 'reduce')",
    ]);
  });

  it("node:test, TAP reporter, with locations made relative to the workspace", () => {
    // Act
    const digest = digestOf("node-test-tap.txt", { workspacePath: "/tmp/fx/nt" });

    // Assess
    expect(digest.tool).toBe("node-test");
    expect(digest.failingTests).toEqual([
      "slugify > collapses repeated spaces",
      "truncate > keeps the result within max characters",
      "handles a missing title",
    ]);
    expect(digest.locations).toEqual([
      { file: "test/slug.test.mjs", line: 11, column: 12 },
      { file: "test/slug.test.mjs", line: 10, column: 3 },
      { file: "test/slug.test.mjs", line: 17, column: 12 },
      { file: "test/slug.test.mjs", line: 16, column: 3 },
      { file: "src/slug.mjs", line: 2, column: 16 },
      { file: "test/slug.test.mjs", line: 21, column: 1 },
    ]);
    expect(digest.firstErrors).toEqual([
      "Expected values to be strictly equal:\n+ actual - expected\n+ 'hello---world'\n- 'hello-world'\n^",
      "result is longer than max",
      "Cannot read properties of undefined (reading 'toLowerCase')",
    ]);
  });

  it("node:test, spec reporter: the summary's bare names get their suites from the tree above it", () => {
    // Act
    const digest = digestOf("node-test-spec.txt", { workspacePath: "/tmp/fx/nt" });

    // Assess: the same names as the TAP reporter gives
    expect(digest.tool).toBe("node-test");
    expect(digest.failingTests).toEqual([
      "slugify > collapses repeated spaces",
      "truncate > keeps the result within max characters",
      "handles a missing title",
    ]);
    expect(digest.failingCount).toBe(3);
    expect(digest.locations).toContainEqual({ file: "test/slug.test.mjs", line: 11, column: 12 });
    expect(digest.locations).toContainEqual({ file: "src/slug.mjs", line: 2, column: 16 });
    expect(digest.locations.some((l) => l.file.startsWith("node:"))).toBe(false);
    expect(digest.firstErrors[1]).toBe("AssertionError [ERR_ASSERTION]: result is longer than max");
    expect(digest.firstErrors[2]).toBe(
      "TypeError [Error]: Cannot read properties of undefined (reading 'toLowerCase')",
    );
  });

  it.each(["pytest-default.txt", "pytest-short.txt"])("pytest: %s", (name) => {
    // Act
    const digest = digestOf(name);

    // Assess
    expect(digest.tool).toBe("pytest");
    expect(digest.failingTests).toEqual([
      "tests/test_stock.py::test_restock_adds_amount",
      "tests/test_stock.py::test_low_stock_lists_items_below_threshold",
      "tests/test_stock.py::test_price_of_unknown_item_is_none",
      "tests/test_stock.py::test_restock_never_negative[1]",
    ]);
    expect(digest.locations).toEqual([
      { file: "tests/test_stock.py", line: 7 },
      { file: "tests/test_stock.py", line: 11 },
      { file: "tests/test_stock.py", line: 15 },
      { file: "inventory/stock.py", line: 11 },
      { file: "tests/test_stock.py", line: 20 },
    ]);
    expect(digest.firstErrors[0]).toMatch(/^AssertionError: assert \{'apples': -1\} == \{'apples': 5\}\n/);
    expect(digest.firstErrors.slice(2)).toEqual(["KeyError: 'kiwi'", "assert -1 >= 0"]);
  });

  it.each(["go-test-default.txt", "go-test-verbose.txt"])("go test: %s", (name) => {
    // Act
    const digest = digestOf(name, { workspacePath: "/tmp/fx/gt" });

    // Assess: the parent of a failed subtest is not listed; the standard library's frames are dropped
    expect(digest.tool).toBe("go-test");
    expect(digest.failingTests).toEqual(["TestAdd", "TestDivide/by_zero", "TestFieldMissing"]);
    expect(digest.locations).toEqual([
      { file: "calc_test.go", line: 7 },
      { file: "calc_test.go", line: 19 },
      { file: "parse/parse.go", line: 6 },
      { file: "parse/parse_test.go", line: 12 },
    ]);
    expect(digest.firstErrors).toEqual([
      "calc_test.go:7: Add(2, 3) = -1; want 5",
      "calc_test.go:19: Divide(1, 0) returned no error",
      "panic: runtime error: index out of range [1] with length 1",
    ]);
  });

  it("go test: a package that does not compile", () => {
    // Act
    const digest = digestOf("go-test-build-failed.txt");

    // Assess
    expect(digest.tool).toBe("go-test");
    expect(digest.failingTests).toEqual(["example.com/shop/money [build failed]"]);
    expect(digest.locations).toEqual([{ file: "money/money_test.go", line: 6, column: 12 }]);
    expect(digest.firstErrors).toEqual(["money/money_test.go:6:12: undefined: Round"]);
  });

  it.each(["tsc-default.txt", "tsc-pretty.txt"])("tsc: %s", (name) => {
    // Act
    const digest = digestOf(name);

    // Assess: related-information lines of --pretty (src/order.ts:3:3) are not errors
    expect(digest.tool).toBe("tsc");
    expect(digest.failingTests).toEqual([]);
    expect(digest.locations).toEqual([
      { file: "src/index.ts", line: 3, column: 40 },
      { file: "src/index.ts", line: 4, column: 27 },
      { file: "src/order.ts", line: 7, column: 9 },
      { file: "src/order.ts", line: 12, column: 3 },
    ]);
    expect(digest.firstErrors[0]).toBe(
      "src/index.ts:3:40 TS2322: Type 'string' is not assignable to type 'number'.",
    );
    expect(digest.firstErrors).toHaveLength(4);
  });

  it("tsc: keeps the elaboration lines of a plain diagnostic", () => {
    // Act
    const digest = digestOf("tsc-default.txt");

    // Assess
    expect(digest.firstErrors[3]).toBe(
      "src/order.ts:12:3 TS2322: Type 'Order | undefined' is not assignable to type 'Order'.\nType 'undefined' is not assignable to type 'Order'.",
    );
  });

  it("eslint: errors only, warnings left out", () => {
    // Act
    const digest = digestOf("eslint-stylish.txt", { workspacePath: "/tmp/fx/es" });

    // Assess
    expect(digest.tool).toBe("eslint");
    expect(digest.locations).toEqual([
      { file: "src/report.js", line: 1, column: 10 },
      { file: "src/report.js", line: 5, column: 9 },
      { file: "src/report.js", line: 7, column: 18 },
      { file: "src/report.js", line: 13, column: 15 },
    ]);
    expect(digest.firstErrors[0]).toBe(
      "src/report.js:1:10 'readFileSync' is defined but never used (no-unused-vars)",
    );
    expect(digest.firstErrors.join("\n")).not.toContain("prefer-const");
  });

  it("python -m unittest: the README's own Python sample, whose test module fails to import", () => {
    // Act
    const digest = digestOf("unittest-import-error.txt", { workspacePath: "/tmp/fx/py-inventory" });

    // Assess: the module is the failing unit; the frames in the standard library are left out
    expect(digest.tool).toBe("unittest");
    expect(digest.failingTests).toEqual(["tests.test_inventory"]);
    expect(digest.failingCount).toBe(1);
    expect(digest.locations).toEqual([
      { file: "tests/test_inventory.py", line: 3 },
      { file: "inventory/stock.py", line: 5 },
    ]);
    expect(digest.firstErrors).toEqual([
      "ImportError: cannot import name 'discounted_price' from 'inventory.pricing' (/tmp/fx/py-inventory/inventory/pricing.py)",
    ]);
  });

  it.each(["go-test-timeout.txt", "go-test-timeout-verbose.txt"])(
    "go test (1.19): the test that ran into the timeout is named from the goroutine dump (%s)",
    (name) => {
      // Act
      const digest = digestOf(name, { workspacePath: "/tmp/fx/go-many" });

      // Assess
      expect(digest.tool).toBe("go-test");
      expect(digest.failingTests).toEqual(["TestWaitsForever"]);
      expect(digest.failingCount).toBe(1);
      expect(digest.locations[0]).toEqual({ file: "slow/slow_test.go", line: 11 });
      expect(digest.firstErrors[0]).toBe("panic: test timed out after 2s");
    },
  );

  it("go test (1.20+): the tests listed as still running under the timeout panic are named", () => {
    // Prepare: the format of testing.go since Go 1.20 (no newer go here to capture it from)
    const text = [
      "=== RUN   TestWaitsForever",
      "=== RUN   TestWaitsForever/one_hour",
      "panic: test timed out after 2s",
      "running tests:",
      "\tTestWaitsForever (2s)",
      "\tTestWaitsForever/one_hour (2s)",
      "",
      "goroutine 17 [running]:",
      "testing.(*M).startAlarm.func1()",
      "\t/usr/local/go/src/testing/testing.go:2259 +0x259",
      "FAIL\texample.com/shop/slow\t2.012s",
      "",
    ].join("\n");
    const validation = outcome({ stdout: text }, { exitCode: 1 });

    // Act
    const { digest } = classifyOutcome({ validation });

    // Assess: the subtest is the precise name
    expect(digest.tool).toBe("go-test");
    expect(digest.failingTests).toEqual(["TestWaitsForever/one_hour"]);
    expect(digest.failingCount).toBe(1);
  });
});

describe("parse-exit-code without the streamed digest reads whole lines of the kept head and tail only", () => {
  /** Every name a tool printed in full, to check that no digest name is a piece of one. */
  function printedNames(text: string, pattern: RegExp): Set<string> {
    return new Set([...text.matchAll(pattern)].map((m) => m[1] ?? ""));
  }

  it("a head cut in the middle of a failure's header line does not yield a shortened name", () => {
    // Prepare: the kept head ends inside " FAIL  test/alpha.test.js > alpha suite > adds case 3"
    const text = fixture("vitest-many.txt");
    const cut = text.indexOf(" > adds case 3\n") + " > adds ca".length;
    const tail = text.slice(text.length - 6144);
    const validation = {
      ...outcome({}, { exitCode: 1 }),
      stdout: { head: text.slice(0, cut), tail, bytes: text.length, lines: 0, truncated: true },
    };

    // Act
    const { digest } = classifyOutcome({ validation });

    // Assess
    expect(digest.failingTests).toContain("test/alpha.test.js > alpha suite > adds case 2");
    expect(digest.failingTests.some((name) => name.endsWith("adds ca"))).toBe(false);
  });

  it.each([
    ["vitest-many.txt", /^ FAIL {2}(.+)$/gm, "/tmp/fx/vitest-many"],
    ["pytest-many.txt", /^FAILED (.+?)(?: - .*)?$/gm, "/tmp/fx/pytest-many"],
    ["jest-many.txt", /^ {2}● (.+)$/gm, "/tmp/fx/jest-many"],
  ])("%s: every name is one the tool printed whole", (name, pattern, workspacePath) => {
    // Prepare: only 2 KB of head and 6 KB of tail, cut at byte counts (mid-line)
    const text = fixture(name);
    const names = printedNames(text, pattern);

    // Act
    const digest = digestOf(name, { workspacePath });

    // Assess
    expect(digest.failingTests.length).toBeGreaterThan(0);
    for (const test of digest.failingTests)
      expect(names.has(test) || names.has(test.replace(/^\S+ > /, ""))).toBe(true);
  });
});
