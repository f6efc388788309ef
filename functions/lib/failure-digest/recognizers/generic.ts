import type { FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";

/**
 * The fallback for any other tool: lines that say error/failure, and anything shaped like `path/file.ext:line`.
 * The excerpt (head and tail of the output) carries the rest.
 */
const ERROR_WORD = /\b(?:error|errors|fail|failed|failure|exception|panic|fatal|traceback)\b/i;
const LOCATION =
  /(?:^|[\s("'[])((?:\.{0,2}\/)?(?:[\w@.+-]+\/)*(?:[\w@.+-]+\.[A-Za-z]\w{0,7}|(?:GNU)?[Mm]akefile|Dockerfile|Containerfile|Jenkinsfile|Justfile|Rakefile|Gemfile)):(\d+)(?::(\d+))?/;

class GenericRecognizer implements LineRecognizer {
  readonly recognised = true;
  readonly #findings: FindingsCollector;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    if (ERROR_WORD.test(line)) this.#findings.addError(line);
    const location = LOCATION.exec(line);
    // `host.com:8080` in a URL is not a file.
    if (location?.[1] && !line.slice(0, location.index + 1).endsWith("//"))
      this.#findings.addLocation(
        location[1],
        Number(location[2]),
        location[3] ? Number(location[3]) : undefined,
      );
  }

  finish(): void {}
}

export const generic: RecognizerDefinition = { tool: "generic", create: (f) => new GenericRecognizer(f) };
