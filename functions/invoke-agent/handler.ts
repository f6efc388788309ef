import type { Context } from "aws-lambda";
import type { AgentTurn } from "../lib/contracts.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { invokeAgent, invokeAgentInputSchema } from "./invoke-agent.ts";

/** Lambda entry: parse the state, ask the agent for its next turn, return the AgentTurn. */
export const handler = async (event: unknown, context: Context): Promise<AgentTurn> => {
  try {
    const input = parseTaskInput(invokeAgentInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    const { config, agentCore, store } = taskDependencies();
    return await invokeAgent(
      { agentCore, store, config, remainingTimeMs: () => context.getRemainingTimeInMillis() },
      input,
    );
  } catch (error) {
    logger.error("invoke-agent failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
