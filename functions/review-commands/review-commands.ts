import { z } from "zod";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { commandHash } from "#lib/command-hash.ts";
import type {
  AgentTurn,
  CommandReview,
  RepairRequest,
  ReviewedCommandRecord,
  ReviewResult,
} from "#lib/contracts.ts";
import { appendLedger } from "#lib/ledger.ts";
import { logger } from "#lib/observability.ts";
import type { CommandPolicy } from "#lib/policy/review.ts";
import { redactBounded } from "#lib/redaction.ts";
import type { RunCommandInvoker } from "#lib/run-command-invoker.ts";
import { executionNameSchema, requestInStateSchema } from "#lib/task-input.ts";

/**
 * "Review the proposed commands": the policy judges each command the agent proposed, in order. Allowed commands
 * (read-only, workspace-write) run now; the first that needs a person stops the review and is returned as
 * `awaitingApproval`; the state machine waits for the decision and calls again, and the held command runs only if
 * it was approved. Denied and expired commands are recorded, not run, and the agent sees them next turn.
 */

/** Commands in state are shown to people and the agent, never executed from state: bounded and redacted. */
const RECORD_COMMAND_MAX = 1024;
const RECORD_REASONS_MAX = 8;

const reviewStateSchema = z.object({
  iteration: z.number().int().min(0),
  nextIndex: z.number().int().min(0),
  records: z.array(z.looseObject({ commandHash: z.string() })),
  awaitingApproval: z
    .looseObject({
      command: z.string(),
      commandHash: z.string(),
      decision: z.string(),
      classes: z.array(z.string()),
      reasons: z.array(z.string()),
    })
    .nullable(),
});

export const reviewInputSchema = z.looseObject({
  request: requestInStateSchema,
  agent: z.looseObject({
    iteration: z.number().int().min(0),
    proposedCommands: z.array(z.looseObject({ command: z.string(), reason: z.string().optional() })),
  }),
  review: reviewStateSchema,
  /** What "Wait for approval" produced: SendTaskSuccess's output, or its Catch's {Error, Cause}; null otherwise. */
  approval: z.unknown().nullable(),
  executionName: executionNameSchema,
});

export type ReviewInput = z.infer<typeof reviewInputSchema>;

/** Where each command run or refused is written down (the audit table in AWS, a JSON-lines file locally). */
export interface CommandAudit {
  append(row: {
    readonly at: string;
    readonly executionName: string;
    readonly sessionId: string;
    readonly commandHash: string;
    readonly outcome: "command-ran" | "command-refused";
    readonly actor: string;
    readonly exitCode?: number;
    readonly reason?: string;
  }): Promise<void>;
}

export interface ReviewDependencies {
  readonly policy: (workspacePath: string) => Promise<CommandPolicy>;
  readonly runCommand: RunCommandInvoker;
  readonly audit: CommandAudit;
  readonly store: ArtifactStore;
  readonly maxCommandSeconds: number;
  readonly now?: () => Date;
}

type Decision = {
  readonly outcome: "approved" | "denied" | "expired";
  readonly reason: string;
  readonly decidedBy?: string;
};

/** Reads the decision for the held command; anything that does not match it exactly counts as a refusal. */
export function interpretApproval(approval: unknown, held: CommandReview): Decision {
  if (typeof approval !== "object" || approval === null) {
    return { outcome: "expired", reason: "no decision was recorded" };
  }
  const value = approval as Record<string, unknown>;
  if (typeof value.Error === "string") {
    let cause: Record<string, unknown> = {};
    try {
      cause = JSON.parse(String(value.Cause ?? "{}")) as Record<string, unknown>;
    } catch {
      // A timeout's cause is not JSON.
    }
    const reason = typeof cause.reason === "string" ? cause.reason : value.Error;
    if (value.Error === "ApprovalDeniedError") {
      return {
        outcome: "denied",
        reason,
        ...(typeof cause.decidedBy === "string" ? { decidedBy: cause.decidedBy } : {}),
      };
    }
    return {
      outcome: "expired",
      reason:
        value.Error === "ApprovalExpiredError"
          ? reason
          : `no decision before the wait ended (${value.Error})`,
    };
  }
  if (value.decision === "approved" && value.commandHash === held.commandHash) {
    return {
      outcome: "approved",
      reason: "approved",
      ...(typeof value.decidedBy === "string" ? { decidedBy: value.decidedBy } : {}),
    };
  }
  return { outcome: "denied", reason: "the decision does not match the held command" };
}

