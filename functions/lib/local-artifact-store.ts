import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, type Dirent } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type ArtifactStore,
  type ArtifactWriter,
  assertArtifactKey,
  assertArtifactPrefix,
} from "./artifact-store.ts";

/** The artifact store of local mode: a directory, objects as files. Writes are atomic (temp file, then rename). */
export class LocalArtifactStore implements ArtifactStore {
  readonly #root: string;

  constructor(directory: string) {
    this.#root = resolve(directory);
  }

  #pathOf(key: string): string {
    return join(this.#root, ...assertArtifactKey(key).split("/"));
  }

  uriFor(key: string): string {
    return pathToFileURL(this.#pathOf(key)).href;
  }

  async putText(key: string, text: string): Promise<string> {
    const path = this.#pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.partial`;
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
    return pathToFileURL(path).href;
  }

  putJson(key: string, value: unknown): Promise<string> {
    return this.putText(key, `${JSON.stringify(value, null, 2)}\n`);
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.#pathOf(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async getJson(key: string): Promise<unknown> {
    const text = await this.getText(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  openWriter(key: string): ArtifactWriter {
    const path = this.#pathOf(key);
    const uri = pathToFileURL(path).href;
    const temporary = `${path}.${randomUUID()}.partial`;
    let failure: unknown;
    const ready = mkdir(dirname(path), { recursive: true }).then(() => {
      const stream = createWriteStream(temporary);
      // Keep the error for the next call instead of letting an unhandled 'error' event crash the process.
      stream.on("error", (error) => {
        failure ??= error;
      });
      return once(stream, "open").then(() => stream);
    });
    ready.catch(() => undefined);
    return {
      uri,
      async write(chunk) {
        const stream = await ready;
        if (failure) throw failure;
        if (!stream.write(chunk)) await once(stream, "drain");
      },
      async close() {
        const stream = await ready;
        if (failure) throw failure;
        stream.end();
        await once(stream, "close");
        if (failure) throw failure;
        await rename(temporary, path);
        return uri;
      },
      async abort() {
        try {
          const stream = await ready;
          if (!stream.closed) {
            stream.destroy();
            await once(stream, "close");
          }
        } catch {
          // Nothing was opened: nothing to discard.
        }
        await rm(temporary, { force: true });
      },
    };
  }

  async list(prefix: string): Promise<string[]> {
    assertArtifactPrefix(prefix);
    // Walk only the deepest directory the prefix names, then filter by the full prefix.
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const start = folder === "" ? this.#root : join(this.#root, ...folder.split("/"));
    let entries: Dirent[];
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith(".partial")) continue;
      const key = relative(this.#root, join(entry.parentPath, entry.name)).split(sep).join("/");
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }
}
