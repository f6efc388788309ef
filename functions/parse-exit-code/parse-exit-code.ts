import { parse } from "@aws-lambda-powertools/parser";
import { z } from "zod";
import type { CommandOutcome, FailureDigest, Verdict } from "../lib/contracts.ts";
import { DEFAULT_DIGEST_LIMITS, type DigestLimits, digestOutput, EMPTY_DIGEST } from "./failure-digest.ts";
import { digestText, linesOf } from "./output-text.ts";

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

const CommandOutcomeSchema = z.looseObject({
  status: z.string(),
  exitCode: z.number(),
  stdout: OutputDigestSchema,
  stderr: OutputDigestSchema,
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

/** stdout then stderr, each as the collector kept it; a marker line says where stderr begins. */
function* outputLines(outcome: Pick<CommandOutcome, "stdout" | "stderr">): Generator<string> {
  yield* linesOf(digestText(outcome.stdout));
  const stderr = digestText(outcome.stderr);
  if (stderr !== "") {
    yield "[stderr]";
    yield* linesOf(stderr);
  }
}

function digestOf(
  outcome: ParsedOutcome,
  workspacePath: string | undefined,
  limits: DigestLimits,
): FailureDigest {
  return digestOutput(outputLines(outcome), { ...(workspacePath ? { workspacePath } : {}), limits });
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
