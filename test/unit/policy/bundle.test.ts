import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const reviewModule = fileURLToPath(new URL("../../../functions/lib/policy/review.ts", import.meta.url));
const WASM_FILES = [
  require.resolve("tree-sitter-bash/tree-sitter-bash.wasm"),
  require.resolve("web-tree-sitter/web-tree-sitter.wasm"),
];

/**
 * A Lambda bundle has no node_modules: the policy must find its two WebAssembly files beside the bundle or
 * through POLICY_BASH_WASM / POLICY_TREE_SITTER_WASM. This bundles the policy as the stack does (ESM, everything
 * inlined) into a directory outside the repository and runs it there.
 */
describe("the policy bundled for Lambda", () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "policy-bundle-"));
    const entry = join(dir, "entry.ts");
    writeFileSync(
      entry,
      [
        `import { createCommandPolicy } from ${JSON.stringify(reviewModule)};`,
        `const policy = await createCommandPolicy({ workspace: "/mnt/workspace/repo" });`,
        `process.stdout.write(JSON.stringify(policy.review("npm test && git push")));`,
      ].join("\n"),
    );
    for (const target of ["beside", "bare"]) {
      await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile: join(dir, target, "index.mjs"),
        logLevel: "silent",
      });
    }
    for (const file of WASM_FILES)
      copyFileSync(file, join(dir, "beside", file.slice(file.lastIndexOf("/") + 1)));
    mkdirSync(join(dir, "elsewhere"));
    for (const file of WASM_FILES)
      copyFileSync(file, join(dir, "elsewhere", file.slice(file.lastIndexOf("/") + 1)));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function run(target: string, env: Record<string, string> = {}) {
    const { POLICY_BASH_WASM: _a, POLICY_TREE_SITTER_WASM: _b, ...inherited } = process.env;
    return spawnSync(process.execPath, [join(dir, target, "index.mjs")], {
      cwd: join(dir, target),
      env: { ...inherited, ...env },
      encoding: "utf8",
      timeout: 20_000,
    });
  }

  it("finds the WebAssembly files shipped next to the bundle", () => {
    // Act
    const result = run("beside");
    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      decision: "approve",
      classes: ["workspace-write", "vcs-remote"],
    });
  });

  it("finds them through the environment overrides", () => {
    // Act
    const result = run("bare", {
      POLICY_BASH_WASM: join(dir, "elsewhere", "tree-sitter-bash.wasm"),
      POLICY_TREE_SITTER_WASM: join(dir, "elsewhere", "web-tree-sitter.wasm"),
    });
    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decision: "approve" });
  });

  it("fails with a message naming the override when the files are missing", () => {
    // Act
    const result = run("bare");
    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      "cannot find web-tree-sitter.wasm: set POLICY_TREE_SITTER_WASM to its path",
    );
  });
});
