import type { FailureDigest } from "../lib/contracts.ts";
import { redact } from "../lib/redaction.ts";
import { type FindingLimits, FindingsCollector } from "./findings.ts";
import { RECOGNIZERS } from "./recognizers/index.ts";
import type { RecognizerDefinition } from "./recognizers/recognizer.ts";

export interface DigestLimits extends FindingLimits {
  /** Upper bound of the digest serialised as JSON, in bytes: it travels in Step Functions state. */
  readonly maxDigestBytes: number;
  /** Characters of the output's start kept in the excerpt when no tool was recognised. */
  readonly excerptHeadChars: number;
  /** Characters of the output's end kept in the excerpt (the summary lines of most tools live there). */
  readonly excerptTailChars: number;
}

export const DEFAULT_DIGEST_LIMITS: DigestLimits = {
  maxEntries: 10,
  maxEntryChars: 500,
  maxDigestBytes: 8192,
  excerptHeadChars: 1500,
  excerptTailChars: 2500,
};

/** Keeps the first `headChars` and the last `tailChars` of a line stream, in bounded memory. */
class Excerpt {
  readonly #headChars: number;
  readonly #tailChars: number;
  #head = "";
  #headFull = false;
  #tail: string[] = [];
  #tailLength = 0;
  #dropped = false;

  constructor(headChars: number, tailChars: number) {
    this.#headChars = headChars;
    this.#tailChars = tailChars;
  }

  add(line: string): void {
    if (!this.#headFull) {
      const next = this.#head === "" ? line : `${this.#head}\n${line}`;
      if (next.length <= this.#headChars) {
        this.#head = next;
        return;
      }
      this.#headFull = true;
    }
    this.#tail.push(line);
    this.#tailLength += line.length + 1;
    while (this.#tailLength > this.#tailChars && this.#tail.length > 1) {
      this.#tailLength -= (this.#tail.shift()?.length ?? 0) + 1;
      this.#dropped = true;
    }
  }

  text(): string {
    let tail = this.#tail.join("\n");
    if (tail.length > this.#tailChars) {
      tail = tail.slice(tail.length - this.#tailChars);
      this.#dropped = true;
    }
    if (this.#head === "") return tail;
    if (tail === "") return this.#head;
    return this.#dropped ? `${this.#head}\n[...]\n${tail}` : `${this.#head}\n${tail}`;
  }
}

function serialisedBytes(digest: FailureDigest): number {
  return Buffer.byteLength(JSON.stringify(digest), "utf8");
}

/** Keeps the end of the excerpt, which holds the summary; the start goes first. */
function shortenExcerpt(excerpt: string, bytesToShed: number): string {
  const keep = Math.max(0, excerpt.length - Math.ceil(bytesToShed) - 8);
  return keep === 0 ? "" : `[...]${excerpt.slice(excerpt.length - keep)}`;
}

/**
 * Enforces maxDigestBytes: the excerpt shrinks first, then the longest list loses its last entries (the first
 * failures are the ones to fix first).
 */
export function boundDigest(digest: FailureDigest, maxBytes: number): FailureDigest {
  let bounded = digest;
  for (let guard = 0; guard < 1000 && serialisedBytes(bounded) > maxBytes; guard++) {
    const excess = serialisedBytes(bounded) - maxBytes;
    if (bounded.excerpt.length > 0) {
      bounded = { ...bounded, excerpt: shortenExcerpt(bounded.excerpt, excess) };
      continue;
    }
    const lists = [
      ["failingTests", bounded.failingTests],
      ["locations", bounded.locations],
      ["firstErrors", bounded.firstErrors],
    ] as const;
    const [key, longest] = lists.reduce((a, b) =>
      JSON.stringify(b[1]).length > JSON.stringify(a[1]).length ? b : a,
    );
    if (longest.length === 0) break;
    bounded = { ...bounded, [key]: longest.slice(0, -1) };
  }
  return bounded;
}

export interface DigestOptions {
  /** Stripped from locations so they are relative to the repository. */
  readonly workspacePath?: string;
  readonly limits?: DigestLimits;
  readonly recognizers?: readonly RecognizerDefinition[];
}

/**
 * Reads cleaned output lines once, through every recognizer at the same time (one pass, bounded memory), and
 * returns the digest of the first recognizer, in order, that recognised the output and found something.
 */
export function digestOutput(lines: Iterable<string>, options: DigestOptions = {}): FailureDigest {
  const limits = options.limits ?? DEFAULT_DIGEST_LIMITS;
  const definitions = options.recognizers ?? RECOGNIZERS;
  const running = definitions.map((definition) => {
    const findings = new FindingsCollector(limits, options.workspacePath);
    return { definition, findings, recognizer: definition.create(findings) };
  });
  const excerpt = new Excerpt(limits.excerptHeadChars, limits.excerptTailChars);
  for (const line of lines) {
    excerpt.add(line);
    for (const { recognizer } of running) recognizer.consume(line);
  }
  for (const { recognizer } of running) recognizer.finish();
  const chosen = running.find(({ recognizer, findings }) => recognizer.recognised && !findings.isEmpty);
  const tool = chosen?.definition.tool ?? "generic";
  const found = chosen?.findings.result() ?? { failingTests: [], locations: [], firstErrors: [] };
  let text = excerpt.text();
  if (tool !== "generic") {
    // A recognised tool's findings say what failed; only the end (its summary) is worth the space.
    const tailChars = Math.min(limits.excerptTailChars, 1000);
    text = text.length > tailChars ? text.slice(text.length - tailChars) : text;
  }
  // The output was redacted when it was captured; redacting again costs little and guards every other path.
  const digest: FailureDigest = {
    tool,
    failingTests: found.failingTests.map(redact),
    locations: found.locations.map((l) => ({ ...l, file: redact(l.file) })),
    firstErrors: found.firstErrors.map(redact),
    excerpt: redact(text),
  };
  return boundDigest(digest, limits.maxDigestBytes);
}

export const EMPTY_DIGEST: FailureDigest = {
  tool: "none",
  failingTests: [],
  locations: [],
  firstErrors: [],
  excerpt: "",
};
