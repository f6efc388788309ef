import type { FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * eslint's default "stylish" formatter:
 *   /repo/src/report.js
 *      1:10  error  'readFileSync' is defined but never used  no-unused-vars
 *   ✖ 5 problems (4 errors, 1 warning)
 * Only errors are kept: warnings do not fail the run.
 */
const PROBLEM = /^\s+(\d+):(\d+)\s+(error|warning)\s+(.+)$/;
const SUMMARY = /^✖ \d+ problems? \(\d+ errors?, \d+ warnings?\)/;
const RULE_AT_END = /^(.*?)\s{2,}(@?[\w-]+(?:\/[\w-]+)*)$/;

class EslintRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  #file: string | undefined;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    if (SUMMARY.test(line)) {
      this.recognised = true;
      this.#file = undefined;
      return;
    }
    const problem = PROBLEM.exec(line);
    if (problem && this.#file !== undefined) {
      this.recognised = true;
      if (problem[3] !== "error") return;
      const text = problem[4]?.trim() ?? "";
      const ruled = RULE_AT_END.exec(text);
      const message = ruled ? `${ruled[1]} (${ruled[2]})` : text;
      this.#findings.addLocation(this.#file, Number(problem[1]), Number(problem[2]));
      this.#findings.addError(
        `${this.#findings.displayPath(this.#file)}:${problem[1]}:${problem[2]} ${message}`,
      );
      return;
    }
    // A file header is an unindented line; anything else unindented ends the file's block.
    this.#file = line !== "" && !/^\s/.test(line) ? line.trim() : undefined;
  }

  finish(): void {}
}

export const eslint: RecognizerDefinition = { tool: "eslint", create: (f) => new EslintRecognizer(f) };
