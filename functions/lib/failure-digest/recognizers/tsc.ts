import type { FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * tsc diagnostics, plain (not a terminal) and --pretty:
 *   src/order.ts(7,9): error TS2322: Type 'string' is not assignable to type 'number'.
 *     Type 'undefined' is not assignable to type 'Order'.          (elaboration)
 *   src/index.ts:3:40 - error TS2322: Type 'string' is not assignable to type 'number'.
 * Indented `file:line:col` lines under a pretty error are related information, not errors.
 */
const PLAIN = /^(\S[^(]*)\((\d+),(\d+)\): error (TS\d+): (.*)$/;
const PRETTY = /^(\S.*?):(\d+):(\d+) - error (TS\d+): (.*)$/;
const FOUND = /^Found \d+ errors?\b/;
const ELABORATION = /^ {2}\S/;

class TscRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  /** The plain-mode error whose elaboration lines may follow. */
  #pending: { text: string; extra: number } | undefined;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    const match = PLAIN.exec(line) ?? PRETTY.exec(line);
    if (match?.[1]) {
      this.recognised = true;
      this.#flush();
      const [, file, lineNo, column, code, message] = match;
      this.#findings.addLocation(file, Number(lineNo), Number(column));
      const text = `${file}:${lineNo}:${column} ${code}: ${message}`;
      if (PLAIN.test(line)) this.#pending = { text, extra: 0 };
      else this.#findings.addError(text);
      return;
    }
    if (FOUND.test(line)) this.recognised = true;
    if (this.#pending && ELABORATION.test(line) && this.#pending.extra < 2) {
      this.#pending.text += `\n${line.trim()}`;
      this.#pending.extra++;
      return;
    }
    this.#flush();
  }

  finish(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#pending) this.#findings.addError(this.#pending.text);
    this.#pending = undefined;
  }
}

export const tsc: RecognizerDefinition = { tool: "tsc", create: (f) => new TscRecognizer(f) };
