import { StringDecoder } from "node:string_decoder";

/** The service streams "up to 64 KB for each event": the UTF-8 text of one contentDelta never exceeds this. */
const MAX_EVENT_TEXT_BYTES = 64 * 1024;

/**
 * Turns a byte stream into UTF-8 text pieces of at most `maxBytes` each, never splitting a character (a
 * multi-byte sequence cut between two reads is carried to the next one). Bytes that are not UTF-8 become U+FFFD,
 * as they must in a JSON string.
 */
export class Utf8Chunker {
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly maxBytes: number = MAX_EVENT_TEXT_BYTES) {}

  push(bytes: Buffer): string[] {
    return this.split(this.decoder.write(bytes));
  }

  end(): string[] {
    return this.split(this.decoder.end());
  }

  private split(text: string): string[] {
    if (text.length === 0) return [];
    // A JS string of n UTF-16 units encodes to at most 3n bytes: most reads need no measuring at all.
    if (text.length * 3 <= this.maxBytes || Buffer.byteLength(text, "utf8") <= this.maxBytes) return [text];
    const bytes = Buffer.from(text, "utf8");
    const pieces: string[] = [];
    let start = 0;
    while (start < bytes.length) {
      let end = Math.min(start + this.maxBytes, bytes.length);
      // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
      while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
      pieces.push(bytes.toString("utf8", start, end));
      start = end;
    }
    return pieces;
  }
}
