import { agentCoreClient } from "#lib/agentcore-client.ts";
import { defineTask } from "#lib/define-task.ts";
import { taskDependencies } from "#lib/task-dependencies.ts";
import { type FinalizeDependencies, finalize, finalizeInputSchema } from "./finalize.ts";

/** Lambda entry: parse the state, write the report, stop the session, return the FinalReport. */
export const createHandler = defineTask({
  name: "finalize",
  input: finalizeInputSchema,
  dependencies: (overrides: Partial<FinalizeDependencies>): FinalizeDependencies => ({
    agentCore: overrides.agentCore ?? agentCoreClient(),
    store: overrides.store ?? taskDependencies().store,
    ...overrides,
  }),
  run: (dependencies, input) => finalize(dependencies, input),
});

export const handler = createHandler();
