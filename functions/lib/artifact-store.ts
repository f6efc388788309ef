import { ValidationFailedError } from "./errors.ts";

/**
 * Where full command output, ledger records and reports live: S3 in AWS, a directory locally. Keys are relative
 * (`runs/<execution>/...`); URIs are `s3://bucket/key` or `file:///abs/path`. Text is stored as UTF-8.
 */
export interface ArtifactStore {
  /** The URI an object with this key has (or will have). */
  uriFor(key: string): string;
  putText(key: string, text: string, contentType?: string): Promise<string>;
  putJson(key: string, value: unknown): Promise<string>;
  /** The object's text, or undefined when there is none. */
  getText(key: string): Promise<string | undefined>;
  /** The object parsed as JSON, or undefined when there is none. The caller validates the shape. */
  getJson(key: string): Promise<unknown>;
  /** Streams an object in: write in order, then close (or abort). Memory stays bounded whatever the size. */
  openWriter(key: string, contentType?: string): ArtifactWriter;
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

export interface ArtifactWriter {
  readonly uri: string;
  /** Resolves once the chunk is accepted; waits when the destination is slower than the producer. */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Completes the object and returns its URI. */
  close(): Promise<string>;
  /** Discards what was written. Never throws. */
  abort(): Promise<void>;
}

const KEY_SEGMENT = /^[A-Za-z0-9_=+@-][A-Za-z0-9._=+@-]*$/;
const ARTIFACT_KEY_MAX = 900;

/** Keys are plain relative paths: no `..`, no absolute paths, no characters a shell or a URL would reinterpret. */
export function assertArtifactKey(key: string, field = "artifactKey"): string {
  const segments = key.split("/");
  const ok =
    key.length > 0 &&
    key.length <= ARTIFACT_KEY_MAX &&
    segments.every((segment) => KEY_SEGMENT.test(segment) && segment !== "." && segment !== "..");
  if (!ok) {
    throw new ValidationFailedError([
      {
        field,
        problem: `"${key.slice(0, 120)}" is not a relative key of [A-Za-z0-9._=+@-] segments (at most ${ARTIFACT_KEY_MAX} characters)`,
      },
    ]);
  }
  return key;
}

/** Prefixes may end with "/" (a folder) or be empty (everything). */
export function assertArtifactPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  assertArtifactKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix, "artifactPrefix");
  return prefix;
}
