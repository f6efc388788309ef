import type { FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * `go test` (plain and -v):
 *   --- FAIL: TestDivide (0.00s)
 *       --- FAIL: TestDivide/by_zero (0.00s)
 *           calc_test.go:19: Divide(1, 0) returned no error
 *   panic: runtime error: index out of range [1] with length 1 [recovered]
 *   	/repo/parse/parse.go:6
 *   FAIL	example.com/shop/calc	0.021s
 * and compile errors:
 *   # example.com/shop/money [example.com/shop/money.test]
 *   money/money_test.go:6:12: undefined: Round
 *   FAIL	example.com/shop/money [build failed]
 */
const FAILED_TEST = /^\s*--- FAIL: (\S+) \(/;
const PACKAGE_RESULT = /^(?:FAIL|ok)\s+(\S+)\s+(?:\d[\d.]*s|\(cached\)|\[build failed\]|\[setup failed\])/;
const BUILD_FAILED = /^FAIL\s+(\S+) \[(?:build|setup) failed\]/;
const TEST_LOG = /^\s+([\w./-]+\.go):(\d+): (.+)$/;
const COMPILE_ERROR = /^(?:\.\/)?([\w./-]+\.go):(\d+):(\d+): (.+)$/;
const PANIC = /^panic: (.+?)(?: \[recovered\])?$/;
const GOROUTINE_FRAME = /^\t(\/\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
const RUN = /^=== (?:RUN|PAUSE|CONT) /;
const TIMED_OUT = /^panic: test timed out after /;
/** Go 1.20+ lists the tests still running under the timeout panic: `running tests:` then `\tTestX (2s)`. */
const RUNNING_TEST = /^\t(\S+) \([^)]*\)$/;
/** Older Go: the goroutine dump shows the test function, `example.com/shop/slow.TestX(0xc000...)`. */
const TEST_FUNCTION_FRAME =
  /^(?:[\w.~-]+\/)*[\w.~-]+\.((?:Test|Benchmark|Fuzz)[A-Z0-9_]\w*|(?:Test|Benchmark|Fuzz))(?:\.func\d+)*\(/;
const MAX_NAMES = 200;

class GoTestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  readonly #failed: string[] = [];
  /** Distinct failing names (bounded) and how many of them turned out to be parents of a failing subtest. */
  readonly #seen = new Set<string>();
  readonly #parents = new Set<string>();
  /** After `panic: test timed out`: the tests still running are the ones that timed out. */
  #timeout: "none" | "panic" | "running-list" = "none";

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    const failed = FAILED_TEST.exec(line);
    if (failed?.[1]) {
      this.recognised = true;
      this.#count(failed[1]);
      if (this.#failed.length < MAX_NAMES && !this.#failed.includes(failed[1])) this.#failed.push(failed[1]);
      return;
    }
    if (TIMED_OUT.test(line)) {
      this.recognised = true;
      this.#timeout = "panic";
    } else if (this.#timeout !== "none" && this.#consumeTimeout(line)) return;
    if (PACKAGE_RESULT.test(line) || RUN.test(line)) this.recognised = true;
    const buildFailed = BUILD_FAILED.exec(line);
    if (buildFailed?.[1]) {
      if (this.#failed.length < 200) this.#failed.push(`${buildFailed[1]} [build failed]`);
      return;
    }
    const log = TEST_LOG.exec(line);
    if (log?.[1]) {
      this.#findings.addLocation(log[1], Number(log[2]));
      this.#findings.addError(`${log[1]}:${log[2]}: ${log[3]}`);
      return;
    }
    const compile = COMPILE_ERROR.exec(line);
    if (compile?.[1]) {
      this.#findings.addLocation(compile[1], Number(compile[2]), Number(compile[3]));
      this.#findings.addError(`${compile[1]}:${compile[2]}:${compile[3]}: ${compile[4]}`);
      return;
    }
    const panic = PANIC.exec(line);
    if (panic?.[1]) {
      this.#findings.addError(`panic: ${panic[1]}`);
      return;
    }
    const frame = GOROUTINE_FRAME.exec(line);
    if (frame?.[1]) this.#findings.addLocation(frame[1], Number(frame[2]));
  }

  finish(): void {
    // A parent test fails because a subtest did; the subtest is the precise name.
    for (const name of this.#failed) {
      if (!this.#failed.some((other) => other.startsWith(`${name}/`))) this.#findings.addTest(name);
    }
    // go test prints no total: the failures counted are the leaves.
    if (this.#seen.size > 0) this.#findings.reportTotal(this.#seen.size - this.#parents.size);
  }

  #count(name: string): void {
    if (this.#seen.has(name) || this.#seen.size >= 10_000) return;
    this.#seen.add(name);
    // The parent's line comes first; its subtest's line shows it was only a parent.
    const slash = name.lastIndexOf("/");
    const parent = slash === -1 ? undefined : name.slice(0, slash);
    if (parent !== undefined && this.#seen.has(parent)) this.#parents.add(parent);
  }

  /** Returns true when the line named a test that timed out. */
  #consumeTimeout(line: string): boolean {
    if (line === "running tests:") {
      this.#timeout = "running-list";
      return true;
    }
    const running = this.#timeout === "running-list" ? RUNNING_TEST.exec(line) : null;
    const frame = running ? null : TEST_FUNCTION_FRAME.exec(line);
    const name = running?.[1] ?? frame?.[1];
    if (!name) return false;
    this.#count(name);
    if (this.#failed.length < MAX_NAMES && !this.#failed.includes(name)) this.#failed.push(name);
    return frame === null;
  }
}

export const goTest: RecognizerDefinition = { tool: "go-test", create: (f) => new GoTestRecognizer(f) };
