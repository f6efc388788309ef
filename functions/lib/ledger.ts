import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { ArtifactStore } from "./artifact-store.ts";
import { ThrottledError, TransientError, ValidationFailedError } from "./errors.ts";
import { redactBounded } from "./redaction.ts";
import { compactTimestamp, ledgerPrefix } from "./run-artifacts.ts";

/**
 * The execution's ledger: what happened, one JSON object per event under `runs/<executionName>/ledger/`.
 * Tasks append; finalize reads them all to build the report. Appending separate objects (instead of updating one
 * list) needs no locking and keeps Step Functions state from growing with every command.
 */

/** Longest command text kept in a record (the hash identifies the exact text). */
export const LEDGER_COMMAND_MAX = 4096;
/** A validation's failing tests kept in its ledger record, and the characters kept of each name. */
export const LEDGER_FAILING_TESTS_MAX = 10;
const LEDGER_FAILING_TEST_MAX = 300;
const TEXT_MAX = 8192;
/** How much of a patch the ledger (and so the report) shows inline. */
export const DIFF_EXCERPT_MAX = 16_384;

const boundedText = (max: number) => z.string().transform((text) => redactBounded(text, max));

const base = {
  at: z.iso.datetime(),
  iteration: z.number().int().min(0),
};

const commandRecordSchema = z.object({
  kind: z.literal("command"),
  ...base,
  purpose: z.string(),
  command: boundedText(LEDGER_COMMAND_MAX),
  commandHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** STREAM_BROKEN: the stream ended without an exit code; the outcome is unknown. */
  status: z.enum(["COMPLETED", "TIMED_OUT", "STREAM_BROKEN"]),
  exitCode: z.number().int().optional(),
  durationMs: z.number().min(0),
  stdoutBytes: z.number().int().min(0),
  stderrBytes: z.number().int().min(0),
  artifactUri: z.string(),
  detached: z.boolean().optional(),
  /** The timeout the command ran with (seconds). */
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  /** Set when the timeout asked for did not fit the time this invocation had, and was shortened to timeoutSeconds. */
  requestedTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
  /** A validation that did not pass: what failed (the report's "failing at the start"). */
  failure: z
    .object({
      tool: z.string(),
      failingCount: z.number().int().min(0),
      failingTests: z.array(boundedText(LEDGER_FAILING_TEST_MAX)).max(LEDGER_FAILING_TESTS_MAX),
    })
    .optional(),
});

const workspaceRecordSchema = z.object({
  kind: z.literal("workspace"),
  ...base,
  path: z.string(),
  revision: z.string(),
  resumed: z.boolean(),
  clearedLockFiles: z.array(z.string()),
});

const agentTurnRecordSchema = z.object({
  kind: z.literal("agent-turn"),
  ...base,
  summary: boundedText(TEXT_MAX),
  changedFiles: z.array(z.string()),
  proposedCommands: z.array(
    z.object({ command: boundedText(LEDGER_COMMAND_MAX), reason: z.string().optional() }),
  ),
  durationMs: z.number().min(0).optional(),
});

/**
 * Written by the approval tasks; finalize lists every decision in the report. "requested" is written by
 * request-approval when a person is asked (with the approval's id and deadline), so the report can show how long
 * each command waited and which requests were never answered; the decisions are written by review-commands.
 */
const approvalRecordSchema = z.object({
  kind: z.literal("approval"),
  ...base,
  commandHash: z.string().regex(/^[0-9a-f]{64}$/),
  command: boundedText(LEDGER_COMMAND_MAX),
  decision: z.enum(["requested", "approved", "denied", "expired"]),
  decidedBy: z.string().optional(),
  reason: boundedText(TEXT_MAX).optional(),
  approvalId: z.string().optional(),
  /** ISO-8601: when an unanswered request expires. */
  expiresAt: z.iso.datetime().optional(),
});

const changedFileSchema = z.object({
  path: z.string(),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type-changed", "mode-changed"]),
  oldPath: z.string().optional(),
  binary: z.boolean(),
  insertions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  surface: z.string().optional(),
  testFile: z.boolean().optional(),
  protected: z.string().optional(),
});

/**
 * What git measured in the session (export-change): after each agent turn ("measure"), when validation passed
 * ("export", with the patch's key and hash), and when a person denied a surface change ("revert", with the paths
 * put back). The report's "Changes" come from these, never from the agent's reply.
 */
