import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

function safeName(value: string): string {
  return SAFE_NAME.test(value) && value !== "." && value !== ".."
    ? value
    : createHash("sha256").update(value).digest("hex");
}

interface StorageMetadata {
  readonly runtimeArn: string;
  readonly sessionId: string;
  readonly lastUsedAt: string;
}

/**
 * Session storage on disk: `<dataDir>/sessions/<runtime>/<session>/storage` is what the session sees at its mount
 * path; `session.json` beside it records when it was last used, for the 14-day reset.
 */
export class SessionStorage {
  readonly root: string;
  readonly dir: string;
  private readonly metadataPath: string;

  constructor(
    dataDir: string,
    private readonly runtimeArn: string,
    private readonly sessionId: string,
  ) {
    const runtimeId = runtimeArn.slice(runtimeArn.lastIndexOf("/") + 1);
    const runtimeKey = `${safeName(runtimeId).slice(0, 100)}-${createHash("sha256").update(runtimeArn).digest("hex").slice(0, 12)}`;
    this.root = join(dataDir, "sessions", runtimeKey, safeName(sessionId));
    this.dir = join(this.root, "storage");
    this.metadataPath = join(this.root, "session.json");
  }

  /** Creates the storage, or wipes it first when it has not been used for `retentionDays`. */
  async prepare(retentionDays: number, now = new Date()): Promise<{ readonly expired: boolean }> {
    let expired = false;
    try {
      const metadata = JSON.parse(await readFile(this.metadataPath, "utf8")) as StorageMetadata;
      const idleMs = now.getTime() - Date.parse(metadata.lastUsedAt);
      if (idleMs > retentionDays * 86_400_000) {
        await rm(this.dir, { recursive: true, force: true });
        expired = true;
      }
    } catch {
      // First use of this session.
    }
    await mkdir(this.dir, { recursive: true });
    await this.touch(now);
    return { expired };
  }

  async touch(now = new Date()): Promise<void> {
    const metadata: StorageMetadata = {
      runtimeArn: this.runtimeArn,
      sessionId: this.sessionId,
      lastUsedAt: now.toISOString(),
    };
    await writeFile(this.metadataPath, `${JSON.stringify(metadata, null, 2)}\n`);
  }

  /** Bytes the storage occupies on disk (allocated blocks, as a quota counts them). */
  async usageBytes(): Promise<number> {
    const { stdout } = await run("du", ["-s", "-B1", this.dir]);
    return Number.parseInt(stdout, 10) || 0;
  }
}
