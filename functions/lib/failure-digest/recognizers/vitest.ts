import { ErrorBlock, type FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * vitest's default reporter:
 *    RUN  v4.1.12 /repo
 *    FAIL  test/calculator.test.js > calculator > adds two numbers
 *   AssertionError: expected -1 to be 5 // Object.is equality
 *    ❯ test/calculator.test.js:6:23
 *    FAIL  test/report.test.js [ test/report.test.js ]          (the file itself failed to load)
 *    Test Files  2 failed (2)
 */
const BANNER = /^\s*RUN\s+v\d+\.\d+/;
const SUMMARY = /^\s*(?:Test Files|Tests)\s+(?:\d+ failed|no tests)/;
const TESTS_FAILED = /^\s*Tests\s+(\d+) failed\b/;
const SEPARATOR = /^\s*⎯{3,}/;
const FAIL_HEADER = /^ FAIL {1,2}(\S.*?)\s*$/;
const LOCATION = /^\s*❯\s+(?:\S+\s+)?(\S+?):(\d+):(\d+)\s*$/;
/** `× name 14ms` in the per-file listing: a fallback when the detailed sections were cut away. */
const LISTED_FAILURE = /^\s*[×✗]\s+(.+?)(?:\s+\d+(?:\.\d+)?m?s)?\s*$/;

class VitestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  readonly #error = new ErrorBlock();
  #inFailure = false;
  #sawHeader = false;
  readonly #listed: string[] = [];

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    if (BANNER.test(line) || SUMMARY.test(line)) {
      this.recognised = true;
      const failed = TESTS_FAILED.exec(line);
      if (failed) this.#findings.reportTotal(Number(failed[1]));
      this.#endFailure();
      return;
    }
    const header = FAIL_HEADER.exec(line);
    if (header?.[1] && (header[1].includes(" > ") || header[1].includes(" [ "))) {
      this.recognised = true;
      this.#endFailure();
      this.#sawHeader = true;
      this.#inFailure = true;
      // A file that failed to load is reported as "file [ file ]": the file is the failing unit.
      this.#findings.addTest(header[1].replace(/\s*\[ .* \]$/, ""));
      this.#error.start();
      return;
    }
    if (SEPARATOR.test(line)) {
      this.#endFailure();
      return;
    }
    if (this.#inFailure) {
      const location = LOCATION.exec(line);
      if (location?.[1]) {
        this.#error.close(this.#findings);
        this.#findings.addLocation(location[1], Number(location[2]), Number(location[3]));
        return;
      }
      if (this.#error.open) this.#error.add(line);
      return;
    }
    const listed = LISTED_FAILURE.exec(line);
    if (listed?.[1] && this.#listed.length < 50) this.#listed.push(listed[1]);
  }

  finish(): void {
    this.#endFailure();
    if (!this.#sawHeader && this.recognised) for (const name of this.#listed) this.#findings.addTest(name);
  }

  #endFailure(): void {
    this.#error.close(this.#findings);
    this.#inFailure = false;
  }
}

export const vitest: RecognizerDefinition = { tool: "vitest", create: (f) => new VitestRecognizer(f) };
