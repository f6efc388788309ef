import type { FinalReport } from "../lib/contracts.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { finalize, finalizeInputSchema } from "./finalize.ts";

/** Lambda entry: parse the state, write the report, stop the session, return the FinalReport. */
export const handler = async (event: unknown): Promise<FinalReport> => {
  try {
    const input = parseTaskInput(finalizeInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    const { agentCore, store } = taskDependencies();
    return await finalize({ agentCore, store }, input);
  } catch (error) {
    logger.error("finalize failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
