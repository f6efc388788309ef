import { ValidationFailedError } from "./errors.ts";

/**
 * The layout of one execution's artifacts in the store:
 *   runs/<executionName>/ledger/<time>-<seq>-<kind>-<rand>.json   one record per event (see ledger.ts)
 *   runs/<executionName>/commands/<iteration>-<purpose>-<hash12>-<time>.log   full, redacted command output
 *   runs/<executionName>/report.json, report.md
 */

const EXECUTION_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$/;

/** Step Functions execution names as we start them: 1-80 of [A-Za-z0-9._-] (they become artifact keys). */
function assertExecutionName(value: unknown): string {
  if (typeof value !== "string" || !EXECUTION_NAME.test(value) || value === "." || value === "..") {
    throw new ValidationFailedError([
      {
        field: "executionName",
        problem: `${typeof value === "string" ? `"${value.slice(0, 100)}"` : "a missing value"} is not 1-80 characters of [A-Za-z0-9._-]`,
      },
    ]);
  }
  return value;
}

export function runPrefix(executionName: string): string {
  return `runs/${assertExecutionName(executionName)}/`;
}

export function ledgerPrefix(executionName: string): string {
  return `${runPrefix(executionName)}ledger/`;
}

/** A sortable UTC timestamp usable in a key: 20261125T025300123Z. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, "");
}

export function commandOutputKey(
  executionName: string,
  command: {
    readonly iteration: number;
    readonly purpose: string;
    readonly commandHash: string;
    readonly startedAt: Date;
  },
): string {
  return `${runPrefix(executionName)}commands/${command.iteration}-${command.purpose}-${command.commandHash.slice(0, 12)}-${compactTimestamp(command.startedAt)}.log`;
}

export function reportKeys(executionName: string): { readonly json: string; readonly markdown: string } {
  const prefix = runPrefix(executionName);
  return { json: `${prefix}report.json`, markdown: `${prefix}report.md` };
}
