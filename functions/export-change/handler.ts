import { changeRulesFor } from "#lib/change/change-rules.ts";
import { defineTask } from "#lib/define-task.ts";
import {
  lambdaRunCommandInvoker,
  type RunCommandInvoker,
  runCommandFunctionName,
} from "#lib/run-command-invoker.ts";
import { taskDependencies } from "#lib/task-dependencies.ts";
import { type ExportChangeDependencies, exportChange, exportChangeInputSchema } from "./export-change.ts";

const invokers = new Map<string, RunCommandInvoker>();

/**
 * Lambda entry: measure, revert or export the change (input `step`). Git runs in the session through the
 * run-command function; the rules come from the deployment (CHANGE_RULES keyed by repository), never the repository.
 */
export const createHandler = defineTask({
  name: "export-change",
  input: exportChangeInputSchema,
  keys: (input) => ({ executionName: input.executionName, sessionId: input.request.sessionId }),
  dependencies: (
    overrides: Partial<Omit<ExportChangeDependencies, "rules">>,
  ): Omit<ExportChangeDependencies, "rules"> => {
    const functionName = runCommandFunctionName();
    let runCommand = overrides.runCommand ?? invokers.get(functionName);
    if (!runCommand) {
      runCommand = lambdaRunCommandInvoker(functionName);
      invokers.set(functionName, runCommand);
    }
    const { config, store } = taskDependencies();
    return {
      runCommand,
      store: overrides.store ?? store,
      maxCommandSeconds: overrides.maxCommandSeconds ?? config.maxSyncCommandSeconds,
      ...(overrides.now ? { now: overrides.now } : {}),
    };
  },
  // The rules are per repository: from the deployment's CHANGE_RULES, never from the repository.
  run: (dependencies, input) =>
    exportChange({ ...dependencies, rules: changeRulesFor(input.request.repoName) }, input),
});

export const handler = createHandler();
