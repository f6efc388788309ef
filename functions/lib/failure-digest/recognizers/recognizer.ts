import type { FindingsCollector } from "../findings.ts";

/**
 * A recognizer reads the output one cleaned line at a time (so a 100 MB log streams through in bounded memory)
 * and records what it understands into its own FindingsCollector.
 */
export interface LineRecognizer {
  consume(line: string): void;
  /** Called after the last line, to record anything still pending. */
  finish(): void;
  /** Whether the output carried this tool's signature (banner, summary or a line only it prints). */
  readonly recognised: boolean;
}

export interface RecognizerDefinition {
  /** The FailureDigest.tool name. */
  readonly tool: string;
  create(findings: FindingsCollector): LineRecognizer;
}
