#!/usr/bin/env node
// The house plan's import rules (README "Where things live"), checked on every `npm test`. A small script rather
// than dependency-cruiser: five rules over relative and #lib/ imports need no resolver, and no dependency.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = /\.(ts|mts|mjs|js)$/;
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function files(directory) {
  const found = [];
  for (const name of readdirSync(directory)) {
    if (name === "node_modules" || name.startsWith(".") || name === "cdk.out") continue;
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...files(path));
    else if (SOURCE.test(name) && !name.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

/** The repository-relative file an import names, or undefined for a package. */
function target(from, specifier) {
  if (specifier.startsWith("#lib/")) return join("functions/lib", specifier.slice("#lib/".length));
  if (!specifier.startsWith(".")) return undefined;
  return relative(ROOT, resolve(dirname(join(ROOT, from)), specifier));
}

const task = (path) => /^functions\/(?!lib\/)([^/]+)\//.exec(path)?.[1];

/** Each rule: a name and a test of one import edge (from, to), both repository-relative. */
const RULES = [
  ["a task imports another task", (from, to) => task(from) && task(to) && task(from) !== task(to)],
  ["functions/ imports infra/", (from, to) => from.startsWith("functions/") && to.startsWith("infra/")],
  ["functions/lib imports a task", (from, to) => from.startsWith("functions/lib/") && task(to) !== undefined],
  [
    "the emulator imports functions/",
    (from, to) => from.startsWith("infra/local/emulator/") && to.startsWith("functions/"),
  ],
  [
    "samples/agent reaches outside itself",
    (from, to) => from.startsWith("samples/agent/") !== to.startsWith("samples/agent/"),
  ],
];

const sources = ["functions", "infra", "samples/agent", "test"].flatMap((d) =>
  files(join(ROOT, d)).map((f) => relative(ROOT, f)),
);
const graph = new Map();
const violations = [];
for (const from of sources) {
  const text = readFileSync(join(ROOT, from), "utf8");
  const edges = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4];
    const to = target(from, specifier);
    if (to === undefined) continue;
    for (const [name, broken] of RULES) {
      if (!from.startsWith("test/") && broken(from, to)) violations.push(`${from} -> ${specifier}: ${name}`);
    }
    // Type-only imports vanish at run time, so they cannot make a load-order cycle.
    if (match[2] === undefined) edges.push(to);
  }
  graph.set(from, edges);
}

// Cycles among run-time imports of functions/ and infra/, found by depth-first search.
const state = new Map();
function visit(node, path) {
  state.set(node, "open");
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next) || next.startsWith("test/")) continue;
    if (state.get(next) === "open") {
      violations.push(`import cycle: ${[...path.slice(path.indexOf(next)), next].join(" -> ")}`);
    } else if (!state.has(next)) {
      visit(next, [...path, next]);
    }
  }
  state.set(node, "done");
}
for (const node of graph.keys()) if (!state.has(node) && !node.startsWith("test/")) visit(node, [node]);

if (violations.length > 0) {
  console.error(`${violations.length} import rule violation(s) (see README "Where things live"):`);
  for (const violation of violations) console.error(`  ${violation}`);
  process.exit(1);
}
console.log(`import rules hold over ${sources.length} files`);
