import type { FailureDigest } from "../contracts.ts";
import { redact } from "../redaction.ts";
import { type FindingLimits, FindingsCollector } from "./findings.ts";
import { cleanLine, MAX_LINE_CHARS } from "./output-text.ts";
import { RECOGNIZERS } from "./recognizers/index.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizers/recognizer.ts";

/** Characters of one raw line kept before cleaning (colour codes can triple a line's length). */
const MAX_RAW_LINE_CHARS = MAX_LINE_CHARS * 4;

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
function boundDigest(digest: FailureDigest, maxBytes: number): FailureDigest {
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

interface Running {
  readonly definition: RecognizerDefinition;
  readonly findings: FindingsCollector;
  readonly recognizer: LineRecognizer;
}

/** Every recognizer reading one stream's cleaned lines at the same time, and that stream's excerpt. */
class StreamReader {
  readonly running: readonly Running[];
  readonly excerpt: Excerpt;
  #finished = false;

  constructor(limits: DigestLimits, options: DigestOptions) {
    this.running = (options.recognizers ?? RECOGNIZERS).map((definition) => {
      const findings = new FindingsCollector(limits, options.workspacePath);
      return { definition, findings, recognizer: definition.create(findings) };
    });
    this.excerpt = new Excerpt(limits.excerptHeadChars, limits.excerptTailChars);
    this.#reading = this.running.length;
  }

  /**
   * Recognizers after the first one that recognised its tool and found something can never be chosen (both only
   * ever become true), so they stop reading: on a long output, usually only one or a few recognizers run.
   */
  #reading: number;

  consume(line: string): void {
    this.excerpt.add(line);
    for (let i = 0; i < this.#reading; i++) {
      const { recognizer, findings } = this.running[i] as Running;
      recognizer.consume(line);
      if (recognizer.recognised && !findings.isEmpty) this.#reading = i + 1;
    }
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const { recognizer } of this.running) recognizer.finish();
  }
}

/**
 * Splits text that arrives in arbitrary chunks into whole lines. A line longer than the bound keeps its start and
 * drops the rest up to its newline, so memory stays bounded; a line is only ever handed over whole (or, at the
 * very end, as the stream's last line): a chunk boundary never produces a fragment that reads as a line.
 */
class LineSplitter {
  #partial = "";
  #overflowing = false;
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(text: string): void {
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      this.#append(text.slice(start, end));
      this.#onLine(cleanLine(this.#partial));
      this.#partial = "";
      this.#overflowing = false;
      start = end + 1;
    }
    this.#append(text.slice(start));
  }

  end(): void {
    if (this.#partial !== "") this.#onLine(cleanLine(this.#partial));
    this.#partial = "";
  }

  #append(piece: string): void {
    if (this.#overflowing || piece === "") return;
    this.#partial += piece;
    if (this.#partial.length > MAX_RAW_LINE_CHARS) {
      this.#partial = this.#partial.slice(0, MAX_RAW_LINE_CHARS);
      this.#overflowing = true;
    }
  }
}

export type OutputStream = "stdout" | "stderr";

/**
 * The failure digest built while the output streams past (run-command's collector feeds it every redacted chunk),
 * so it sees every line of an output of any size, in memory that does not grow with it: each stream is split into
 * lines and read by its own set of recognizers (a tool writes a report to one stream; reading the two separately
 * keeps one stream's lines from breaking the other's blocks). The digest is the first recognizer, in order, that
 * recognised either stream and found something; its findings from stdout come before those from stderr.
 */
export class FailureDigestBuilder {
  readonly #limits: DigestLimits;
  readonly #readers: Record<OutputStream, StreamReader>;
  readonly #splitters: Record<OutputStream, LineSplitter>;

