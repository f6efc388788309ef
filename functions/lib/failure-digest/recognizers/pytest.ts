import { ErrorBlock, type FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * pytest, long (default) and short tracebacks:
 *   ============================= test session starts ==============================
 *   ___________________________ test_restock_adds_amount ___________________________
 *   E       AssertionError: assert {'apples': -1} == {'apples': 5}
 *   tests/test_stock.py:7: AssertionError            (short: "tests/test_stock.py:7: in test_x")
 *   FAILED tests/test_stock.py::test_restock_adds_amount - AssertionError: assert...
 *   ========================= 4 failed, 1 passed in 0.82s ==========================
 */
const BANNER = /^=+ (?:test session starts|FAILURES|ERRORS|short test summary info) =+$/;
const RESULT_LINE = /^=+ .*\b\d+ (?:failed|passed|errors?)\b.* in [\d.]+s.* =+$/;
/** A node id, whose parametrized part may hold spaces: `tests/t.py::test_total[order 1 of 45]`. */
const SUMMARY_ENTRY = /^(FAILED|ERROR) ([^\s[]+(?:\[.*?\])?)(?: - .*)?$/;
const COUNT = /\b(\d+) (failed|errors?)\b/g;
const SECTION = /^_{3,} (.+?) _{3,}$/;
const ERROR_LINE = /^E {1,}(.*)$/;
const LOCATION = /^([^\s:][^:]*\.py):(\d+): /;

class PytestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  readonly #error = new ErrorBlock(4);
  #sections: string[] = [];
  #sawSummary = false;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    if (BANNER.test(line) || RESULT_LINE.test(line)) {
      this.recognised = true;
      this.#error.close(this.#findings);
      if (RESULT_LINE.test(line)) {
        let total = 0;
        for (const [, n] of line.matchAll(COUNT)) total += Number(n);
        this.#findings.reportTotal(total);
      }
      return;
    }
    const entry = SUMMARY_ENTRY.exec(line);
    if (entry?.[2]?.includes("::") || (entry?.[1] === "ERROR" && entry[2]?.endsWith(".py"))) {
      this.recognised = true;
      this.#sawSummary = true;
      this.#findings.addTest(entry[2] ?? "");
      return;
    }
    const section = SECTION.exec(line);
    if (section?.[1]) {
      this.#error.close(this.#findings);
      // "_ _ _ _" separators between frames of one traceback are not sections.
      if (!/^(?:_ )+_?$/.test(section[1]) && this.#sections.length < 50) this.#sections.push(section[1]);
      return;
    }
    const error = ERROR_LINE.exec(line);
    if (error) {
      // Only the first error block of each failure: later frames repeat it.
      if (!this.#error.open && this.#error.lineCount === 0) this.#error.start();
      this.#error.add(error[1] ?? "");
      return;
    }
    if (this.#error.open) this.#error.close(this.#findings);
    const location = LOCATION.exec(line);
    if (location?.[1]) this.#findings.addLocation(location[1], Number(location[2]));
  }

  finish(): void {
    this.#error.close(this.#findings);
    // Without the short summary (-rN, or cut away), the section headers name the failing tests.
    if (!this.#sawSummary && this.recognised) for (const name of this.#sections) this.#findings.addTest(name);
  }
}

export const pytest: RecognizerDefinition = { tool: "pytest", create: (f) => new PytestRecognizer(f) };
