import { approvalEnvironment } from "../lib/approvals/approval-dependencies.ts";
import type { ReviewResult } from "../lib/contracts.ts";
import { ValidationFailedError } from "../lib/errors.ts";
import { bindInvocationKeys, flushMetrics, logger } from "../lib/observability.ts";
import { type PolicyConfig, parsePolicyConfig } from "../lib/policy/policy-config.ts";
import { type CommandPolicy, createCommandPolicy } from "../lib/policy/review.ts";
import { lambdaRunCommandInvoker, type RunCommandInvoker } from "../lib/run-command-invoker.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { parseTaskInput } from "../lib/task-input.ts";
import { reviewCommands, reviewInputSchema } from "./review-commands.ts";

/**
 * Per-repository policy additions come from the deployment (env POLICY_CONFIGS: a JSON object keyed by repoName),
 * never from the repository itself: the agent can edit the repository, so it must not be able to edit its policy.
 */
function policyConfigFor(repoName: string): PolicyConfig | undefined {
  const raw = process.env.POLICY_CONFIGS;
  if (!raw?.trim()) return undefined;
  let all: Record<string, unknown>;
  try {
    all = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ValidationFailedError([
      { field: "POLICY_CONFIGS", problem: "is not a JSON object keyed by repository name" },
    ]);
  }
  return all[repoName] === undefined
    ? undefined
    : parsePolicyConfig(all[repoName], `POLICY_CONFIGS.${repoName}`);
}

const policies = new Map<string, Promise<CommandPolicy>>();
let runCommand: RunCommandInvoker | undefined;

/** Lambda entry: parse the state, review (and run) the proposed commands, return the ReviewResult. */
export const handler = async (event: unknown): Promise<ReviewResult> => {
  try {
    const input = parseTaskInput(reviewInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    const { config, store } = taskDependencies();
    runCommand ??= lambdaRunCommandInvoker(
      process.env.RUN_COMMAND_FUNCTION_NAME ?? "agentcore-repair-run-command",
    );
    const repoName = input.request.repoName;
    return await reviewCommands(
      {
        policy: (workspace) => {
          const key = `${repoName}\n${workspace}`;
          if (!policies.has(key)) {
            const config = policyConfigFor(repoName);
            policies.set(key, createCommandPolicy({ workspace, ...(config ? { config } : {}) }));
          }
          return policies.get(key)!;
        },
        runCommand,
        audit: approvalEnvironment().audit,
        store,
        maxCommandSeconds: config.maxSyncCommandSeconds,
      },
      input,
    );
  } catch (error) {
    logger.error("review-commands failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
