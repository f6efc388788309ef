import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Language, Parser, type Tree } from "web-tree-sitter";
import { PlatformError } from "../errors.ts";

/**
 * Loads tree-sitter-bash once per process (a module-scope promise, so warm Lambda invocations reuse it).
 *
 * Where the two WebAssembly files come from, first match wins:
 * 1. `POLICY_BASH_WASM` (the grammar) and `POLICY_TREE_SITTER_WASM` (the runtime): set these when bundling, after
 *    copying the files into the function's asset.
 * 2. The installed packages (`tree-sitter-bash/tree-sitter-bash.wasm`, `web-tree-sitter/web-tree-sitter.wasm`).
 * 3. A file of the same name next to this module (for a bundle that ships the files beside `index.mjs`).
 */
export interface BashParser {
  parse(text: string): Tree;
}

const GRAMMAR_FILE = "tree-sitter-bash.wasm";
const RUNTIME_FILE = "web-tree-sitter.wasm";

let loading: Promise<BashParser> | undefined;

/** Loads the parser; a failure is a PlatformError (the function's deployment lacks a working grammar). */
export function loadBashParser(): Promise<BashParser> {
  loading ??= createParser().catch((error: unknown) => {
    // A failed load is not cached: the next call retries (for example after the environment is fixed).
    loading = undefined;
    if (error instanceof PlatformError) throw error;
    throw new PlatformError(
      `cannot load the bash grammar: ${error instanceof Error ? error.message : String(error)}`,
      {},
      { cause: error },
    );
  });
  return loading;
}

async function createParser(): Promise<BashParser> {
  const runtimeWasm = locateWasm("POLICY_TREE_SITTER_WASM", "web-tree-sitter", RUNTIME_FILE);
  await Parser.init({ locateFile: () => runtimeWasm });
  const grammarWasm = locateWasm("POLICY_BASH_WASM", "tree-sitter-bash", GRAMMAR_FILE);
  const language = await Language.load(grammarWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(text: string): Tree {
      const tree = parser.parse(text);
      if (tree === null) {
        throw new PlatformError("tree-sitter returned no tree (the parser has no language)");
      }
      return tree;
    },
  };
}

function locateWasm(envName: string, packageName: string, fileName: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!existsSync(fromEnv)) {
      throw new PlatformError(`${envName} is ${fromEnv}, which does not exist`, { variable: envName });
    }
    return fromEnv;
  }
  try {
    return createRequire(import.meta.url).resolve(`${packageName}/${fileName}`);
  } catch {
    const beside = fileURLToPath(new URL(fileName, import.meta.url));
    if (existsSync(beside)) return beside;
    throw new PlatformError(
      `cannot find ${fileName}: set ${envName} to its path, install ${packageName}, or ship the file next to the bundle (${beside})`,
      { variable: envName, file: fileName },
    );
  }
}
