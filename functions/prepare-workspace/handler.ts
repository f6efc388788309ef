import { defineTask } from "#lib/define-task.ts";
import { type CommandTaskDependencies, commandTaskDependencies } from "#lib/task-dependencies.ts";
import { prepareWorkspace, prepareWorkspaceInputSchema } from "./prepare-workspace.ts";

/** Lambda entry: parse the state, bring the repository into the session's workspace, return WorkspaceState. */
export const createHandler = defineTask({
  name: "prepare-workspace",
  input: prepareWorkspaceInputSchema,
  dependencies: (overrides: Partial<CommandTaskDependencies>): CommandTaskDependencies => ({
    ...commandTaskDependencies(),
    ...overrides,
  }),
  run: (dependencies, input, { remainingTimeMs }) =>
    prepareWorkspace({ ...dependencies, remainingTimeMs }, input),
});

export const handler = createHandler();
