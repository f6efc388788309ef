import { defineTask } from "#lib/define-task.ts";
import { taskDependencies } from "#lib/task-dependencies.ts";
import { type InvokeAgentDependencies, invokeAgent, invokeAgentInputSchema } from "./invoke-agent.ts";

type Dependencies = Omit<InvokeAgentDependencies, "remainingTimeMs">;

/** Lambda entry: parse the state, ask the agent for its next turn, return the AgentTurn. */
export const createHandler = defineTask({
  name: "invoke-agent",
  input: invokeAgentInputSchema,
  dependencies: (overrides: Partial<Dependencies>): Dependencies => {
    const { config, agentCore, store } = taskDependencies();
    return { config, agentCore, store, ...overrides };
  },
  run: (dependencies, input, { remainingTimeMs }) => invokeAgent({ ...dependencies, remainingTimeMs }, input),
});

export const handler = createHandler();
