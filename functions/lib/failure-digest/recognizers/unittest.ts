import type { FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * `python -m unittest` (plain and -v): one section per failure, then the totals.
 *   ======================================================================
 *   FAIL: test_total_6 (tests.test_prices.PricesTest.test_total_6)          (3.11+: the id ends with the method)
 *   FAIL: test_total_6 (tests.test_prices.PricesTest)                       (older Pythons)
 *   FAIL: test_sub_totals (tests.test_prices.PricesTest.test_sub_totals) (amounts='2 items')       (a subTest)
 *   ERROR: tests.test_inventory (unittest.loader._FailedTest.tests.test_inventory)   (a module that fails to import)
 *   ----------------------------------------------------------------------
 *   Traceback (most recent call last):
 *     File "/repo/tests/test_prices.py", line 23, in test_total_6
 *       self.assertEqual(total([6, 1]), 7)
 *   AssertionError: 6 != 7
 *   ----------------------------------------------------------------------
 *   Ran 48 tests in 0.024s
 *   FAILED (failures=44, errors=5)
 * The name kept is the dotted id `python -m unittest <id>` runs again.
 */
const HEADER = /^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([\w.]+)\)(?: \((.*)\))?$/;
const RULE = /^(?:={70}|-{70})$/;
const RAN = /^Ran \d+ tests? in [\d.]+s$/;
const RESULT = /^FAILED \((.*)\)$/;
const RESULT_COUNT = /\b(?:failures|errors|unexpected successes)=(\d+)/g;
const FRAME = /^ {2}File "(.+)", line (\d+)(?:, in .*)?$/;
const LOADER_FAILURE = "unittest.loader._FailedTest";

function testId(method: string, dotted: string): string {
  // A module that failed to import is reported as a test of the loader: the module is what failed.
  if (dotted.startsWith(`${LOADER_FAILURE}.`) || dotted === LOADER_FAILURE) return method;
  return dotted.endsWith(`.${method}`) ? dotted : `${dotted}.${method}`;
}

class UnittestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  /** Inside a failure's traceback (between the dashed rule under its header and the next rule). */
  #inTraceback = false;
  #exception: string[] = [];
  #sawHeader = false;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    const header = HEADER.exec(line);
    if (header?.[2] && header[3]) {
      this.recognised = true;
      this.#sawHeader = true;
      this.#endTraceback();
      const subTest = header[4] ? ` (${header[4]})` : "";
      this.#findings.addTest(`${testId(header[2], header[3])}${subTest}`);
      return;
    }
    if (RULE.test(line)) {
      this.#endTraceback();
      // The dashed rule right under a header opens its traceback.
      if (line.startsWith("-") && this.#sawHeader) this.#inTraceback = true;
      this.#sawHeader = false;
      return;
    }
    this.#sawHeader = false;
    if (RAN.test(line)) {
      this.recognised = true;
      return;
    }
    const result = RESULT.exec(line);
    if (result?.[1] && this.recognised) {
      let total = 0;
      for (const [, n] of result[1].matchAll(RESULT_COUNT)) total += Number(n);
      this.#findings.reportTotal(total);
      return;
    }
    if (this.#inTraceback) this.#consumeTraceback(line);
  }

  finish(): void {
    this.#endTraceback();
  }

  #consumeTraceback(line: string): void {
    if (line.startsWith("Traceback (most recent call last)")) {
      // A chained exception starts over: the last one raised is the one the test saw.
      this.#exception = [];
      return;
    }
    const frame = FRAME.exec(line);
    if (frame?.[1]) {
      this.#exception = [];
      this.#findings.addLocation(frame[1], Number(frame[2]));
      return;
    }
    // Indented lines before the exception are a frame's source and its ^^^ markers.
    if (this.#exception.length === 0 && (/^\s/.test(line) || line.trim() === "")) return;
    if (this.#exception.length < 4 && line.trim() !== "") this.#exception.push(line.trim());
  }

  #endTraceback(): void {
    if (this.#inTraceback && this.#exception.length > 0) this.#findings.addError(this.#exception.join("\n"));
    this.#inTraceback = false;
    this.#exception = [];
  }
}

export const unittest: RecognizerDefinition = { tool: "unittest", create: (f) => new UnittestRecognizer(f) };