  constructor(options: DigestOptions = {}) {
    this.#limits = options.limits ?? DEFAULT_DIGEST_LIMITS;
    const stdout = new StreamReader(this.#limits, options);
    const stderr = new StreamReader(this.#limits, options);
    this.#readers = { stdout, stderr };
    this.#splitters = {
      stdout: new LineSplitter((line) => stdout.consume(line)),
      stderr: new LineSplitter((line) => stderr.consume(line)),
    };
  }

  push(stream: OutputStream, text: string): void {
    this.#splitters[stream].push(text);
  }

  /** Feeds whole lines (already split), as the fallback over kept head and tail does. */
  pushLines(stream: OutputStream, lines: Iterable<string>): void {
    for (const line of lines) this.#readers[stream].consume(line);
  }

  digest(): FailureDigest {
    for (const stream of ["stdout", "stderr"] as const) {
      this.#splitters[stream].end();
      this.#readers[stream].finish();
    }
    const { stdout, stderr } = this.#readers;
    const limits = this.#limits;
    const index = stdout.running.findIndex(
      (_, i) =>
        [stdout.running[i], stderr.running[i]].some((r) => r?.recognizer.recognised) &&
        [stdout.running[i], stderr.running[i]].some((r) => r && !r.findings.isEmpty),
    );
    const chosen = index === -1 ? [] : [stdout.running[index], stderr.running[index]];
    const found = chosen.map(
      (r) => r?.findings.result() ?? { failingTests: [], locations: [], firstErrors: [] },
    );
    const merge = <T>(pick: (f: (typeof found)[number]) => readonly T[], key: (item: T) => string): T[] => {
      const seen = new Map<string, T>();
      for (const item of found.flatMap(pick)) if (!seen.has(key(item))) seen.set(key(item), item);
      return [...seen.values()].slice(0, limits.maxEntries);
    };
    const failingTests = merge(
      (f) => f.failingTests,
      (t) => t,
    );
    const reported = chosen.map((r) => r?.findings.reportedTotal).filter((n) => n !== undefined);
    const counted = chosen.reduce((sum, r) => sum + (r?.findings.failingCount ?? 0), 0);
    const failingCount = Math.max(reported.length > 0 ? Math.max(...reported) : counted, failingTests.length);
    const tool = index === -1 ? "generic" : (stdout.running[index]?.definition.tool ?? "generic");
    const out = stdout.excerpt.text();
    const err = stderr.excerpt.text();
    let text = err === "" ? out : `${out}${out === "" ? "" : "\n"}[stderr]\n${err}`;
    if (tool !== "generic") {
      // A recognised tool's findings say what failed; only the end (its summary) is worth the space.
      const tailChars = Math.min(limits.excerptTailChars, 1000);
      text = text.length > tailChars ? text.slice(text.length - tailChars) : text;
    }
    // The output was redacted when it was captured; redacting again costs little and guards every other path.
    const digest: FailureDigest = {
      tool,
      failingTests: failingTests.map(redact),
      failingCount,
      locations: merge(
        (f) => f.locations,
        (l) => `${l.file}:${l.line ?? ""}:${l.column ?? ""}`,
      ).map((l) => ({
        ...l,
        file: redact(l.file),
      })),
      firstErrors: merge(
        (f) => f.firstErrors,
        (e) => e,
      ).map(redact),
      excerpt: redact(text),
    };
    return boundDigest(digest, limits.maxDigestBytes);
  }
}

/**
 * Reads cleaned output lines once, through every recognizer at the same time (one pass, bounded memory), and
 * returns the digest of the first recognizer, in order, that recognised the output and found something.
 */
export function digestOutput(lines: Iterable<string>, options: DigestOptions = {}): FailureDigest {
  const builder = new FailureDigestBuilder(options);
  builder.pushLines("stdout", lines);
  return builder.digest();
}

export const EMPTY_DIGEST: FailureDigest = {
  tool: "none",
  failingTests: [],
  failingCount: 0,
  locations: [],
  firstErrors: [],
  excerpt: "",
};
