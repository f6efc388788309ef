import { z } from "zod";
import { UnreviewableChangeError } from "../errors.ts";
import { redact } from "../redaction.ts";

/**
 * An approval of a diff: what the person sees (file list, stats, flags, the final validation, the diff text up to
 * a bound) and what the approval is bound to (the SHA-256 of the exact patch bytes in the artifact store).
 */

const CHANGED_FILE_STATUSES = [
  "added",
  "modified",
  "deleted",
  "renamed",
  "copied",
  "type-changed",
  "mode-changed",
] as const;

const PATH_MAX = 4096;

const changedFileSchema = z.looseObject({
  path: z.string().min(1).max(PATH_MAX),
  status: z.enum(CHANGED_FILE_STATUSES),
  oldPath: z.string().min(1).max(PATH_MAX).optional(),
  binary: z.boolean(),
  insertions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  surface: z.string().max(200).optional(),
  testFile: z.boolean().optional(),
  protected: z.string().max(200).optional(),
});

const FILES_MAX = 200;
const FLAGS_MAX = 100;

/** What "Wait for approval" sends as `change` (the contract of issue 12). */
export const changeRequestSchema = z.looseObject({
  purpose: z.enum(["surface", "delivery"]),
  patchKey: z.string().min(1).max(900),
  patchSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (sha256)"),
  files: z.array(changedFileSchema).max(FILES_MAX),
  truncated: z.boolean().optional(),
  stats: z.looseObject({
    files: z.number().int().min(0),
    insertions: z.number().int().min(0),
    deletions: z.number().int().min(0),
  }),
  flags: z
    .array(z.looseObject({ path: z.string().min(1).max(PATH_MAX), reason: z.string().min(1).max(500) }))
    .max(FLAGS_MAX)
    .default([]),
  validation: z
    .looseObject({
      outcome: z.string().min(1).max(40),
      exitCode: z.number().int(),
      command: z.string().min(1).max(65_536),
    })
    .optional(),
});

export type ChangeRequest = z.infer<typeof changeRequestSchema>;

/** Longest diff text kept in the approval record and shown inline; the rest is behind the full-patch link. */
export const DIFF_INLINE_MAX_CHARS = 65_536;

/** The change as the approval record keeps it. */
export const changeReviewSchema = z.object({
  purpose: z.enum(["surface", "delivery"]),
  patchKey: z.string(),
  patchSha256: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(
    z.object({
      path: z.string(),
      status: z.enum(CHANGED_FILE_STATUSES),
      oldPath: z.string().optional(),
      binary: z.boolean(),
      insertions: z.number().int(),
      deletions: z.number().int(),
      surface: z.string().optional(),
      testFile: z.boolean().optional(),
      protected: z.string().optional(),
    }),
  ),
  truncated: z.boolean(),
  stats: z.object({ files: z.number().int(), insertions: z.number().int(), deletions: z.number().int() }),
  flags: z.array(z.object({ path: z.string(), reason: z.string() })),
  validation: z.object({ outcome: z.string(), exitCode: z.number().int(), command: z.string() }).optional(),
  /** The first DIFF_INLINE_MAX_CHARS of the patch, cut at a line end. */
  diffInline: z.string(),
  /** The whole patch's size in bytes. */
  patchBytes: z.number().int().min(0),
});

export type ChangeReview = z.infer<typeof changeReviewSchema>;

/** The patch's head for inline display, cut at the last line end within the bound. */
export function inlineDiff(patch: string): string {
  if (patch.length <= DIFF_INLINE_MAX_CHARS) return patch;
  const head = patch.slice(0, DIFF_INLINE_MAX_CHARS);
  const lineEnd = head.lastIndexOf("\n");
  return lineEnd > 0 ? head.slice(0, lineEnd + 1) : head;
}

/**
 * Display redaction must never hide what will run or be delivered: a person cannot approve what they cannot see.
 * If masking would change any text shown as the thing approved (a command, the diff, a path), the request is
 * refused as unreviewable. `parts` name where each text is shown.
 */
export function assertReviewable(parts: readonly { readonly where: string; readonly text: string }[]): void {
  const hidden = parts.filter((part) => redact(part.text) !== part.text).map((part) => part.where);
  if (hidden.length > 0) {
    throw new UnreviewableChangeError(
      `secret-looking text in ${hidden.slice(0, 5).join(", ")} would be masked on the approval page, so nobody ` +
        "could review what they approve; the request is refused instead",
      { where: hidden.slice(0, 5) },
    );
  }
}
