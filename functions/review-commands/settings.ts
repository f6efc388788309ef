import { ValidationFailedError } from "#lib/errors.ts";
import { parseEgressList } from "#lib/policy/egress.ts";
import { defineSettings, type Environment, type EnvironmentOf, optionalText } from "#lib/settings.ts";

/**
 * review-commands' own variables (it also loads the task configuration and the approval settings). Per-repository
 * policy additions come from the deployment (POLICY_CONFIGS: a JSON object keyed by repoName), never from the
 * repository itself: the agent can edit the repository, so it must not be able to edit its policy. The two wasm
 * paths are read by functions/lib/policy/bash-parser.ts; they are listed so infra/ sets them by these names.
 */
export const reviewSettings = defineSettings({
  variables: {
    RUN_COMMAND_FUNCTION_NAME: optionalText,
    POLICY_CONFIGS: optionalText.transform((raw, context): Readonly<Record<string, unknown>> => {
      if (raw === undefined) return {};
      let all: unknown;
      try {
        all = JSON.parse(raw);
      } catch {
        all = undefined;
      }
      if (typeof all !== "object" || all === null || Array.isArray(all)) {
        context.addIssue({ code: "custom", message: "is not a JSON object keyed by repository name" });
        return {};
      }
      return all as Record<string, unknown>;
    }),
    /**
     * Hosts commands may contact without a person: comma-separated host names, `*.domain` or IP addresses (the
     * session's own egress allow-list). Unset: loopback and the public package registries.
     */
    POLICY_EGRESS_ALLOW_LIST: optionalText.transform((raw, context): readonly string[] | undefined => {
      const hosts = (raw ?? "")
        .split(",")
        .map((host) => host.trim())
        .filter((host) => host !== "");
      if (hosts.length === 0) return undefined;
      try {
        return parseEgressList(hosts, "POLICY_EGRESS_ALLOW_LIST");
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
        return undefined;
      }
    }),
    POLICY_BASH_WASM: optionalText,
    POLICY_TREE_SITTER_WASM: optionalText,
  },
  build: (values) => ({
    runCommandFunctionName: values.RUN_COMMAND_FUNCTION_NAME,
    policyConfigs: values.POLICY_CONFIGS,
    egressAllowList: values.POLICY_EGRESS_ALLOW_LIST,
  }),
});

/** What infra/ sets for review-commands, besides the task and approval variables. */
export type ReviewVariables = EnvironmentOf<typeof reviewSettings>;

/** The run-command function's name; required, so a missing variable is named instead of invoking a guess. */
export function runCommandFunctionName(env: Environment = process.env): string {
  const name = reviewSettings.parse(env).runCommandFunctionName;
  if (name === undefined) {
    throw new ValidationFailedError([
      {
        field: "RUN_COMMAND_FUNCTION_NAME",
        problem: "is not set; it must name the run-command function (its name or ARN)",
      },
    ]);
  }
  return name;
}
