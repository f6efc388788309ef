import type { Context } from "aws-lambda";
import type { WorkspaceState } from "../lib/contracts.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { prepareWorkspace, prepareWorkspaceInputSchema } from "./prepare-workspace.ts";

/** Lambda entry: parse the state, bring the repository into the session's workspace, return WorkspaceState. */
export const handler = async (event: unknown, context: Context): Promise<WorkspaceState> => {
  try {
    const input = parseTaskInput(prepareWorkspaceInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    const { config, agentCore, store } = taskDependencies();
    return await prepareWorkspace(
      {
        agentCore,
        store,
        config,
        digest: { headBytes: config.digestHeadBytes, tailBytes: config.digestTailBytes },
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      },
      input,
    );
  } catch (error) {
    logger.error("prepare-workspace failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
