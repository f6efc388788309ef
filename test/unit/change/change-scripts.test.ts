import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { measuredChange, parseScriptOutput } from "#lib/change/change-record.ts";
import { DEFAULT_CHANGE_RULES } from "#lib/change/change-rules.ts";
import { exportScript, measureScript, revertScript } from "#lib/change/change-scripts.ts";
import { internalsDigestScript } from "#lib/trusted-git.ts";

/** The scripts export-change sends into the session, run here by a real bash and git in a temporary repository. */

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@e",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@e",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, { cwd, encoding: "utf8", env }).trim();
const run = (cwd: string, script: string): string =>
  execFileSync("bash", ["-c", script], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const LATIN1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in Latin-1: not UTF-8
const BINARY = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00, 0x7f]);

describe("measure, export and revert scripts (real bash and git)", () => {
  let root: string;
  let ws: string;
  let markers: string;
  let base: string;
  let internals: string;

  beforeEach(async () => {
    // Prepare: a repository at a base commit, then every kind of change, and planted code that must never run
    root = await mkdtemp(join(tmpdir(), "change-scripts-"));
    ws = join(root, "ws");
    markers = join(root, "markers");
    await mkdir(join(ws, "src"), { recursive: true });
    await mkdir(markers);
    git(ws, "init", "--quiet", "--initial-branch=main");
    await writeFile(join(ws, "src/app.js"), "export const a = 1;\n");
    await writeFile(join(ws, "src/old.js"), "export const old = 1;\n");
    await writeFile(join(ws, "gone.txt"), "bye\n");
    await writeFile(
      join(ws, "package.json"),
      JSON.stringify({ name: "x", scripts: { test: "node --test" } }),
    );
    await writeFile(join(ws, "test.sh"), "echo test\n");
    git(ws, "add", "-A");
    git(ws, "commit", "--quiet", "-m", "base");
    base = git(ws, "rev-parse", "HEAD");
    internals = /internals=([0-9a-f]{64})/.exec(run(ws, internalsDigestScript()))?.[1] ?? "";

    await writeFile(join(ws, "src/app.js"), "export const a = 2;\n");
    await writeFile(join(ws, "latin1.txt"), LATIN1);
    await writeFile(join(ws, "blob.bin"), BINARY);
    await rm(join(ws, "gone.txt"));
    await rename(join(ws, "src/old.js"), join(ws, "src/renamed.js"));
    await chmod(join(ws, "test.sh"), 0o755);
    await mkdir(join(ws, ".repair"));
    await writeFile(join(ws, ".repair/run.log"), "not part of the change\n");
    // Planted: a hook, an fsmonitor, a clean filter, an external diff and a textconv driver, each touching a marker
    const hook = join(ws, ".git/hooks/post-checkout");
    await writeFile(hook, `#!/bin/sh\ntouch ${markers}/hook\n`);
    await chmod(hook, 0o755);
    git(ws, "config", "core.fsmonitor", `touch ${markers}/fsmonitor; echo`);
    git(ws, "config", "filter.evil.clean", `touch ${markers}/filter; cat`);
    git(ws, "config", "diff.external", `touch ${markers}/external-diff`);
    git(ws, "config", "diff.evil.textconv", `touch ${markers}/textconv; cat`);
    await writeFile(join(ws, ".gitattributes"), "*.js filter=evil diff=evil\n");
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("measures every kind of change from git, runs nothing planted, and changes nothing in the workspace", async () => {
    const indexBefore = await readFile(join(ws, ".git/index"));

    const output = parseScriptOutput(run(ws, measureScript(base)));
    const measured = measuredChange(output, {
      baseRevision: base,
      iteration: 1,
      rules: DEFAULT_CHANGE_RULES,
      baselineInternals: internals,
    });

    const byPath = new Map(measured.record.files.map((file) => [file.path, file]));
    expect(byPath.get("src/app.js")).toMatchObject({ status: "modified", insertions: 1, deletions: 1 });
    expect(byPath.get("latin1.txt")).toMatchObject({ status: "added" });
    expect(byPath.get("blob.bin")).toMatchObject({ status: "added", binary: true, insertions: 0 });
    expect(byPath.get("gone.txt")).toMatchObject({ status: "deleted", deletions: 1 });
    expect(byPath.get("src/renamed.js")).toMatchObject({ status: "renamed", oldPath: "src/old.js" });
    expect(byPath.get("test.sh")).toMatchObject({ status: "mode-changed", surface: "shell script" });
    expect(byPath.get(".gitattributes")).toMatchObject({ status: "added", surface: "git metadata" });
    expect(byPath.has(".repair/run.log")).toBe(false);
    expect(measured.record.stats.files).toBe(measured.record.files.length);
    // .git/config and the hook changed since the baseline: a surface git does not list as a file
    expect(measured.internalsChanged).toBe(true);
    expect(measured.surfaceDigest).toMatch(/^[0-9a-f]{64}$/);
    // Nothing planted ran, and the workspace's own index is untouched
    for (const marker of ["hook", "fsmonitor", "filter", "external-diff", "textconv"]) {
      expect(await exists(join(markers, marker)), marker).toBe(false);
    }
    expect(await readFile(join(ws, ".git/index"))).toEqual(indexBefore);
  });

  it("exports a format-patch commit that git am and git apply both take, byte for byte", async () => {
    const output = parseScriptOutput(
      run(
        ws,
        exportScript(base, "Fix app\n\nThe body.\n", {
          name: "agentcore-repair",
          email: "r@e",
          date: "2026-12-02T10:00:00Z",
        }),
      ),
    );
    const patch = Buffer.from(output.values.get("patch") ?? "", "base64");
    expect(patch.length).toBe(Number(output.values.get("bytes")));
    expect(patch.toString("latin1")).toContain("Subject: [PATCH] Fix app");
    await writeFile(join(root, "change.patch"), patch);

    // git am in one clone, git apply in another: both at base
    for (const [name, args] of [
      ["am", ["am", "--quiet", join(root, "change.patch")]],
      ["apply", ["apply", "--index", join(root, "change.patch")]],
    ] as const) {
      const clone = join(root, name);
      git(root, "clone", "--quiet", "--no-checkout", ws, clone);
      git(clone, "-c", "advice.detachedHead=false", "checkout", "--quiet", base);
      git(clone, ...args);
      expect(await readFile(join(clone, "latin1.txt"))).toEqual(LATIN1);
      expect(await readFile(join(clone, "blob.bin"))).toEqual(BINARY);
      expect(await exists(join(clone, "gone.txt"))).toBe(false);
      expect(await readFile(join(clone, "src/renamed.js"), "utf8")).toBe("export const old = 1;\n");
      expect((await stat(join(clone, "test.sh"))).mode & 0o111).not.toBe(0);
    }
    expect(git(join(root, "am"), "log", "-1", "--format=%s")).toBe("Fix app");
    // The same change exports to the same bytes (dates from the request, no signature)
    const again = parseScriptOutput(
      run(
        ws,
        exportScript(base, "Fix app\n\nThe body.\n", {
          name: "agentcore-repair",
          email: "r@e",
          date: "2026-12-02T10:00:00Z",
        }),
      ),
    );
    expect(again.values.get("patch")).toBe(output.values.get("patch"));
    for (const marker of ["hook", "fsmonitor", "filter", "external-diff", "textconv"]) {
      expect(await exists(join(markers, marker)), marker).toBe(false);
    }
  });

  it("says so when nothing changed", async () => {
    const clean = join(root, "clean");
    git(root, "clone", "--quiet", ws, clean);

    const output = parseScriptOutput(
      run(
        clean,
        exportScript(git(clean, "rev-parse", "HEAD"), "x", {
          name: "a",
          email: "a@e",
          date: "2026-12-02T10:00:00Z",
        }),
      ),
    );

    expect(output.values.get("empty")).toBe("1");
    expect(output.values.has("patch")).toBe(false);
  });

  it("reverts surface files to the base (restoring or removing them) and resets git's internals", async () => {
    await writeFile(join(ws, "test.sh"), "exit 0\n");

    const output = run(ws, revertScript(base, ["test.sh", ".gitattributes"], true));

    expect(output).toContain("internals=reset");
    expect(await readFile(join(ws, "test.sh"), "utf8")).toBe("echo test\n");
    expect(await exists(join(ws, ".gitattributes"))).toBe(false);
    expect(await exists(join(ws, ".git/hooks/post-checkout"))).toBe(false);
    expect(git(ws, "config", "--get", "core.fsmonitor")).toBe("false");
    expect(() => git(ws, "config", "--get", "filter.evil.clean")).toThrow();
    // The fix itself stays
    expect(await readFile(join(ws, "src/app.js"), "utf8")).toBe("export const a = 2;\n");
    for (const marker of ["hook", "fsmonitor", "filter", "external-diff", "textconv"]) {
      expect(await exists(join(markers, marker)), marker).toBe(false);
    }
  });
});
