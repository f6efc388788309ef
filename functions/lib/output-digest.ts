import type { OutputDigest } from "./contracts.ts";

/**
 * Keeps the first `headBytes` and the last `tailBytes` of one output stream, and counts its bytes and lines, in
 * memory that does not grow with the output. Head and tail never overlap: when nothing was dropped, head + tail is
 * the whole (redacted) text. Cuts fall on UTF-8 character boundaries.
 */
export class OutputDigestBuilder {
  readonly #headBytes: number;
  readonly #tailBytes: number;
  #head: Buffer = Buffer.alloc(0);
  #tail: Buffer = Buffer.alloc(0);
  #keptBytes = 0;
  #rawBytes = 0;
  #newlines = 0;
  #endsWithNewline = true;

  constructor(headBytes: number, tailBytes: number) {
    this.#headBytes = headBytes;
    this.#tailBytes = tailBytes;
  }

  /** Counts the output as the command produced it (before redaction): these are the reported sizes. */
  count(raw: string): void {
    if (raw.length === 0) return;
    this.#rawBytes += Buffer.byteLength(raw, "utf8");
    for (let i = raw.indexOf("\n"); i !== -1; i = raw.indexOf("\n", i + 1)) this.#newlines++;
    this.#endsWithNewline = raw.endsWith("\n");
  }

  /** Keeps head and tail of the redacted text. */
  keep(redacted: Buffer): void {
    if (redacted.length === 0) return;
    this.#keptBytes += redacted.length;
    let rest = redacted;
    if (this.#head.length < this.#headBytes) {
      const take = Math.min(this.#headBytes - this.#head.length, rest.length);
      this.#head = Buffer.concat([this.#head, rest.subarray(0, take)]);
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.#tailBytes === 0) return;
    if (rest.length >= this.#tailBytes) {
      // Copy, so the tail does not pin the whole (up to 64 KB) event buffer.
      this.#tail = Buffer.from(rest.subarray(rest.length - this.#tailBytes));
    } else {
      const combined = Buffer.concat([this.#tail, rest]);
      this.#tail =
        combined.length > this.#tailBytes ? combined.subarray(combined.length - this.#tailBytes) : combined;
    }
  }

  get rawBytes(): number {
    return this.#rawBytes;
  }

  digest(): OutputDigest {
    const lines = this.#newlines + (this.#rawBytes > 0 && !this.#endsWithNewline ? 1 : 0);
    return {
      head: decodeHead(this.#head),
      tail: decodeTail(this.#tail),
      bytes: this.#rawBytes,
      lines,
      truncated: this.#keptBytes > this.#head.length + this.#tail.length,
    };
  }
}

/** Drops an incomplete multi-byte character at the end. */
function decodeHead(bytes: Buffer): string {
  let end = bytes.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 4 && (bytes[end - back - 1]! & 0xc0) === 0x80) back++;
  if (end - back - 1 >= 0) {
    const lead = bytes[end - back - 1]!;
    const needed = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
    if (needed > back) end = end - back - 1;
  }
  return bytes.subarray(0, end).toString("utf8");
}

/** Drops continuation bytes of a character whose start was cut off. */
function decodeTail(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length && start < 4 && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}

/**
 * The digest as one text: exactly the output when nothing was dropped, else head and tail on separate lines (so a
 * line cut at the gap is never glued to another into something the output never said).
 */
export function digestText(digest: OutputDigest): string {
  return digest.truncated ? `${digest.head}\n${digest.tail}` : digest.head + digest.tail;
}
