import { approvalEnvironment } from "#lib/approvals/approval-dependencies.ts";
import { defineTask } from "#lib/define-task.ts";
import { type PolicyConfig, parsePolicyConfig } from "#lib/policy/policy-config.ts";
import { type CommandPolicy, createCommandPolicy } from "#lib/policy/review.ts";
import { lambdaRunCommandInvoker } from "#lib/run-command-invoker.ts";
import { taskDependencies } from "#lib/task-dependencies.ts";
import { type ReviewDependencies, reviewCommands, reviewInputSchema } from "./review-commands.ts";
import { reviewSettings, runCommandFunctionName } from "./settings.ts";

/** This repository's policy additions from POLICY_CONFIGS, if the deployment gives any. */
function policyConfigFor(repoName: string): PolicyConfig | undefined {
  const { policyConfigs } = reviewSettings.parse();
  const forRepo = Object.hasOwn(policyConfigs, repoName) ? policyConfigs[repoName] : undefined;
  return forRepo === undefined ? undefined : parsePolicyConfig(forRepo, `POLICY_CONFIGS.${repoName}`);
}

/** Policies are built once per repository and workspace and reused by warm invocations. */
const policies = new Map<string, Promise<CommandPolicy>>();

function cachedPolicy(repoName: string, workspace: string): Promise<CommandPolicy> {
  const key = `${repoName}\n${workspace}`;
  let policy = policies.get(key);
  if (!policy) {
    const config = policyConfigFor(repoName);
    const { egressAllowList } = reviewSettings.parse();
    const building = createCommandPolicy({
      workspace,
      ...(config ? { config } : {}),
      ...(egressAllowList ? { egressAllowList } : {}),
    });
    // A failed build is not kept: the next invocation of this warm container tries again.
    building.catch(() => {
      if (policies.get(key) === building) policies.delete(key);
    });
    policies.set(key, building);
    policy = building;
  }
  return policy;
}

type Dependencies = Omit<ReviewDependencies, "policy">;

/** Lambda entry: parse the state, review (and run) the proposed commands, return the ReviewResult. */
export const createHandler = defineTask({
  name: "review-commands",
  input: reviewInputSchema,
  dependencies: (overrides: Partial<Dependencies>): Dependencies => {
    const runCommand = overrides.runCommand ?? lambdaRunCommandInvoker(runCommandFunctionName());
    const { config, store } = taskDependencies();
    return {
      runCommand,
      audit: overrides.audit ?? approvalEnvironment().audit,
      store,
      maxCommandSeconds: config.maxSyncCommandSeconds,
      ...overrides,
    };
  },
  run: (dependencies, input) => {
    const repoName = input.request.repoName;
    return reviewCommands(
      { ...dependencies, policy: (workspace) => cachedPolicy(repoName, workspace) },
      input,
    );
  },
});

export const handler = createHandler();
