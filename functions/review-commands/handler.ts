import { approvalEnvironment } from "../lib/approvals/approval-dependencies.ts";
import { defineTask } from "../lib/define-task.ts";
import { ValidationFailedError } from "../lib/errors.ts";
import { parseEgressList } from "../lib/policy/egress.ts";
import { type PolicyConfig, parsePolicyConfig } from "../lib/policy/policy-config.ts";
import { type CommandPolicy, createCommandPolicy } from "../lib/policy/review.ts";
import { lambdaRunCommandInvoker } from "../lib/run-command-invoker.ts";
import { taskDependencies } from "../lib/task-dependencies.ts";
import { type ReviewDependencies, reviewCommands, reviewInputSchema } from "./review-commands.ts";

/**
 * Per-repository policy additions come from the deployment (env POLICY_CONFIGS: a JSON object keyed by repoName),
 * never from the repository itself: the agent can edit the repository, so it must not be able to edit its policy.
 */
function policyConfigFor(repoName: string): PolicyConfig | undefined {
  const raw = process.env.POLICY_CONFIGS;
  if (!raw?.trim()) return undefined;
  const notAnObject = () =>
    new ValidationFailedError([
      { field: "POLICY_CONFIGS", problem: "is not a JSON object keyed by repository name" },
    ]);
  let all: unknown;
  try {
    all = JSON.parse(raw);
  } catch {
    throw notAnObject();
  }
  if (typeof all !== "object" || all === null || Array.isArray(all)) throw notAnObject();
  const forRepo = Object.hasOwn(all, repoName) ? (all as Record<string, unknown>)[repoName] : undefined;
  return forRepo === undefined ? undefined : parsePolicyConfig(forRepo, `POLICY_CONFIGS.${repoName}`);
}

/** The run-command function's name; required, so a missing variable is named instead of invoking a guess. */
function runCommandFunctionName(): string {
  const name = process.env.RUN_COMMAND_FUNCTION_NAME?.trim();
  if (!name) {
    throw new ValidationFailedError([
      {
        field: "RUN_COMMAND_FUNCTION_NAME",
        problem: "is not set; it must name the run-command function (its name or ARN)",
      },
    ]);
  }
  return name;
}

/**
 * Hosts commands may contact without a person (env POLICY_EGRESS_ALLOW_LIST: comma-separated host names, `*.domain`
 * or IP addresses; the session's own egress allow-list). Unset: loopback and the public package registries.
 */
function egressAllowList(): readonly string[] | undefined {
  const raw = process.env.POLICY_EGRESS_ALLOW_LIST;
  if (!raw?.trim()) return undefined;
  const hosts = raw
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "");
  try {
    return parseEgressList(hosts, "POLICY_EGRESS_ALLOW_LIST");
  } catch (error) {
    throw new ValidationFailedError([
      { field: "POLICY_EGRESS_ALLOW_LIST", problem: (error as Error).message },
    ]);
  }
}

/** Policies are built once per repository and workspace and reused by warm invocations. */
const policies = new Map<string, Promise<CommandPolicy>>();

function cachedPolicy(repoName: string, workspace: string): Promise<CommandPolicy> {
  const key = `${repoName}\n${workspace}`;
  let policy = policies.get(key);
  if (!policy) {
    const config = policyConfigFor(repoName);
    const egress = egressAllowList();
    const building = createCommandPolicy({
      workspace,
      ...(config ? { config } : {}),
      ...(egress ? { egressAllowList: egress } : {}),
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
