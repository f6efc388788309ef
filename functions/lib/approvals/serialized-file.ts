import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * In-process serialization of the local JSON files: every read-modify-write of one path runs after the previous
 * one finished, whichever store instance started it (stores for the same file share the queue). Local mode runs
 * the runner and the approval server in one process, so this is the whole of the concurrency there is.
 */
const queues = new Map<string, Promise<unknown>>();

export function serialized<T>(path: string, work: () => Promise<T>): Promise<T> {
  const key = resolve(path);
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  // Drop the entry once idle so the map does not grow with every file ever touched.
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/** Replaces the file in one step (temporary file, then rename): a reader sees the old or the new content. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.partial`;
  try {
    // 0600: the approvals file holds task tokens.
    await writeFile(temporary, text, { encoding: "utf8", mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