function record(
  review: CommandReview,
  disposition: ReviewedCommandRecord["disposition"],
  extra: Partial<ReviewedCommandRecord> = {},
): ReviewedCommandRecord {
  return {
    command: redactBounded(review.command, RECORD_COMMAND_MAX),
    commandHash: review.commandHash,
    decision: review.decision,
    classes: review.classes,
    reasons: review.reasons.slice(0, RECORD_REASONS_MAX),
    disposition,
    ...extra,
  };
}

/**
 * The workspace files the agent changed since the prepared revision (`$.change.files[].path`, written by the
 * delivery work when it records the change): a script or configuration among them runs only with a person. When
 * the state has no change record (yet), nothing is known to have changed.
 */
const changeRecordSchema = z.object({ files: z.array(z.looseObject({ path: z.string().min(1) })) });

function changedPaths(input: ReviewInput): readonly string[] | undefined {
  const parsed = changeRecordSchema.safeParse((input as { change?: unknown }).change);
  return parsed.success ? parsed.data.files.map((f) => f.path) : undefined;
}

export async function reviewCommands(deps: ReviewDependencies, input: ReviewInput): Promise<ReviewResult> {
  const request = input.request as unknown as RepairRequest;
  const turn = input.agent as unknown as AgentTurn;
  const now = deps.now ?? (() => new Date());
  const freshTurn = input.review.iteration !== turn.iteration;
  const records: ReviewedCommandRecord[] = freshTurn
    ? []
    : [...(input.review.records as unknown as ReviewedCommandRecord[])];
  let index = freshTurn ? 0 : input.review.nextIndex;
  const policy = await deps.policy(request.workspacePath);
  const changed = changedPaths(input);
  const context = changed === undefined ? undefined : { changedPaths: changed };
  const timeoutSeconds = Math.min(request.limits.commandTimeoutSeconds, deps.maxCommandSeconds);
  const auditBase = { executionName: input.executionName, sessionId: request.sessionId };

  const run = async (review: CommandReview, approvedBy?: string): Promise<void> => {
    const outcome = await deps.runCommand({
      request,
      command: review.command,
      purpose: "proposed",
      timeoutSeconds,
      executionName: input.executionName,
      iteration: turn.iteration,
    });
    records.push(
      record(review, "ran", {
        exitCode: outcome.exitCode,
        status: outcome.status,
        durationMs: outcome.durationMs,
      }),
    );
    await deps.audit.append({
      ...auditBase,
      at: now().toISOString(),
      commandHash: review.commandHash,
      outcome: "command-ran",
      actor: approvedBy ?? "policy",
      exitCode: outcome.exitCode,
    });
  };

  const held = freshTurn ? null : (input.review.awaitingApproval as CommandReview | null);
  if (held) {
    const decision = interpretApproval(input.approval, held);
    await appendLedger(deps.store, input.executionName, {
      kind: "approval",
      at: now().toISOString(),
      iteration: turn.iteration,
      commandHash: held.commandHash,
      command: redactBounded(held.command, RECORD_COMMAND_MAX),
      decision: decision.outcome,
      ...(decision.decidedBy ? { decidedBy: decision.decidedBy } : {}),
      reason: decision.reason,
    });
    // Run what the agent proposed at this index, never text carried in state: its hash must be the one a person
    // approved (interpretApproval checked the decision's hash against the held one).
    const proposedText = turn.proposedCommands[index]?.command;
    const bound = proposedText !== undefined && commandHash(proposedText) === held.commandHash;
    if (decision.outcome === "approved" && bound) {
      await run({ ...held, command: proposedText }, decision.decidedBy ?? "approver");
    } else if (decision.outcome === "approved") {
      records.push(record(held, "denied"));
      await deps.audit.append({
        ...auditBase,
        at: now().toISOString(),
        commandHash: held.commandHash,
        outcome: "command-refused",
        actor: "review-commands",
        reason: "the approved command is not the one proposed at this position",
      });
    } else {
      records.push(record(held, decision.outcome));
      await deps.audit.append({
        ...auditBase,
        at: now().toISOString(),
        commandHash: held.commandHash,
        outcome: "command-refused",
        actor: decision.decidedBy ?? "approval",
        reason: decision.reason,
      });
    }
    index += 1;
  }

  const proposed = turn.proposedCommands;
  while (index < proposed.length) {
    const review = policy.review(proposed[index]!.command, context);
    if (review.decision !== "allow") {
      logger.info("command held for approval", { commandHash: review.commandHash, classes: review.classes });
      return { iteration: turn.iteration, nextIndex: index, records, awaitingApproval: review };
    }
    await run(review);
    index += 1;
  }
  return { iteration: turn.iteration, nextIndex: index, records, awaitingApproval: null };
}
