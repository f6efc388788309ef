import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepositorySource } from "#lib/contracts.ts";
import {
  cloneScript,
  parseReport,
  probeScript,
  resumeScript,
  type WorkspaceTarget,
} from "../../functions/prepare-workspace/workspace-scripts.ts";

const bash = (script: string): string => execFileSync("bash", ["-c", script], { encoding: "utf8" });
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@e",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@e",
    },
  }).trim();

describe("the workspace scripts, run by a real bash and git", () => {
  let root: string;
  let origin: string;
  let firstCommit: string;
  let secondCommit: string;
  let target: (source?: Partial<RepositorySource>) => WorkspaceTarget;

  beforeAll(async () => {
    // Prepare (once: no test changes it): a source repository with two commits on main and a branch
    root = await mkdtemp(join(tmpdir(), "prepare-ws-"));
    origin = join(root, "origin");
    await mkdir(origin);
    git(origin, "init", "--quiet", "--initial-branch=main");
    await writeFile(join(origin, "a.txt"), "one\n");
    git(origin, "add", "a.txt");
    git(origin, "commit", "--quiet", "-m", "first");
    firstCommit = git(origin, "rev-parse", "HEAD");
    await writeFile(join(origin, "a.txt"), "two\n");
    git(origin, "commit", "--quiet", "-am", "second");
    secondCommit = git(origin, "rev-parse", "HEAD");
    git(origin, "branch", "it's-a-branch;$(touch${IFS}pwned)", firstCommit);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  let mount = 0;
  beforeEach(() => {
    // A fresh mount path per test.
    mount += 1;
    const mountPath = join(root, `mnt-${mount}`, "workspace");
    target = (source) => ({
      workspacePath: join(mountPath, "repo"),
      mountPath,
      source: { kind: "local", path: origin, ...source } as RepositorySource,
      toolCacheDir: join(root, "cache"),
    });
  });

  it("probes an empty mount path as absent", () => {
    expect(parseReport(bash(probeScript(target()))).values.get("state")).toBe("absent");
  });

  it("clones a local source without hard links and reports the revision", async () => {
    // Act
    const report = parseReport(bash(cloneScript(target(), false)));
    // Assess
    const workspace = target().workspacePath;
    expect(report.values.get("revision")).toBe(secondCommit);
    expect(await readFile(join(workspace, "a.txt"), "utf8")).toBe("two\n");
    expect(git(workspace, "config", "core.fsmonitor")).toBe("false");
    expect(await readFile(join(workspace, ".git/info/exclude"), "utf8")).toContain(".repair/\n");
    expect(bash(probeScript(target()))).toBe("state=repository\norigin=match\n");
  });

  it("clones at a requested revision", () => {
    const report = parseReport(bash(cloneScript(target({ revision: firstCommit }), false)));
    expect(report.values.get("revision")).toBe(firstCommit);
  });

  it("clones a branch whose name is full of shell syntax, literally", async () => {
    // Act
    const report = parseReport(
      bash(
        cloneScript(
          target({ kind: "git", url: origin, branch: "it's-a-branch;$(touch${IFS}pwned)" } as never),
          false,
        ),
      ),
    );
    // Assess
    expect(report.values.get("revision")).toBe(firstCommit);
    await expect(readFile(join(target().mountPath, "pwned"))).rejects.toThrow();
    await expect(readFile("pwned")).rejects.toThrow();
  });

  it("resumes what storage kept: clears stale locks, keeps work in progress on the same revision", async () => {
    // Prepare: a clone, an edit in progress, and locks a stopped session left behind
    const workspace = target().workspacePath;
    bash(cloneScript(target({ revision: secondCommit }), false));
    await writeFile(join(workspace, "a.txt"), "agent edit\n");
    await writeFile(join(workspace, ".git/index.lock"), "");
    await writeFile(join(workspace, ".git/HEAD.lock"), "");
    // Act
    const report = parseReport(bash(resumeScript(target({ revision: secondCommit }))));
    // Assess
    expect([...report.cleared].sort()).toEqual([".git/HEAD.lock", ".git/index.lock"]);
    expect(report.values.get("revision")).toBe(secondCommit);
    expect(await readFile(join(workspace, "a.txt"), "utf8")).toBe("agent edit\n");
    expect(git(workspace, "status", "--porcelain")).toBe("M a.txt");
  });

  it("moves a resumed workspace to the requested revision when HEAD is elsewhere", () => {
    bash(cloneScript(target(), false));
    const report = parseReport(bash(resumeScript(target({ revision: firstCommit }))));
    expect(report.values.get("revision")).toBe(firstCommit);
  });

  it("probes a clone of another repository as not matching, and a clone replaces it", async () => {
    // Prepare: another repository occupies the workspace path
    const other = join(root, `other-${mount}`);
    await mkdir(other);
    git(other, "init", "--quiet");
    bash(cloneScript({ ...target(), source: { kind: "local", path: other } }, false));
    // Act
    const probe = bash(probeScript(target()));
    const report = parseReport(bash(cloneScript(target(), true)));
    // Assess
    expect(probe).toBe("state=repository\norigin=other\n");
    expect(report.values.get("revision")).toBe(secondCommit);
  });

  it("leaves nothing that looks like a repository when a clone fails", async () => {
    // Act
    const attempt = () => bash(cloneScript(target({ path: join(root, "missing") }), false));
    // Assess
    expect(attempt).toThrow();
    expect(parseReport(bash(probeScript(target()))).values.get("state")).toBe("absent");
  });
});
