import {
  type BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  type InvokeAgentRuntimeCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore";
import { z } from "zod";
import { assertSessionId } from "#lib/agentcore-client.ts";
import { toRepairError } from "#lib/agentcore-errors.ts";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import type { AgentInvocation, AgentTurn, FailureDigest, ProposedCommand } from "#lib/contracts.ts";
import { AgentError, BudgetExhaustedError, RepairError, ThrottledError } from "#lib/errors.ts";
import { appendLedger, readLedger } from "#lib/ledger.ts";
import { logger, recordThrottle } from "#lib/observability.ts";
import { redact, redactBounded } from "#lib/redaction.ts";
import {
  executionNameSchema,
  iterationSchema,
  type RequestInState,
  requestInStateSchema,
} from "#lib/task-input.ts";
import { type ReplyBody, readAgentReply } from "./agent-reply.ts";

/**
 * Asks the agent (InvokeAgentRuntime, in the repair's session, so it sees the same workspace) to make the
 * validation pass, given the failure digest and what earlier iterations tried. Returns the agent's turn with
 * everything bounded and redacted for state; the turn is also appended to the ledger for the report and for the
 * next iteration's "previous attempts".
 */

const failureDigestSchema = z.looseObject({
  tool: z.string(),
  failingTests: z.array(z.string()),
  locations: z.array(
    z.looseObject({ file: z.string(), line: z.number().optional(), column: z.number().optional() }),
  ),
  firstErrors: z.array(z.string()),
  excerpt: z.string(),
});

export const invokeAgentInputSchema = z.looseObject({
  request: requestInStateSchema,
  executionName: executionNameSchema,
  iteration: iterationSchema,
  verdict: z.looseObject({ outcome: z.string(), exitCode: z.number(), digest: failureDigestSchema }),
});

export type InvokeAgentInput = z.infer<typeof invokeAgentInputSchema>;

export interface InvokeAgentDependencies {
  readonly agentCore: BedrockAgentCoreClient;
  readonly store: ArtifactStore;
  readonly config: { readonly agentReplyMaxBytes: number; readonly commandMarginSeconds: number };
  readonly remainingTimeMs: () => number;
  readonly now?: () => number;
}

/**
 * What goes into state: small enough that iterations never approach the 256 KB limit. Proposed commands: at most
 * 10 a turn of at most 4096 bytes each (~46 KB with their reasons). A longer command is dropped, never shortened:
 * a truncated command is a different command and must never run.
 */
const STATE_LIMITS = {
  summaryChars: 4000,
  // Paths in state are shown to people; the ledger keeps the turn. 100 × 512 characters stays far below 256 KB.
  changedFiles: 100,
  changedFileChars: 512,
  reasonChars: 500,
  proposedCommands: 10,
  commandBytes: 4096,
} as const;
const PREVIOUS_ATTEMPTS = { turns: 5, summaryChars: 1000, commands: 10, commandChars: 500 } as const;

export async function invokeAgent(
  deps: InvokeAgentDependencies,
  input: InvokeAgentInput,
): Promise<AgentTurn> {
  const now = deps.now ?? Date.now;
  const { request } = input;
  const sessionId = assertSessionId(request.sessionId);
  if (request.deadline !== undefined && now() >= Date.parse(request.deadline)) {
    throw new BudgetExhaustedError(
      `the repair's budget of ${request.limits.budgetSeconds} s ended at ${request.deadline}; no agent turn starts after it`,
      { deadline: request.deadline },
    );
  }
  const invocation = await buildInvocation(deps.store, input);

  const startedMs = now();
  const waitMs = deps.remainingTimeMs() - deps.config.commandMarginSeconds * 1000;
  if (waitMs <= 0)
    throw new AgentError("no time is left in this invocation to wait for the agent", { waitMs });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  timer.unref();

  let reply: Awaited<ReturnType<typeof readAgentReply>>;
  try {
    const response = await send(deps.agentCore, request, sessionId, invocation, abort.signal);
    reply = await readAgentReply(replyBody(response), deps.config.agentReplyMaxBytes).catch(
      (error: unknown) => {
        if (error instanceof RepairError) throw error;
        throw abort.signal.aborted
          ? new AgentError(
              `the agent did not finish its reply within ${Math.round(waitMs / 1000)} s`,
              {},
              { cause: error },
            )
          : toRepairError(error, { operation: "InvokeAgentRuntime", phase: "stream" });
      },
    );
  } finally {
    clearTimeout(timer);
  }
  const durationMs = Math.max(0, now() - startedMs);

  // Commands are redacted too: a command that carried a secret must not travel through state or run as is.
  const redacted = reply.reply.proposedCommands.map((proposed) => ({
    command: redact(proposed.command),
    ...(proposed.reason ? { reason: redactBounded(proposed.reason, STATE_LIMITS.reasonChars) } : {}),
  }));
  const masked = redacted.filter((p, i) => p.command !== reply.reply.proposedCommands[i]?.command).length;
  if (masked > 0) logger.warn("the agent proposed commands holding secrets; they were masked", { masked });
  const capped = capProposedCommands(redacted);
  if (capped.tooLong > 0 || capped.overCount > 0) {
    logger.warn("the agent proposed more commands than state carries; the excess was dropped, not run", {
      proposed: redacted.length,
      kept: capped.kept.length,
      tooLong: capped.tooLong,
      overCount: capped.overCount,
    });
  }

  const summary = redactBounded(reply.reply.summary, STATE_LIMITS.summaryChars);
  const turn: AgentTurn = {
    // The note is appended after bounding the summary, so it is never cut off.
    summary: capped.note ? `${summary}\n\n${capped.note}` : summary,
    changedFiles: reply.reply.changedFiles
      .slice(0, STATE_LIMITS.changedFiles)
      .map((file) => redactBounded(file, STATE_LIMITS.changedFileChars)),
    proposedCommands: capped.kept,
    iteration: input.iteration,
  };

  await appendLedger(deps.store, input.executionName, {
    kind: "agent-turn",
    at: new Date(now()).toISOString(),
    iteration: input.iteration,
    summary: turn.summary,
    changedFiles: [...turn.changedFiles],
    proposedCommands: turn.proposedCommands.map((p) => ({ ...p })),
    durationMs,
  });
  logger.info("agent turn", {
    iteration: input.iteration,
    durationMs,
    changedFiles: reply.reply.changedFiles.length,
    proposedCommands: turn.proposedCommands.length,
    progressEvents: reply.progressEvents,
  });
  return turn;
}

interface CappedCommands {
  readonly kept: ProposedCommand[];
  readonly tooLong: number;
  readonly overCount: number;
  /** A sentence for the turn's summary naming what was dropped and why; empty when nothing was. */
  readonly note: string;
}

/** Keeps the first commands that fit the state limits; drops (never truncates) a command that is too long. */
function capProposedCommands(commands: readonly ProposedCommand[]): CappedCommands {
  const fitting = commands.filter(
    (proposed) => Buffer.byteLength(proposed.command, "utf8") <= STATE_LIMITS.commandBytes,
  );
  const tooLong = commands.length - fitting.length;
  const kept = fitting.slice(0, STATE_LIMITS.proposedCommands);
  const overCount = fitting.length - kept.length;
  const reasons = [
    ...(tooLong > 0
      ? [`${tooLong} ${tooLong === 1 ? "was" : "were"} longer than ${STATE_LIMITS.commandBytes} bytes`]
      : []),
    ...(overCount > 0
      ? [`${overCount} went past the limit of ${STATE_LIMITS.proposedCommands} proposed commands per turn`]
      : []),
  ];
  const dropped = tooLong + overCount;
  const note =
    dropped === 0
      ? ""
      : `${dropped} of the ${commands.length} proposed commands ${dropped === 1 ? "was" : "were"} dropped and not run: ${reasons.join(", and ")}.`;
  return { kept, tooLong, overCount, note };
}

async function send(
  client: BedrockAgentCoreClient,
  request: RequestInState,
  sessionId: string,
  invocation: AgentInvocation,
  signal: AbortSignal,
): Promise<InvokeAgentRuntimeCommandOutput> {
  try {
    return await client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: request.runtimeArn,
        ...(request.qualifier ? { qualifier: request.qualifier } : {}),
        runtimeSessionId: sessionId,
        contentType: "application/json",
        accept: "application/json, text/event-stream",
        payload: Buffer.from(JSON.stringify(invocation), "utf8"),
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    if (signal.aborted) throw new AgentError("the agent did not answer in time", {}, { cause: error });
    const mapped = toRepairError(error, { operation: "InvokeAgentRuntime", phase: "request" });
    if (mapped instanceof ThrottledError) recordThrottle("InvokeAgentRuntime");
    throw mapped;
  }
}

function replyBody(response: InvokeAgentRuntimeCommandOutput): ReplyBody {
  const body = response.response as unknown;
  if (body && typeof body === "object" && Symbol.asyncIterator in body) {
    return { contentType: response.contentType, chunks: body as AsyncIterable<Uint8Array> };
  }
  const whole = response.response;
  return {
    contentType: response.contentType,
    chunks: (async function* () {
      if (whole) yield await whole.transformToByteArray();
    })(),
  };
}

async function buildInvocation(store: ArtifactStore, input: InvokeAgentInput): Promise<AgentInvocation> {
  const { request } = input;
  const { records } = await readLedger(store, input.executionName);
  // A surface change a person refused was put back: the agent must hear it, or it would make it again.
  const refusals = new Map<number, string>();
  for (const record of records) {
    if (record.kind !== "change" || record.step !== "revert") continue;
    const paths = (record.reverted ?? []).slice(0, 10).join(", ") || "git's internals or tool shims";
    refusals.set(
      record.iteration,
      ` [Not approved (${record.decision ?? "denied"}): your change to ${paths} decides what validation runs; a person refused it and it was put back. Fix the code instead.]`,
    );
  }
  const previousAttempts = records
    .filter((record) => record.kind === "agent-turn" && record.iteration < input.iteration)
    .slice(-PREVIOUS_ATTEMPTS.turns)
    .map((record) =>
      record.kind === "agent-turn"
        ? {
            summary:
              redactBounded(record.summary, PREVIOUS_ATTEMPTS.summaryChars) +
              (refusals.get(record.iteration) ?? ""),
            commands: record.proposedCommands
              .slice(0, PREVIOUS_ATTEMPTS.commands)
              .map((p) => redactBounded(p.command, PREVIOUS_ATTEMPTS.commandChars)),
          }
        : { summary: "", commands: [] },
    );
  return {
    goal:
      `Make the validation command \`${request.validationCommand}\` pass in the repository ${request.repoName} at ` +
      `${request.workspacePath}. Change files in that workspace only. Do not run commands that reach outside it; ` +
      "propose them instead, with a reason, and they will be reviewed and run for you.",
    repoName: request.repoName,
    workspacePath: request.workspacePath,
    validationCommand: request.validationCommand,
    iteration: input.iteration,
    failure: input.verdict.digest as FailureDigest,
    previousAttempts,
  };
}
