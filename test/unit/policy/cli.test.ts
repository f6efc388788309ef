import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cliSource = join(repoRoot, "infra/local/cli/policy.ts");
/** The CLI bundled once (with its WebAssembly beside it), so each case starts a plain node in a fraction of a second. */
let cliBundle: string;

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI, feeding `stdin`; it only classifies, it never runs a command. */
function runCli(args: readonly string[], stdin = "", how: "bundle" | "tsx" = "bundle"): Promise<CliResult> {
  const entry = how === "tsx" ? ["--import", "tsx", cliSource] : [cliBundle];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: repoRoot,
      stdio: "pipe",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("npm run policy -- classify", () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    cliBundle = join(dir, "policy-cli.mjs");
    await build({
      entryPoints: [cliSource],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: cliBundle,
      logLevel: "silent",
    });
    for (const wasm of ["tree-sitter-bash/tree-sitter-bash.wasm", "web-tree-sitter/web-tree-sitter.wasm"]) {
      const file = require.resolve(wasm);
      copyFileSync(file, join(dir, basename(file)));
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs from source through tsx, as the npm script does", async () => {
    // Act
    const result = await runCli(["classify"], "git push\n", "tsx");
    // Assess
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        command: "git push",
        decision: "approve",
        classes: ["vcs-remote"],
        reasons: ["git push: vcs-remote (pushes to a remote)"],
      },
    ]);
  });

  it("reads commands one per line on stdin and prints one JSON object per line", async () => {
    // Act
    const result = await runCli(["classify"], "npm test\n\ngit push origin main\r\n");
    // Assess
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        command: "npm test",
        decision: "allow",
        classes: ["workspace-write"],
        reasons: ['npm test: workspace-write (runs the package script "test" (a build, test or lint step))'],
      },
      {
        command: "git push origin main",
        decision: "approve",
        classes: ["vcs-remote"],
        reasons: ["git push origin main: vcs-remote (pushes to a remote)"],
      },
    ]);
  });

  it("reads a JSON array of commands with --file, multi-line commands included", async () => {
    // Prepare
    const file = join(dir, "commands.json");
    writeFileSync(file, JSON.stringify(["ls -la", "bash <<'EOF'\ngit push\nEOF"]));
    // Act
    const result = await runCli(["classify", "--file", file]);
    // Assess
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((r) => [r.command, r.decision])).toEqual([
      ["ls -la", "allow"],
      ["bash <<'EOF'\ngit push\nEOF", "approve"],
    ]);
  });

  it("applies a repository config and a workspace", async () => {
    // Prepare
    const config = join(dir, "policy.json");
    writeFileSync(
      config,
      JSON.stringify({ allow: [{ command: "make e2e-stack", class: "workspace-write" }] }),
    );
    // Act
    const result = await runCli(
      ["classify", "--config", config, "--workspace", "/srv/app"],
      "make e2e-stack\nrm -rf /srv/app/dist\nrm -rf /mnt/workspace/repo/dist\n",
    );
    // Assess
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((r) => r.decision)).toEqual(["allow", "allow", "approve"]);
  });

  it("exits 1 with --fail-on-approve when a command needs a person", async () => {
    // Act
    const allowed = await runCli(["classify", "--fail-on-approve"], "npm test\n");
    const held = await runCli(["classify", "--fail-on-approve"], "npm test\nnpm publish\n");
    // Assess
    expect(allowed.code).toBe(0);
    expect(held.code).toBe(1);
    expect(jsonLines(held.stdout)).toHaveLength(2);
  });

  it("prints help", async () => {
    // Act
    const result = await runCli(["--help"]);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: npm run --silent policy -- classify");
  });

  it.each([
    [["check"], 'expected the subcommand "classify" or "table", got check'],
    [["classify", "--bogus"], "Unknown option '--bogus'"],
    [["classify", "--workspace", "/a", "--repo", "b"], "give --workspace or --repo, not both"],
    [["classify", "--workspace", "relative"], "workspace: must be an absolute path, got relative"],
  ])("exits 2 on bad usage %j", async (args, message) => {
    // Act
    const result = await runCli(args);
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });

  it("exits 2 naming the item or field of a bad --file or --config", async () => {
    // Prepare
    const commands = join(dir, "bad-commands.json");
    const config = join(dir, "bad-config.json");
    writeFileSync(commands, JSON.stringify(["ls", 42]));
    writeFileSync(config, JSON.stringify({ allow: [{ command: "git push", class: "vcs-remote" }] }));
    // Act
    const badFile = await runCli(["classify", "--file", commands]);
    const badConfig = await runCli(["classify", "--config", config]);
    // Assess
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain(`--file ${commands}: item 1 is not a string`);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain(`${config}.allow[0].class`);
  });
});
