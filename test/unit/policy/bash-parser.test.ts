import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

const require = createRequire(import.meta.url);

/** A fresh copy of the loader module, so its module-scope promise starts empty. */
async function freshLoader() {
  vi.resetModules();
  return import("#lib/policy/bash-parser.ts");
}

const tempDirs: string[] = [];

/** The two WebAssembly files copied somewhere outside node_modules, as a bundled function would ship them. */
function shippedWasm(): { grammar: string; runtime: string } {
  const dir = mkdtempSync(join(tmpdir(), "policy-wasm-"));
  tempDirs.push(dir);
  const grammar = join(dir, "tree-sitter-bash.wasm");
  const runtime = join(dir, "web-tree-sitter.wasm");
  copyFileSync(require.resolve("tree-sitter-bash/tree-sitter-bash.wasm"), grammar);
  copyFileSync(require.resolve("web-tree-sitter/web-tree-sitter.wasm"), runtime);
  return { grammar, runtime };
}

describe("loading tree-sitter-bash", () => {
  afterEach(() => {
    delete process.env.POLICY_BASH_WASM;
    delete process.env.POLICY_TREE_SITTER_WASM;
  });

  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("loads the grammar and runtime from the paths in POLICY_BASH_WASM and POLICY_TREE_SITTER_WASM", async () => {
    // Prepare
    const { grammar, runtime } = shippedWasm();
    process.env.POLICY_BASH_WASM = grammar;
    process.env.POLICY_TREE_SITTER_WASM = runtime;
    const { loadBashParser } = await freshLoader();
    // Act
    const parser = await loadBashParser();
    const tree = parser.parse("git push origin main");
    // Assess
    expect(tree.rootNode.type).toBe("program");
    expect(tree.rootNode.descendantsOfType("command")).toHaveLength(1);
    tree.delete();
  });

  it("initialises once and hands every caller the same parser", async () => {
    // Prepare
    const { loadBashParser } = await freshLoader();
    // Act
    const [first, second] = await Promise.all([loadBashParser(), loadBashParser()]);
    // Assess
    expect(first).toBe(second);
    expect(loadBashParser()).toBe(loadBashParser());
  });

  it("names the variable when an override points nowhere, and retries once it is fixed", async () => {
    // Prepare
    process.env.POLICY_BASH_WASM = "/nonexistent/tree-sitter-bash.wasm";
    const { loadBashParser } = await freshLoader();
    // Act
    const failing = loadBashParser();
    // Assess
    await expect(failing).rejects.toMatchObject({ name: "PlatformError" });
    await expect(failing).rejects.toThrow(
      "POLICY_BASH_WASM is /nonexistent/tree-sitter-bash.wasm, which does not exist",
    );
    delete process.env.POLICY_BASH_WASM;
    const parser = await loadBashParser();
    expect(parser.parse("ls").rootNode.hasError).toBe(false);
  });

  it("checks the runtime override too", async () => {
    // Prepare
    process.env.POLICY_TREE_SITTER_WASM = "/nonexistent/web-tree-sitter.wasm";
    const { loadBashParser } = await freshLoader();
    // Act
    const failing = loadBashParser();
    // Assess
    await expect(failing).rejects.toMatchObject({ name: "PlatformError" });
    await expect(failing).rejects.toThrow("POLICY_TREE_SITTER_WASM is /nonexistent/web-tree-sitter.wasm");
  });
});
