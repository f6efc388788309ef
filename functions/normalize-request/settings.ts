import { z } from "zod";
import {
  checkMountPath,
  defineSettings,
  type Environment,
  type EnvironmentOf,
  mountPathOf,
  mountPathVariables,
  optionalText,
} from "#lib/settings.ts";
import { QUALIFIER_PATTERN, RUNTIME_ARN_PATTERN } from "./input-schema.ts";
import { quoteForMessage } from "./repository-rules.ts";

/** What a CodeBuild project's failed build should be repaired with (see codebuild-mapping.ts). */
export interface CodeBuildProjectSettings {
  readonly validationCommand?: string;
  /** Overrides the build's own source, e.g. for S3 or CodePipeline sources that are not git repositories. */
  readonly repository?: Readonly<Record<string, string>>;
}

export interface NormalizeSettings {
  /** AGENTCORE_RUNTIME_ARN: used when the request names no runtime. */
  readonly defaultRuntimeArn?: string;
  /** AGENTCORE_RUNTIME_QUALIFIER: the runtime endpoint, when the request names none. */
  readonly defaultQualifier?: string;
  /**
   * AGENTCORE_MOUNT_PATH (or REPAIR_MOUNT_PATH, the name functions/lib/config.ts reads), default /mnt/workspace:
   * where session storage is mounted.
   */
  readonly mountPath: string;
  /**
   * COMMAND_TIMEOUT_SECONDS: the longest command timeout this deployment is sized for (its Lambda and Task
   * timeouts derive from it); a request asking for more is refused. Unset: the service's own 3600 s.
   */
  readonly maxCommandTimeoutSeconds?: number;
  /** REPAIR_CODEBUILD_PROJECTS: JSON object, project name -> CodeBuildProjectSettings. */
  readonly codeBuildProjects: Readonly<Record<string, CodeBuildProjectSettings>>;
}

type FieldProblem = { field: string; problem: string };

function readCodeBuildProjects(
  raw: string,
  problems: FieldProblem[],
): Record<string, CodeBuildProjectSettings> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push({ field: "", problem: "must be valid JSON" });
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push({
      field: "",
      problem: 'must be a JSON object {"<project>": {"validationCommand": "..."}}',
    });
    return {};
  }
  const projects: Record<string, CodeBuildProjectSettings> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const entry = typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
    const command: unknown = entry && "validationCommand" in entry ? entry.validationCommand : undefined;
    const repository: unknown = entry && "repository" in entry ? entry.repository : undefined;
    const repositoryIsValid =
      repository === undefined ||
      (typeof repository === "object" &&
        repository !== null &&
        Object.values(repository).every((v) => typeof v === "string"));
    if (!entry || (command !== undefined && typeof command !== "string") || !repositoryIsValid) {
      problems.push({
        field: quoteForMessage(name, 60),
        problem: "must be {validationCommand?: string, repository?: {url|path, branch?, revision?}}",
      });
      continue;
    }
    projects[name] = {
      ...(typeof command === "string" ? { validationCommand: command } : {}),
      ...(repository !== undefined ? { repository: repository as Record<string, string> } : {}),
    };
  }
  return projects;
}

/** REPAIR_CODEBUILD_PROJECTS: each bad project is its own problem, named after the project. */
const codeBuildProjectsSetting = optionalText.transform((raw, context) => {
  if (raw === undefined) return {};
  const problems: FieldProblem[] = [];
  const projects = readCodeBuildProjects(raw, problems);
  for (const { field, problem } of problems) {
    context.addIssue({ code: "custom", path: field === "" ? [] : [field], message: problem });
  }
  return projects;
});

/** An optional variable that must match `pattern` when set. */
function matching(pattern: RegExp, expected: string) {
  return optionalText.refine((value) => value === undefined || pattern.test(value), {
    error: (issue) => `must ${expected}, got ${quoteForMessage(String(issue.input))}`,
  });
}

/**
 * The function's configuration. A bad value is a deployment mistake, reported like bad input (never retried) and
 * naming the environment variable.
 */
const normalizeSettings = defineSettings({
  variables: {
    AGENTCORE_RUNTIME_ARN: matching(RUNTIME_ARN_PATTERN, "be an AgentCore runtime ARN"),
    AGENTCORE_RUNTIME_QUALIFIER: matching(QUALIFIER_PATTERN, `match ${QUALIFIER_PATTERN.source}`),
    ...mountPathVariables,
    REPAIR_CODEBUILD_PROJECTS: codeBuildProjectsSetting,
    COMMAND_TIMEOUT_SECONDS: optionalText.transform((raw, context) => {
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1 || value > 3600) {
        context.addIssue({
          code: "custom",
          message: `must be an integer from 1 to 3600, got ${quoteForMessage(raw)}`,
        });
        return z.NEVER;
      }
      return value;
    }),
  },
  check: (values, context) => checkMountPath(values, context),
  suffix: " (environment)",
  build: (values): NormalizeSettings => ({
    ...(values.AGENTCORE_RUNTIME_ARN !== undefined
      ? { defaultRuntimeArn: values.AGENTCORE_RUNTIME_ARN }
      : {}),
    ...(values.AGENTCORE_RUNTIME_QUALIFIER !== undefined
      ? { defaultQualifier: values.AGENTCORE_RUNTIME_QUALIFIER }
      : {}),
    mountPath: mountPathOf(values),
    ...(values.COMMAND_TIMEOUT_SECONDS !== undefined
      ? { maxCommandTimeoutSeconds: values.COMMAND_TIMEOUT_SECONDS }
      : {}),
    codeBuildProjects: values.REPAIR_CODEBUILD_PROJECTS,
  }),
});

/** What infra/ sets for normalize-request. */
export type NormalizeVariables = EnvironmentOf<typeof normalizeSettings>;

/** Reads the function's configuration (see normalizeSettings). */
export function settingsFromEnvironment(env: Environment): NormalizeSettings {
  return normalizeSettings.parse(env);
}
