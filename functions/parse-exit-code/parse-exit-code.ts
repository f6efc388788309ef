import { parse } from "@aws-lambda-powertools/parser";
import { z } from "zod";
import type { FailureDigest, Verdict } from "#lib/contracts.ts";
import {
  DEFAULT_DIGEST_LIMITS,
  type DigestLimits,
  EMPTY_DIGEST,
  FailureDigestBuilder,
} from "#lib/failure-digest/failure-digest.ts";
import { keptLines } from "#lib/failure-digest/output-text.ts";

/**
 * "Parse the exit code": the validation outcome becomes a verdict the state machine can branch on.
 *   passed          COMPLETED with exit code 0
 *   failed          COMPLETED with any other exit code (except -1)
 *   timed-out       TIMED_OUT (the command was killed at its timeout)
 *   platform-error  exit code -1 (the platform could not run it), or no usable outcome at all
 * and, unless it passed, a bounded failure digest for the agent.
 */

const OutputDigestSchema = z.looseObject({
  head: z.string(),
  tail: z.string(),
  bytes: z.number(),
  lines: z.number(),
  truncated: z.boolean(),
});

const FailureDigestSchema = z.looseObject({
  tool: z.string(),
  failingTests: z.array(z.string()),
  failingCount: z.number().int().min(0).optional(),
  locations: z.array(
    z.looseObject({ file: z.string(), line: z.number().optional(), column: z.number().optional() }),
  ),
  firstErrors: z.array(z.string()),
  excerpt: z.string(),
});

const CommandOutcomeSchema = z.looseObject({
  status: z.string(),
  exitCode: z.number(),
  stdout: OutputDigestSchema,
  stderr: OutputDigestSchema,
  // run-command's digest of the whole output, read as it streamed; absent or null: only head and tail are known.
  failure: FailureDigestSchema.nullish(),
  // null once the command finished (the state machine reads the key on every outcome).
  pending: z.looseObject({ runId: z.string() }).nullish(),
});

const StateSchema = z.looseObject({
  validation: CommandOutcomeSchema.optional(),
  request: z.looseObject({ workspacePath: z.string().optional() }).optional(),
});

type ParsedOutcome = z.infer<typeof CommandOutcomeSchema>;

function platformError(exitCode: number, reason: string): Verdict {
  return {
    outcome: "platform-error",
    exitCode,
    digest: { ...EMPTY_DIGEST, tool: "none", firstErrors: [reason] },
  };
}

/**
 * The digest run-command read from every line of the output while it streamed; without it (an outcome from before
 * it existed), the kept head and tail of each stream are read instead, whole lines only.
 */
function digestOf(
  outcome: ParsedOutcome,
  workspacePath: string | undefined,
  limits: DigestLimits,
): FailureDigest {
  if (outcome.failure) return outcome.failure as FailureDigest;
  const builder = new FailureDigestBuilder({ ...(workspacePath ? { workspacePath } : {}), limits });
  builder.pushLines("stdout", keptLines(outcome.stdout));
  builder.pushLines("stderr", keptLines(outcome.stderr));
  return builder.digest();
}

export function classifyOutcome(state: unknown, limits: DigestLimits = DEFAULT_DIGEST_LIMITS): Verdict {
  const parsed = parse(state, undefined, StateSchema, true);
  if (!parsed.success) {
    return platformError(-1, "the validation outcome is malformed: it is not a command outcome");
  }
  const { validation, request } = parsed.data;
  if (validation === undefined) return platformError(-1, "the validation outcome is missing");
  if (validation.pending) {
    // The state machine polls a detached command until it ends; reaching here means it skipped that.
    return platformError(-1, `the validation command is still running (run ${validation.pending.runId})`);
  }
  const workspacePath = request?.workspacePath;
  if (validation.status === "TIMED_OUT") {
    return {
      outcome: "timed-out",
      exitCode: validation.exitCode,
      digest: digestOf(validation, workspacePath, limits),
    };
  }
  if (validation.status !== "COMPLETED") {
    return platformError(
      validation.exitCode,
      `unknown command status ${JSON.stringify(validation.status.slice(0, 40))}`,
    );
  }
  if (validation.exitCode === 0) return { outcome: "passed", exitCode: 0, digest: EMPTY_DIGEST };
  const digest = digestOf(validation, workspacePath, limits);
  if (validation.exitCode === -1) return { outcome: "platform-error", exitCode: -1, digest };
  return { outcome: "failed", exitCode: validation.exitCode, digest };
}
