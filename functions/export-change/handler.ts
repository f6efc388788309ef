import { changeRulesFor } from "../lib/change/change-rules.ts";
import type { ChangeExport, ChangeRecord } from "../lib/contracts.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import {
  lambdaRunCommandInvoker,
  type RunCommandInvoker,
  runCommandFunctionName,
} from "../lib/run-command-invoker.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { exportChange, exportChangeInputSchema } from "./export-change.ts";

const invokers = new Map<string, RunCommandInvoker>();

/**
 * Lambda entry: measure, revert or export the change (input `step`). Git runs in the session through the
 * run-command function; the rules come from the deployment (CHANGE_RULES keyed by repository), never the repository.
 */
export const handler = async (event: unknown): Promise<ChangeRecord | ChangeExport> => {
  try {
    const input = parseTaskInput(exportChangeInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    const functionName = runCommandFunctionName();
    let runCommand = invokers.get(functionName);
    if (!runCommand) {
      runCommand = lambdaRunCommandInvoker(functionName);
      invokers.set(functionName, runCommand);
    }
    const { config, store } = taskDependencies();
    return await exportChange(
      {
        runCommand,
        store,
        rules: changeRulesFor(input.request.repoName),
        maxCommandSeconds: config.maxSyncCommandSeconds,
      },
      input,
    );
  } catch (error) {
    logger.error("export-change failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
