import { type BedrockAgentCoreClient, StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { z } from "zod";
import { assertSessionId } from "#lib/agentcore-client.ts";
import { toRepairError } from "#lib/agentcore-errors.ts";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import type { FinalReport } from "#lib/contracts.ts";
import { SessionNotFoundError, ThrottledError } from "#lib/errors.ts";
import { readLedger } from "#lib/ledger.ts";
import { logger, recordThrottle } from "#lib/observability.ts";
import { reportKeys } from "#lib/run-artifacts.ts";
import { executionNameSchema, iterationSchema, requestInStateSchema } from "#lib/task-input.ts";
import { buildReport, renderMarkdown } from "./report.ts";

/**
 * The last step on every path: writes the report (JSON and Markdown) from the ledger and the final state, then
 * stops the runtime session, which flushes session storage (the service asks to wait for the stop before the
 * session is used again). A session already stopped (404) is fine.
 */

export const finalizeInputSchema = z.looseObject({
  request: requestInStateSchema,
  executionName: executionNameSchema,
  iteration: iterationSchema.default(0),
  verdict: z
    .looseObject({
      outcome: z.string(),
      exitCode: z.number(),
      digest: z
        .looseObject({
          tool: z.string().optional(),
          failingTests: z.array(z.string()).optional(),
          firstErrors: z.array(z.string()).optional(),
        })
        .optional(),
    })
    // null until "Parse the exit code" ran: the state machine keeps every key present.
    .nullish(),
  error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).nullish(),
  export: z.looseObject({ patchKey: z.string().nullable() }).nullish(),
  /** The last approval's output: on a refused delivery approval, its {Error, Cause}. */
  approval: z.unknown().optional(),
  delivery: z
    .looseObject({
      mode: z.string(),
      branch: z.string().nullish(),
      commit: z.string().nullish(),
      pullRequestUrl: z.string().nullish(),
      alreadyDelivered: z.boolean().optional(),
    })
    .nullish(),
});

export type FinalizeInput = z.infer<typeof finalizeInputSchema>;

export interface FinalizeDependencies {
  readonly agentCore: BedrockAgentCoreClient;
  readonly store: ArtifactStore;
  readonly now?: () => number;
}

function repairOutcome(input: FinalizeInput): FinalReport["outcome"] {
  if (input.error) return "failed";
  return input.verdict?.outcome === "passed" ? "repaired" : "not-repaired";
}

/** The delivery approval's refusal: the approval output is an {Error} only when a wait was caught. */
function deliveryRefusal(input: FinalizeInput): { Error?: string; Cause?: string } | null {
  if (!input.export?.patchKey || input.delivery) return null;
  const approval = input.approval as { Error?: unknown; Cause?: unknown } | null | undefined;
  if (!approval || typeof approval.Error !== "string") return null;
  return { Error: approval.Error, ...(typeof approval.Cause === "string" ? { Cause: approval.Cause } : {}) };
}

export async function finalize(deps: FinalizeDependencies, input: FinalizeInput): Promise<FinalReport> {
  const now = deps.now ?? Date.now;
  const sessionId = assertSessionId(input.request.sessionId);
  const outcome = repairOutcome(input);
  const ledger = await readLedger(deps.store, input.executionName);
  const report = buildReport({
    executionName: input.executionName,
    request: input.request,
    iterations: input.iteration,
    outcome,
    finishedAt: new Date(now()),
    ...(input.verdict ? { verdict: input.verdict } : {}),
    ...(input.error ? { error: input.error } : {}),
    ledger,
    delivery: input.delivery ?? null,
    deliveryRefusal: deliveryRefusal(input),
  });
  const keys = reportKeys(input.executionName);
  const reportUri = await deps.store.putJson(keys.json, report);
  const markdownUri = await deps.store.putText(
    keys.markdown,
    renderMarkdown(report),
    "text/markdown; charset=utf-8",
  );
  logger.info("report written", { outcome, reportUri, commands: report.totals.commands });

  await stopSession(deps.agentCore, input, sessionId);
  return { outcome, iterations: input.iteration, reportUri, markdownUri };
}

async function stopSession(
  client: BedrockAgentCoreClient,
  input: FinalizeInput,
  sessionId: string,
): Promise<void> {
  try {
    await client.send(
      new StopRuntimeSessionCommand({
        agentRuntimeArn: input.request.runtimeArn,
        ...(input.request.qualifier ? { qualifier: input.request.qualifier } : {}),
        runtimeSessionId: sessionId,
      }),
    );
    logger.info("runtime session stopped");
  } catch (error) {
    const mapped = toRepairError(error, { operation: "StopRuntimeSession", phase: "request" });
    if (mapped instanceof SessionNotFoundError) {
      logger.info("runtime session was already stopped");
      return;
    }
    if (mapped instanceof ThrottledError) recordThrottle("StopRuntimeSession");
    throw mapped;
  }
}
