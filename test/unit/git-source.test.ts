// `--workspace`: the snapshot of a directory on this machine, with real directories and real git.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotWorkspace, WorkspaceSourceError } from "../../infra/local/git-source.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  });
/** Every file of a git tree, sorted. */
const committedFiles = (repo: string, revision = "HEAD") =>
  git(repo, "ls-tree", "-r", "--name-only", revision).trim().split("\n").filter(Boolean).sort();

let root: string;
let dataDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "git-source-"));
  dataDir = join(root, "data");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A git project with a commit, then an uncommitted change, an untracked file, ignored files and dependencies. */
async function userRepository(name = "my-project"): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, "src"), { recursive: true });
  await writeFile(join(dir, "src/app.js"), "committed\n");
  await writeFile(join(dir, "src/gone.js"), "deleted later\n");
  await writeFile(join(dir, ".gitignore"), "dist/\n*.log\n");
  git(dir, "init", "--quiet", "--initial-branch=main");
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "-m", "first");
  await writeFile(join(dir, "src/app.js"), "changed, not committed\n");
  await rm(join(dir, "src/gone.js"));
  await writeFile(join(dir, "src/new.js"), "untracked\n");
  await mkdir(join(dir, "dist"));
  await writeFile(join(dir, "dist/bundle.js"), "ignored\n");
  await writeFile(join(dir, "debug.log"), "ignored\n");
  await mkdir(join(dir, "node_modules/left-pad"), { recursive: true });
  await writeFile(join(dir, "node_modules/left-pad/index.js"), "dependency\n");
  await mkdir(join(dir, "env/lib"), { recursive: true });
  await writeFile(join(dir, "env/pyvenv.cfg"), "home = /usr/bin\n");
  await writeFile(join(dir, "env/lib/site.py"), "virtualenv\n");
  return dir;
}

describe("snapshotWorkspace", () => {
  it("snapshots a git directory as the user sees it, from an absolute path, and leaves it untouched", async () => {
    // Prepare
    const dir = await userRepository();
    const statusBefore = git(dir, "status", "--porcelain", "--ignored");

    // Act
    const snapshot = await snapshotWorkspace(dir, dataDir);

    // Assess: uncommitted change and untracked file in, deleted, ignored and dependency files out
    expect(snapshot.selection).toBe("git");
    expect(basename(snapshot.path)).toBe("my-project");
    expect(committedFiles(snapshot.path)).toEqual([".gitignore", "src/app.js", "src/new.js"]);
    expect(git(snapshot.path, "show", `${snapshot.revision}:src/app.js`)).toBe("changed, not committed\n");
    expect(snapshot.files).toBe(3);
    expect(snapshot.previousRevision).toBeUndefined();
    expect(snapshot.changed).toBe(true);
    // The user's repository: same status, no new commit, no file added
    expect(git(dir, "status", "--porcelain", "--ignored")).toBe(statusBefore);
    expect(git(dir, "rev-list", "--count", "HEAD").trim()).toBe("1");
  });

  it("takes relative paths: one segment and ../ against the working directory", async () => {
    // Prepare
    const dir = await userRepository("ws");
    const elsewhere = join(root, "a", "b");
    await mkdir(elsewhere, { recursive: true });

    // Act
    const oneSegment = await snapshotWorkspace("ws", dataDir, root);
    const upward = await snapshotWorkspace(relative(elsewhere, dir), dataDir, elsewhere);

    // Assess: both name the same directory, so the same snapshot repository and commit
    expect(relative(elsewhere, dir)).toMatch(/^\.\.\//);
    expect(oneSegment.source).toBe(dir);
    expect(upward.path).toBe(oneSegment.path);
    expect(upward.revision).toBe(oneSegment.revision);
    expect(upward.changed).toBe(false);
  });

  it("snapshots a directory that is not in git: every file but dependency folders and virtualenvs", async () => {
    // Prepare
    const dir = join(root, "plain");
    await mkdir(join(dir, "pkg"), { recursive: true });
    await writeFile(join(dir, "pkg/mod.py"), "x = 1\n");
    await writeFile(join(dir, "README"), "plain\n");
    await mkdir(join(dir, ".venv/bin"), { recursive: true });
    await writeFile(join(dir, ".venv/bin/python"), "");
    await mkdir(join(dir, "pkg/__pycache__"), { recursive: true });
    await writeFile(join(dir, "pkg/__pycache__/mod.pyc"), "");

    // Act
    const snapshot = await snapshotWorkspace(dir, dataDir);

    // Assess
    expect(snapshot.selection).toBe("directory");
    expect(committedFiles(snapshot.path)).toEqual(["README", "pkg/mod.py"]);
    expect(await readdir(dir)).not.toContain(".git");
  });

  it("makes a new revision only when the directory changed, and remembers the previous one", async () => {
    // Prepare
    const dir = await userRepository();
    const first = await snapshotWorkspace(dir, dataDir);

    // Act
    const unchanged = await snapshotWorkspace(dir, dataDir);
    await writeFile(join(dir, "src/app.js"), "edited again\n");
    const edited = await snapshotWorkspace(dir, dataDir);

    // Assess
    expect(unchanged).toMatchObject({
      revision: first.revision,
      previousRevision: first.revision,
      changed: false,
    });
    expect(edited.changed).toBe(true);
    expect(edited.previousRevision).toBe(first.revision);
    expect(edited.revision).not.toBe(first.revision);
    expect(git(edited.path, "show", `${edited.revision}:src/app.js`)).toBe("edited again\n");
  });

  it("snapshots only the sub-directory when the directory is inside a larger repository", async () => {
    // Prepare
    const dir = await userRepository();
    await mkdir(join(dir, "packages/lib"), { recursive: true });
    await writeFile(join(dir, "packages/lib/index.js"), "lib\n");

    // Act
    const snapshot = await snapshotWorkspace(join(dir, "packages/lib"), dataDir);

    // Assess
    expect(basename(snapshot.path)).toBe("lib");
    expect(committedFiles(snapshot.path)).toEqual(["index.js"]);
  });

  it("leaves out a data directory that lies inside the workspace", async () => {
    const dir = await userRepository();

    const snapshot = await snapshotWorkspace(dir, join(dir, ".agentcore"));

    expect(snapshot.path.startsWith(join(dir, ".agentcore"))).toBe(true);
    expect(committedFiles(snapshot.path).some((file) => file.startsWith(".agentcore"))).toBe(false);
    const again = await snapshotWorkspace(dir, join(dir, ".agentcore"));
    expect(again.changed).toBe(false);
  });

  it("refuses what is not a directory with a sentence naming the option", async () => {
    await writeFile(join(root, "file.txt"), "x");

    await expect(snapshotWorkspace(join(root, "missing"), dataDir)).rejects.toThrow(
      new WorkspaceSourceError(
        `--workspace ${join(root, "missing")}: ${join(root, "missing")} is not a directory.`,
      ),
    );
    await expect(snapshotWorkspace("file.txt", dataDir, root)).rejects.toThrow(
      /--workspace file.txt: .* is not a directory\./,
    );
  });
});
