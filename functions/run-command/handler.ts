import { commandHash } from "#lib/command-hash.ts";
import { defineTask } from "#lib/define-task.ts";
import { type CommandTaskDependencies, commandTaskDependencies } from "#lib/task-dependencies.ts";
import { runCommand, runCommandInputSchema } from "./run-command.ts";

/** Lambda entry: parse the state, run (or poll) the command, return its CommandOutcome. */
export const createHandler = defineTask({
  name: "run-command",
  input: runCommandInputSchema,
  keys: (input) => ({
    executionName: input.executionName,
    sessionId: input.request.sessionId,
    commandHash: commandHash(input.command),
  }),
  dependencies: (overrides: Partial<CommandTaskDependencies>): CommandTaskDependencies => ({
    ...commandTaskDependencies(),
    ...overrides,
  }),
  run: async (dependencies, input, { remainingTimeMs }) => {
    const outcome = await runCommand({ ...dependencies, remainingTimeMs }, input);
    // The state machine's ResultSelector reads `pending` on every outcome: null says "finished".
    return { ...outcome, pending: outcome.pending ?? null };
  },
});

export const handler = createHandler();