const changeRecordSchema = z.object({
  kind: z.literal("change"),
  ...base,
  step: z.enum(["measure", "export", "revert"]),
  baseRevision: z.string(),
  files: z.array(changedFileSchema).max(200),
  truncated: z.boolean(),
  stats: z.object({
    files: z.number().int().min(0),
    insertions: z.number().int().min(0),
    deletions: z.number().int().min(0),
  }),
  flags: z.array(z.object({ path: z.string(), reason: z.string() })).max(100),
  internalsChanged: z.boolean().optional(),
  patchKey: z.string().optional(),
  patchUri: z.string().optional(),
  patchSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  patchBytes: z.number().int().min(0).optional(),
  commit: z.string().optional(),
  /** export: the start of the patch for the report (redacted, bounded; the whole patch is at patchKey). */
  diffExcerpt: boundedText(DIFF_EXCERPT_MAX).optional(),
  /** revert: why (the decision on the surface change) and what was put back. */
  decision: z.enum(["denied", "expired"]).optional(),
  reason: boundedText(TEXT_MAX).optional(),
  reverted: z.array(z.string()).max(200).optional(),
});

const ledgerRecordSchema = z.discriminatedUnion("kind", [
  commandRecordSchema,
  workspaceRecordSchema,
  agentTurnRecordSchema,
  approvalRecordSchema,
  changeRecordSchema,
]);

export type ChangeLedgerRecord = z.infer<typeof changeRecordSchema>;
type LedgerRecord = z.infer<typeof ledgerRecordSchema>;
/** What a task hands to `appendLedger` (text is redacted and bounded on the way in). */
export type LedgerRecordInput = z.input<typeof ledgerRecordSchema>;

let sequence = 0;

/**
 * Appends one record; returns its key. Text fields are redacted before they are stored. A record that does not
 * match its schema is a ValidationFailedError naming each bad field (`ledger.<field>`); the store's own failures
 * arrive as its named errors.
 */
export async function appendLedger(
  store: ArtifactStore,
  executionName: string,
  record: LedgerRecordInput,
): Promise<string> {
  const result = ledgerRecordSchema.safeParse(record);
  if (!result.success) {
    throw new ValidationFailedError(
      result.error.issues.slice(0, 20).map((issue) => ({
        field: ["ledger", ...issue.path.map(String)].join("."),
        problem: redactBounded(issue.message, 300),
      })),
    );
  }
  const parsed = result.data;
  const at = new Date(parsed.at);
  sequence = (sequence + 1) % 1_000_000;
  const key = `${ledgerPrefix(executionName)}${compactTimestamp(at)}-${String(sequence).padStart(6, "0")}-${parsed.kind}-${randomBytes(4).toString("hex")}.json`;
  await store.putJson(key, parsed);
  return key;
}

export interface LedgerContents {
  /** In the order they happened. */
  readonly records: readonly LedgerRecord[];
  /** Keys whose content was not a record we know (skipped, named in the report). */
  readonly unreadable: readonly string[];
}

/**
 * Reads every record of the execution, oldest first. Objects that are not valid records are listed, not fatal; a
 * throttled or transient read is thrown (the task retries) rather than reported as an unreadable record.
 */
export async function readLedger(store: ArtifactStore, executionName: string): Promise<LedgerContents> {
  const keys = await store.list(ledgerPrefix(executionName));
  const records: { key: string; record: LedgerRecord }[] = [];
  const unreadable: string[] = [];
  // Bounded parallelism: ledgers hold tens to hundreds of small objects.
  for (let i = 0; i < keys.length; i += 16) {
    const batch = keys.slice(i, i + 16);
    const values = await Promise.all(
      batch.map(async (key) => {
        try {
          return { key, value: await store.getJson(key) };
        } catch (error) {
          if (error instanceof ThrottledError || error instanceof TransientError) throw error;
          return { key, value: undefined };
        }
      }),
    );
    for (const { key, value } of values) {
      const parsed = ledgerRecordSchema.safeParse(value);
      if (parsed.success) records.push({ key, record: parsed.data });
      else unreadable.push(key);
    }
  }
  records.sort((a, b) => a.record.at.localeCompare(b.record.at) || a.key.localeCompare(b.key));
  return { records: records.map((entry) => entry.record), unreadable };
}
