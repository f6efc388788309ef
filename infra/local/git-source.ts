import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { promisify } from "node:util";

const git = promisify(execFile);
const SKIPPED = new Set([".git", "node_modules", "__pycache__", ".venv"]);

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Local mode repairs a git repository, as the service would clone one. A directory on this machine (a sample
 * workspace, or `--workspace DIR`) is published as a snapshot commit in a git repository under the data dir: the
 * user's directory is never changed, the path is stable (same request → same session, so a second run resumes),
 * and a new commit is made only when the files changed.
 */
export async function publishGitSource(directory: string, dataDir: string): Promise<string> {
  const source = resolve(directory);
  if (!(await isDirectory(source))) throw new Error(`--workspace ${directory}: not a directory`);
  const key = createHash("sha256").update(source).digest("hex").slice(0, 12);
  // The directory keeps its name (the repository's name in the request, which selects the agent's replay).
  const target = resolve(dataDir, "sources", key, basename(source));
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(target))
    if (entry !== ".git") await rm(join(target, entry), { recursive: true, force: true });
  await cp(source, target, {
    recursive: true,
    filter: (path) => !SKIPPED.has(basename(path)) || path === source,
  });
  const run = (...args: string[]) =>
    git(
      "git",
      ["-c", "user.name=agentcore-repair", "-c", "user.email=local@agentcore-repair.invalid", ...args],
      { cwd: target },
    );
  if (!(await isDirectory(join(target, ".git")))) await run("init", "--quiet", "--initial-branch=main");
  await run("add", "--all");
  const { stdout } = await run("status", "--porcelain");
  if (stdout.trim() !== "") await run("commit", "--quiet", "--message", `Snapshot of ${source}`);
  return target;
}

/**
 * Replaces every string in an event that names an existing directory by a relative path (the samples use
 * `samples/workspaces/...`) with its published git source; JSON bodies inside strings (API Gateway) included.
 */
export async function localizeSources(event: unknown, baseDir: string, dataDir: string): Promise<unknown> {
  const visit = async (value: unknown, key?: string): Promise<unknown> => {
    if (typeof value === "string") {
      if (key === "body" && value.trimStart().startsWith("{")) {
        return JSON.stringify(await visit(JSON.parse(value) as unknown));
      }
      const looksRelative = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+\/?$/.test(value) && !value.startsWith("..");
      if (looksRelative && (await isDirectory(resolve(baseDir, value)))) {
        return publishGitSource(resolve(baseDir, value), dataDir);
      }
      return value;
    }
    if (Array.isArray(value)) return Promise.all(value.map((item) => visit(item)));
    if (typeof value === "object" && value !== null) {
      const entries = await Promise.all(
        Object.entries(value).map(async ([k, v]) => [k, await visit(v, k)] as const),
      );
      return Object.fromEntries(entries);
    }
    return value;
  };
  return visit(event);
}
