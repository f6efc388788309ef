import type { FailureLocation } from "../contracts.ts";
import { isToolingPath, workspaceRelative } from "./output-text.ts";

export interface Findings {
  readonly failingTests: readonly string[];
  readonly locations: readonly FailureLocation[];
  readonly firstErrors: readonly string[];
}

export interface FindingLimits {
  /** Entries kept per list (failing tests, locations, first errors). */
  readonly maxEntries: number;
  /** Characters kept per entry. */
  readonly maxEntryChars: number;
}

/** Names remembered to count distinct failures; past this, every new name counts (duplicates are rare by then). */
const MAX_COUNTED_NAMES = 10_000;

function cut(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/**
 * What one recognizer found, bounded: each list stops growing at maxEntries and drops duplicates, so memory does
 * not depend on how many failures the output holds.
 */
export class FindingsCollector {
  readonly #limits: FindingLimits;
  readonly #workspacePath: string | undefined;
  readonly #tests = new Map<string, string>();
  readonly #locations = new Map<string, FailureLocation>();
  readonly #errors = new Map<string, string>();
  /** Distinct failing-test names seen, past maxEntries too, so the total is counted; capped to bound memory. */
  readonly #seenTests = new Set<string>();
  #testsSeen = 0;
  #reportedTotal: number | undefined;

  constructor(limits: FindingLimits, workspacePath?: string) {
    this.#limits = limits;
    this.#workspacePath = workspacePath;
  }

  addTest(name: string): void {
    const trimmed = name.trim();
    if (trimmed === "") return;
    if (!this.#seenTests.has(trimmed)) {
      this.#testsSeen++;
      if (this.#seenTests.size < MAX_COUNTED_NAMES) this.#seenTests.add(trimmed);
    }
    this.#add(this.#tests, trimmed, cut(trimmed, this.#limits.maxEntryChars));
  }

  /** The number of failing tests the tool itself reported in its summary: it wins over the names counted. */
  reportTotal(count: number): void {
    if (Number.isSafeInteger(count) && count >= 0) this.#reportedTotal = count;
  }

  /** The tool's own total if it printed one, else the distinct failing tests named. */
  get failingCount(): number {
    return Math.max(this.#reportedTotal ?? this.#testsSeen, this.#tests.size);
  }

  get reportedTotal(): number | undefined {
    return this.#reportedTotal;
  }

  /** Returns false for locations inside runtimes and dependencies, which are not kept. */
  addLocation(file: string, line?: number, column?: number): boolean {
    const path = workspaceRelative(file.trim(), this.#workspacePath);
    if (path === "" || isToolingPath(path)) return false;
    const location: FailureLocation = {
      file: cut(path, this.#limits.maxEntryChars),
      ...(line !== undefined && Number.isFinite(line) ? { line } : {}),
      ...(column !== undefined && Number.isFinite(column) ? { column } : {}),
    };
    this.#add(this.#locations, `${location.file}:${location.line ?? ""}:${location.column ?? ""}`, location);
    return true;
  }

  /** A path as locations show it (workspace-relative), for recognizers that quote a file in a message. */
  displayPath(file: string): string {
    return workspaceRelative(file.trim(), this.#workspacePath);
  }

  addError(message: string): void {
    const trimmed = message.trim();
    if (trimmed !== "") this.#add(this.#errors, trimmed, cut(trimmed, this.#limits.maxEntryChars));
  }

  get isEmpty(): boolean {
    return this.#tests.size === 0 && this.#locations.size === 0 && this.#errors.size === 0;
  }

  get testCount(): number {
    return this.#tests.size;
  }

  result(): Findings {
    return {
      failingTests: [...this.#tests.values()],
      locations: [...this.#locations.values()],
      firstErrors: [...this.#errors.values()],
    };
  }

  #add<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size < this.#limits.maxEntries && !map.has(key)) map.set(key, value);
  }
}

/** Collects up to `maxLines` lines of one error message, then hands it to the collector. */
export class ErrorBlock {
  #lines: string[] = [];
  #open = false;
  readonly #maxLines: number;

  constructor(maxLines = 6) {
    this.#maxLines = maxLines;
  }

  get open(): boolean {
    return this.#open;
  }

  get lineCount(): number {
    return this.#lines.length;
  }

  start(firstLine?: string): void {
    this.#lines = [];
    this.#open = true;
    if (firstLine !== undefined) this.add(firstLine);
  }

  add(line: string): void {
    const trimmed = line.trim();
    if (this.#open && trimmed !== "" && this.#lines.length < this.#maxLines) this.#lines.push(trimmed);
  }

  /** Ends the block and records it (if anything was collected). */
  close(findings: FindingsCollector): void {
    if (this.#open && this.#lines.length > 0) findings.addError(this.#lines.join("\n"));
    this.#lines = [];
    this.#open = false;
  }
}
