import { ErrorBlock, type FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";
import { v8Frame } from "./stack-frame.ts";

/**
 * jest's default reporter (written to stderr):
 *   FAIL test/cart.test.js
 *     ● cart › applies a percentage discount
 *       expect(received).toBe(expected) // Object.is equality
 *       Expected: 90
 *       >  9 |     expect(applyDiscount(100, 10)).toBe(90);
 *       at Object.toBe (test/cart.test.js:9:36)
 *   Tests:       3 failed, 1 passed, 4 total
 */
/** With colours on, jest prints the status as a padded inverse badge: " FAIL  test/x.test.js". */
const FILE_RESULT = /^ ?(FAIL|PASS)\s+(\S.*?)(?:\s+\(\d[\d.]* ?m?s\))?\s*$/;
const SUMMARY = /^(?:Tests|Test Suites):\s+\d+/;
const TESTS_FAILED = /^Tests:\s+(\d+) failed\b/;
const BULLET = /^\s*● (.+?)\s*$/;
const CODE_FRAME = /^\s*>?\s*\d+\s*\|/;

class JestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  readonly #error = new ErrorBlock();
  #file: string | undefined;
  #inFailure = false;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    const result = FILE_RESULT.exec(line);
    if (result?.[2]) {
      this.recognised = true;
      this.#endFailure();
      this.#file = result[1] === "FAIL" ? result[2] : undefined;
      return;
    }
    if (SUMMARY.test(line)) {
      this.recognised = true;
      this.#endFailure();
      const failed = TESTS_FAILED.exec(line);
      if (failed) this.#findings.reportTotal(Number(failed[1]));
      return;
    }
    const bullet = BULLET.exec(line);
    if (bullet?.[1] && this.#file !== undefined) {
      this.#endFailure();
      this.#inFailure = true;
      const name = bullet[1] === "Test suite failed to run" ? this.#file : `${this.#file} > ${bullet[1]}`;
      this.#findings.addTest(name);
      this.#error.start();
      return;
    }
    if (!this.#inFailure) return;
    const frame = v8Frame(line);
    if (frame) {
      this.#error.close(this.#findings);
      this.#findings.addLocation(frame.file, frame.line, frame.column);
      return;
    }
    if (CODE_FRAME.test(line)) {
      this.#error.close(this.#findings);
      return;
    }
    this.#error.add(line);
  }

  finish(): void {
    this.#endFailure();
  }

  #endFailure(): void {
    this.#error.close(this.#findings);
    this.#inFailure = false;
  }
}

export const jest: RecognizerDefinition = { tool: "jest", create: (f) => new JestRecognizer(f) };
