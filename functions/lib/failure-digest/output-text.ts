import type { OutputDigest } from "../contracts.ts";

/**
 * Turning captured output into the lines the recognizers read: colours and cursor movement removed, carriage-
 * return progress collapsed to what a terminal would finally show, and every line cut to a bounded length so no
 * pattern ever runs over a megabyte-long minified line.
 */

/** CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks). */
const ANSI_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences start with ESC; removing them is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export const MAX_LINE_CHARS = 2000;

export function cleanLine(raw: string): string {
  let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  const lastReturn = line.lastIndexOf("\r");
  if (lastReturn !== -1) line = line.slice(lastReturn + 1);
  if (line.length > MAX_LINE_CHARS * 4) line = line.slice(0, MAX_LINE_CHARS * 4);
  // Most lines have no escape: skipping the scan keeps the streaming digest cheap per line.
  if (line.includes("\u001b")) line = line.replace(ANSI_SEQUENCE, "");
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
}

/** The lines of `text`, cleaned, without materialising an array (the text may be a 100 MB log). */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end === -1) {
      yield cleanLine(text.slice(start));
      return;
    }
    yield cleanLine(text.slice(start, end));
    start = end + 1;
  }
}

/**
 * One stream's kept text. The collector keeps head and tail without overlap, so an untruncated digest is exactly
 * head + tail; a truncated one gets a marker line where the middle was dropped.
 */
export function digestText(digest: OutputDigest): string {
  if (!digest.truncated) return digest.head + digest.tail;
  const kept = Buffer.byteLength(digest.head) + Buffer.byteLength(digest.tail);
  const omitted = Math.max(0, digest.bytes - kept);
  const headEnd = digest.head.endsWith("\n") || digest.head === "" ? "" : "\n";
  return `${digest.head}${headEnd}[... ${omitted} bytes omitted ...]\n${digest.tail}`;
}

/**
 * The whole lines of one stream's kept head and tail. When the middle was dropped, the head's last line and the
 * tail's first line were cut by the byte bounds: they are left out, so no fragment is ever read as a line (a cut
 * `FAIL test/x.test.js > suite > na` must not become a test's name).
 */
export function* keptLines(digest: OutputDigest): Generator<string> {
  if (!digest.truncated) {
    yield* linesOf(digest.head + digest.tail);
    return;
  }
  const headEnd = digest.head.lastIndexOf("\n");
  if (headEnd !== -1) yield* linesOf(digest.head.slice(0, headEnd + 1));
  yield `[... ${Math.max(0, digest.bytes - Buffer.byteLength(digest.head) - Buffer.byteLength(digest.tail))} bytes omitted ...]`;
  const tailStart = digest.tail.indexOf("\n");
  if (tailStart !== -1) yield* linesOf(digest.tail.slice(tailStart + 1));
}

/**
 * A location as the workspace sees it: `file://` removed and the workspace prefix stripped, so the agent gets
 * `src/calculator.js`, not `/mnt/workspace/node-calculator/src/calculator.js`.
 */
export function workspaceRelative(file: string, workspacePath: string | undefined): string {
  let path = file.startsWith("file://") ? decodeFileUrl(file) : file;
  if (workspacePath) {
    const prefix = workspacePath.endsWith("/") ? workspacePath : `${workspacePath}/`;
    if (path.startsWith(prefix)) path = path.slice(prefix.length);
  }
  return path;
}

function decodeFileUrl(url: string): string {
  const path = url.slice("file://".length);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Stack frames of runtimes and dependencies say nothing about what to fix. */
export function isToolingPath(file: string): boolean {
  return (
    file.startsWith("node:") ||
    file.includes("/node_modules/") ||
    file.startsWith("node_modules/") ||
    // Go's standard library: GOROOT/src/<pkg>/... with dot-free package directories (GOPATH code has a host name).
    /(^|\/)go(-[\d.]+)?\/src\/[a-z0-9_]+(\/[a-z0-9_]+)*\/[^/]+\.go$/.test(file) ||
    /(^|\/)lib\/python3[^/]*\//.test(file) ||
    file.includes("/site-packages/") ||
    file === "<anonymous>"
  );
}
