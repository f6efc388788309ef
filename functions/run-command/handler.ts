import type { Context } from "aws-lambda";
import { commandHash } from "../lib/command-hash.ts";
import type { CommandOutcome } from "../lib/contracts.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { runCommand, runCommandInputSchema } from "./run-command.ts";

/** Lambda entry: parse the state, run (or poll) the command, return its CommandOutcome. */
export const handler = async (
  event: unknown,
  context: Context,
): Promise<Omit<CommandOutcome, "pending"> & { readonly pending: CommandOutcome["pending"] | null }> => {
  try {
    const input = parseTaskInput(runCommandInputSchema, event);
    bindInvocationKeys({
      executionName: input.executionName,
      sessionId: input.request.sessionId,
      commandHash: commandHash(input.command),
    });
    const { config, agentCore, store } = taskDependencies();
    const outcome = await runCommand(
      {
        agentCore,
        store,
        config,
        digest: { headBytes: config.digestHeadBytes, tailBytes: config.digestTailBytes },
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      },
      input,
    );
    // The state machine's ResultSelector reads `pending` on every outcome: null says "finished".
    return { ...outcome, pending: outcome.pending ?? null };
  } catch (error) {
    logger.error("run-command failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
