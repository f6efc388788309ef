import { ErrorBlock, type FindingsCollector } from "../findings.ts";
import type { LineRecognizer, RecognizerDefinition } from "./recognizer.ts";
import { v8Frame } from "./stack-frame.ts";

/**
 * `node --test`, in both of its default reporters:
 *
 * TAP (the default when stdout is not a terminal):
 *   # Subtest: slugify
 *       not ok 2 - collapses repeated spaces
 *         ---
 *         location: '/repo/test/slug.test.mjs:10:3'
 *         failureType: 'testCodeFailure'          ('subtestsFailed' marks a suite: not itself a failure)
 *         error: |-
 *           Expected values to be strictly equal:
 *         stack: |-
 *           TestContext.<anonymous> (file:///repo/test/slug.test.mjs:11:12)
 *         ...
 *
 * spec (the default on a terminal), whose closing summary lists only the failing tests:
 *   ✖ failing tests:
 *   test at test/slug.test.mjs:10:3
 *   ✖ collapses repeated spaces (1.6ms)
 *     AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
 *         at TestContext.<anonymous> (file:///repo/test/slug.test.mjs:11:12)
 */
const TAP_SIGNATURE = /^(?:TAP version \d+|\s*# Subtest: |# (?:tests|pass|fail) \d+$)/;
const SPEC_SIGNATURE = /^ℹ (?:tests|pass|fail) \d+$/;
const SUBTEST = /^(\s*)# Subtest: (.+)$/;
const FAIL_TOTAL = /^(?:ℹ|#) fail (\d+)$/;
/** The spec reporter's tree: `▶ suite` opens a suite; `✔|✖|﹣ name (1.2ms)` ends a test or a suite. */
const SPEC_SUITE_START = /^(\s*)▶ (.+)$/;
const SPEC_RESULT = /^(\s*)([✔✖﹣▶]) (.+?) \(\d[\d.]*m?s\)(?: # .*)?$/;
/** Failing tests named in the tree, kept to give the summary's bare names their suites. */
const MAX_TREE_FAILURES = 64;
const TEST_POINT = /^(\s*)not ok \d+ - (.+?)(?: # (?:SKIP|TODO)\b.*)?$/;
const LOCATION_AT_END = /^(.+):(\d+):(\d+)$/;
/** A YAML frame line of the TAP `stack:` block: `fn (file:line:col)` or `file:line:col`. */
const YAML_FRAME = /^\s*(?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

interface PendingTapFailure {
  name: string;
  indent: number;
  suite: boolean;
  location?: string;
  frames: string[];
  error: string[];
  /** Which multi-line YAML block we are in, and its indentation. */
  block?: { kind: "error" | "stack"; indent: number };
}

function unquoteYaml(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith("'") && trimmed.endsWith("'")) return trimmed.slice(1, -1).replace(/''/g, "'");
  if (trimmed.startsWith('"') && trimmed.endsWith('"')) {
    try {
      return JSON.parse(trimmed) as string;
    } catch {
      return trimmed.slice(1, -1);
    }
  }
  return trimmed;
}

class NodeTestRecognizer implements LineRecognizer {
  recognised = false;
  readonly #findings: FindingsCollector;
  readonly #subtests: { indent: number; name: string }[] = [];
  #pending: PendingTapFailure | undefined;
  // spec reporter state
  #inSpecSummary = false;
  #specLocation: string | undefined;
  readonly #specError = new ErrorBlock();
  readonly #specSuites: { indent: number; name: string }[] = [];
  #treeFailures: { name: string; path: string }[] = [];
  #sawSpecSummary = false;

  constructor(findings: FindingsCollector) {
    this.#findings = findings;
  }

  consume(line: string): void {
    if (TAP_SIGNATURE.test(line) || SPEC_SIGNATURE.test(line)) this.recognised = true;
    const total = FAIL_TOTAL.exec(line);
    if (total) this.#findings.reportTotal(Number(total[1]));
    if (line.trim() === "✖ failing tests:") {
      this.recognised = true;
      this.#inSpecSummary = true;
      this.#sawSpecSummary = true;
      return;
    }
    if (this.#inSpecSummary) {
      this.#consumeSpecSummary(line);
      return;
    }
    if (this.#consumeSpecTree(line)) return;
    if (this.#pending) {
      if (this.#consumeYaml(this.#pending, line)) return;
    }
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      const indent = subtest[1]?.length ?? 0;
      while ((this.#subtests.at(-1)?.indent ?? -1) >= indent) this.#subtests.pop();
      if (this.#subtests.length < 32) this.#subtests.push({ indent, name: subtest[2] ?? "" });
      return;
    }
    const point = TEST_POINT.exec(line);
    if (point) {
      const indent = point[1]?.length ?? 0;
      const ancestors = this.#subtests.filter((s) => s.indent < indent).map((s) => s.name);
      this.#pending = {
        name: [...ancestors, point[2] ?? ""].join(" > "),
        indent,
        suite: false,
        frames: [],
        error: [],
      };
    }
  }

  finish(): void {
    if (this.#pending) this.#commitTap(this.#pending);
    this.#specError.close(this.#findings);
    // Cut off before its summary (a timeout): the tree's failures are all there is.
    if (!this.#sawSpecSummary) for (const failure of this.#treeFailures) this.#findings.addTest(failure.path);
  }

  /** Follows the spec reporter's tree to know each failing test's suites (its summary gives bare names). */
  #consumeSpecTree(line: string): boolean {
    const result = SPEC_RESULT.exec(line);
    const start = result ? null : SPEC_SUITE_START.exec(line);
    const match = result ?? start;
    if (!match) return false;
    const indent = match[1]?.length ?? 0;
    const name = (result ? result[3] : match[2]) ?? "";
    const closesSuite =
      result !== null && this.#specSuites.some((s) => s.indent === indent && s.name === name);
    while ((this.#specSuites.at(-1)?.indent ?? -1) >= indent) this.#specSuites.pop();
    if (start) {
      if (this.#specSuites.length < 32) this.#specSuites.push({ indent, name });
    } else if (result?.[2] === "✖" && !closesSuite && this.#treeFailures.length < MAX_TREE_FAILURES) {
      this.#treeFailures.push({ name, path: [...this.#specSuites.map((s) => s.name), name].join(" > ") });
    }
    return true;
  }

  /** The summary's bare name with its suites, when the tree named it (in the same order). */
  #specPath(name: string): string {
    const at = this.#treeFailures.findIndex((f) => f.name === name);
    if (at === -1) return name;
    const path = this.#treeFailures[at]?.path ?? name;
    this.#treeFailures = this.#treeFailures.slice(at + 1);
    return path;
  }

  /** Returns true when the line belonged to the YAML diagnostics of the pending failure. */
  #consumeYaml(pending: PendingTapFailure, line: string): boolean {
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    if (trimmed === "...") {
      this.#commitTap(pending);
      return true;
    }
    if (trimmed === "---") return true;
    if (indent <= pending.indent && trimmed !== "") {
      // The YAML block ended without "..." (output cut): keep what we have, read the line normally.
      this.#commitTap(pending);
      return false;
    }
    if (pending.block && (indent > pending.block.indent || trimmed === "")) {
      if (pending.block.kind === "error" && pending.error.length < 6 && trimmed !== "")
        pending.error.push(trimmed);
      if (pending.block.kind === "stack" && pending.frames.length < 20) pending.frames.push(trimmed);
      return true;
    }
    pending.block = undefined;
    const field = /^(\w+): ?(.*)$/.exec(trimmed);
    if (!field) return true;
    const [, key, value = ""] = field;
    if (key === "failureType") pending.suite = unquoteYaml(value) === "subtestsFailed";
    else if (key === "location") pending.location = unquoteYaml(value);
    else if (key === "error" || key === "stack") {
      if (value.startsWith("|")) pending.block = { kind: key, indent };
      else if (key === "error") pending.error.push(unquoteYaml(value));
    }
    return true;
  }

  #commitTap(pending: PendingTapFailure): void {
    this.#pending = undefined;
    // A suite fails because its tests failed; those are reported themselves.
    if (pending.suite) return;
    this.#findings.addTest(pending.name);
    for (const frame of pending.frames) {
      const match = YAML_FRAME.exec(frame);
      if (match?.[1] && this.#findings.addLocation(match[1], Number(match[2]), Number(match[3]))) break;
    }
    const at = pending.location !== undefined ? LOCATION_AT_END.exec(pending.location) : null;
    if (at?.[1]) this.#findings.addLocation(at[1], Number(at[2]), Number(at[3]));
    if (pending.error.length > 0) this.#findings.addError(pending.error.join("\n"));
  }

  #consumeSpecSummary(line: string): void {
    const testAt = /^test at (.+)$/.exec(line.trim());
    if (testAt?.[1]) {
      this.#specError.close(this.#findings);
      this.#specLocation = testAt[1];
      return;
    }
    const failed = /^✖ (.+?)(?: \(\d[\d.]*m?s\))?$/.exec(line.trim());
    if (failed?.[1]) {
      this.#specError.close(this.#findings);
      this.#findings.addTest(this.#specPath(failed[1]));
      const at = this.#specLocation !== undefined ? LOCATION_AT_END.exec(this.#specLocation) : null;
      if (at?.[1]) this.#findings.addLocation(at[1], Number(at[2]), Number(at[3]));
      this.#specLocation = undefined;
      this.#specError.start();
      return;
    }
    const frame = v8Frame(line);
    if (frame) {
      this.#specError.close(this.#findings);
      this.#findings.addLocation(frame.file, frame.line, frame.column);
      return;
    }
    // The inspected error object that follows the stack (`{ code: ..., actual: ... }`) is not the message.
    if (this.#specError.open) this.#specError.add(line);
  }
}

export const nodeTest: RecognizerDefinition = { tool: "node-test", create: (f) => new NodeTestRecognizer(f) };
