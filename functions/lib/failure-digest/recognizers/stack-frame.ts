/**
 * `at fn (file:line:col)` / `at file:line:col` frames as V8 prints them (jest, vitest, node:test). The file part
 * stops at the last `:line:col`, so Windows drive letters and `file://` URLs survive.
 */
const V8_FRAME = /^\s*at (?:(?:async )?[^()]*? \()?(.+?):(\d+):(\d+)\)?\s*(?:\{\s*)?$/;

export interface Frame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export function v8Frame(line: string): Frame | undefined {
  const match = V8_FRAME.exec(line);
  if (!match?.[1]) return undefined;
  return { file: match[1], line: Number(match[2]), column: Number(match[3]) };
}
