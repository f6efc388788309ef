import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, lstat, mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/**
 * Folders a snapshot leaves out wherever they are: dependencies and caches the project rebuilds (`npm ci`,
 * `pip install`), and which would make a snapshot hundreds of MB. A directory holding `pyvenv.cfg` is a Python
 * virtualenv whatever its name, and is left out too.
 */
const SNAPSHOT_EXCLUDED_DIRECTORIES: ReadonlySet<string> = new Set([
  ".git",
  "node_modules",
  "__pycache__",
  ".venv",
  "venv",
  ".tox",
  ".mypy_cache",
  ".pytest_cache",
]);

/** A workspace the CLI cannot snapshot: the message is a sentence naming the option and the problem. */
export class WorkspaceSourceError extends Error {
  override readonly name = "WorkspaceSourceError";
}

export interface WorkspaceSnapshot {
  /** The git repository under the data dir that holds the snapshot (the request's `repository.path`). */
  readonly path: string;
  /** The snapshot's commit: a new one whenever the directory's files changed since the last run. */
  readonly revision: string;
  /** The commit of the previous run's snapshot of the same directory, if there was one. */
  readonly previousRevision?: string;
  /** Whether this run made a new commit (first run, or the directory changed since the last one). */
  readonly changed: boolean;
  /** The directory as the user named it, resolved. */
  readonly source: string;
  /** How the file list was chosen: git's view (tracked + untracked, not ignored) or every file. */
  readonly selection: "git" | "directory";
  readonly files: number;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec(
    "git",
    ["-c", "user.name=agentcore-repair", "-c", "user.email=local@agentcore-repair.invalid", ...args],
    { cwd, maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/** True when a relative path goes through a dependency folder or a virtualenv of the source. */
async function isExcluded(source: string, relative: string, venvs: Map<string, boolean>): Promise<boolean> {
  const parts = relative.split("/");
  if (parts.some((part) => SNAPSHOT_EXCLUDED_DIRECTORIES.has(part))) return true;
  for (let depth = 1; depth < parts.length; depth++) {
    const directory = parts.slice(0, depth).join("/");
    let venv = venvs.get(directory);
    if (venv === undefined) {
      venv = (await stat(join(source, directory, "pyvenv.cfg")).catch(() => undefined)) !== undefined;
      venvs.set(directory, venv);
    }
    if (venv) return true;
  }
  return false;
}

/**
 * The files of the working tree as the user sees them. Inside a git work tree: tracked files as they are on disk
 * (uncommitted changes included, deleted ones left out) and untracked files that are not ignored, which is what
 * `git status` shows. Elsewhere: every file. Either way without dependency folders.
 */
async function listWorkingTree(source: string): Promise<{ files: string[]; selection: "git" | "directory" }> {
  const inGit = await git(source, "rev-parse", "--is-inside-work-tree")
    .then((out) => out.trim() === "true")
    .catch(() => false);
  const venvs = new Map<string, boolean>();
  const kept: string[] = [];
  if (inGit) {
    // Paths come relative to `source` (a sub-directory of a repository snapshots that sub-directory only).
    const listed = (
      await git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    )
      .split("\0")
      .filter((path) => path !== "");
    for (const relative of [...new Set(listed)].sort()) {
      if (await isExcluded(source, relative, venvs)) continue;
      // A tracked file deleted in the working tree is not part of what the user sees.
      if ((await lstat(join(source, relative)).catch(() => undefined)) === undefined) continue;
      kept.push(relative);
    }
    return { files: kept, selection: "git" };
  }
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(source, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (SNAPSHOT_EXCLUDED_DIRECTORIES.has(entry.name)) continue;
        if (await stat(join(source, child, "pyvenv.cfg")).catch(() => undefined)) continue;
        await walk(child);
      } else kept.push(child);
    }
  };
  await walk("");
  return { files: kept, selection: "directory" };
}

/**
 * Local mode repairs a git repository, as the service would clone one. A directory on this machine (a sample
 * workspace, or `--workspace DIR`) is published as a snapshot commit in a git repository under the data dir: the
 * user's directory is never changed (git only reads it), the snapshot's path is stable for a directory, and a new
 * commit is made only when the files changed, so a request naming the commit gets a new session exactly when
 * the directory changed.
 */
export async function snapshotWorkspace(
  directory: string,
  dataDir: string,
  cwd: string = process.cwd(),
): Promise<WorkspaceSnapshot> {
  const source = resolve(cwd, directory);
  if (!(await isDirectory(source))) {
    throw new WorkspaceSourceError(`--workspace ${directory}: ${source} is not a directory.`);
  }
  const name = basename(source);
  if (name === "")
    throw new WorkspaceSourceError(`--workspace ${directory}: the root directory cannot be repaired.`);
  const data = resolve(cwd, dataDir);
  if (data === source)
    throw new WorkspaceSourceError(`--workspace ${directory} is the data directory itself.`);
  const key = createHash("sha256").update(source).digest("hex").slice(0, 12);
  // The directory keeps its name: the repository's name in the request, which selects the agent's replay.
  const target = join(data, "sources", key, name);
  await mkdir(target, { recursive: true });
  const { files, selection } = await listWorkingTree(source);
  // A data dir inside the workspace (the default .agentcore when repairing the current directory) is left out,
  // or every snapshot would contain the previous ones.
  const dataInside = data.startsWith(`${source}${sep}`) ? data.slice(source.length + 1) : undefined;
  const copied = dataInside
    ? files.filter((f) => f !== dataInside && !f.startsWith(`${dataInside}/`))
    : files;

  for (const entry of await readdir(target))
    if (entry !== ".git") await rm(join(target, entry), { recursive: true, force: true });
  for (const relative of copied) {
    await mkdir(dirname(join(target, relative)), { recursive: true });
    try {
      await cp(join(source, relative), join(target, relative), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (path) => !SNAPSHOT_EXCLUDED_DIRECTORIES.has(basename(path)),
      });
    } catch (error) {
      throw new WorkspaceSourceError(
        `--workspace ${directory}: cannot copy ${relative} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
      );
    }
  }
  if (!(await isDirectory(join(target, ".git"))))
    await git(target, "init", "--quiet", "--initial-branch=main");
  const previousRevision = (
    await git(target, "rev-parse", "--verify", "--quiet", "HEAD").catch(() => "")
  ).trim();
  // The list is already the user's view: in a git directory even files a nested .gitignore would hide are in it.
  await git(target, "add", "--all", ...(selection === "git" ? ["--force"] : []));
  const pending = (await git(target, "status", "--porcelain")).trim() !== "";
  if (pending || previousRevision === "") {
    await git(target, "commit", "--quiet", "--allow-empty", "--message", `Snapshot of ${source}`);
  }
  const revision = (await git(target, "rev-parse", "HEAD")).trim();
  return {
    path: target,
    revision,
    ...(previousRevision ? { previousRevision } : {}),
    changed: revision !== previousRevision,
    source,
    selection,
    files: copied.length,
  };
}

/** The snapshot's repository path (the samples and tests need only that). */
export async function publishGitSource(directory: string, dataDir: string): Promise<string> {
  return (await snapshotWorkspace(directory, dataDir)).path;
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
