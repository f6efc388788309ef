import { ValidationFailedError } from "../lib/errors.ts";
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

export const DEFAULT_MOUNT_PATH = "/mnt/workspace";
/** The service's rule for a session storage mount path: exactly one level under /mnt. */
const MOUNT_PATH_PATTERN = /^\/mnt\/[A-Za-z0-9._-]+$/;

type Environment = Readonly<Record<string, string | undefined>>;
type FieldProblem = { field: string; problem: string };

function readCodeBuildProjects(
  raw: string | undefined,
  problems: FieldProblem[],
): Record<string, CodeBuildProjectSettings> {
  if (raw === undefined || raw.trim() === "") return {};
  const field = "REPAIR_CODEBUILD_PROJECTS (environment)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push({ field, problem: "must be valid JSON" });
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push({ field, problem: 'must be a JSON object {"<project>": {"validationCommand": "..."}}' });
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
        field: `${field} ${quoteForMessage(name, 60)}`,
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

/**
 * Reads the function's configuration. A bad value is a deployment mistake, reported like bad input (never
 * retried) and naming the environment variable.
 */
export function settingsFromEnvironment(env: Environment): NormalizeSettings {
  const problems: FieldProblem[] = [];
  const runtimeArn = env.AGENTCORE_RUNTIME_ARN?.trim() || undefined;
  if (runtimeArn !== undefined && !RUNTIME_ARN_PATTERN.test(runtimeArn)) {
    problems.push({
      field: "AGENTCORE_RUNTIME_ARN (environment)",
      problem: `must be an AgentCore runtime ARN, got ${quoteForMessage(runtimeArn)}`,
    });
  }
  const qualifier = env.AGENTCORE_RUNTIME_QUALIFIER?.trim() || undefined;
  if (qualifier !== undefined && !QUALIFIER_PATTERN.test(qualifier)) {
    problems.push({
      field: "AGENTCORE_RUNTIME_QUALIFIER (environment)",
      problem: `must match ${QUALIFIER_PATTERN.source}, got ${quoteForMessage(qualifier)}`,
    });
  }
  const mountPath = (
    env.AGENTCORE_MOUNT_PATH?.trim() ||
    env.REPAIR_MOUNT_PATH?.trim() ||
    DEFAULT_MOUNT_PATH
  ).replace(/\/+$/, "");
  if (!MOUNT_PATH_PATTERN.test(mountPath) || mountPath.length > 200) {
    problems.push({
      field: "AGENTCORE_MOUNT_PATH (environment)",
      problem: `must be one directory under /mnt (/mnt/[A-Za-z0-9._-]+, at most 200 characters), got ${quoteForMessage(mountPath)}`,
    });
  }
  const codeBuildProjects = readCodeBuildProjects(env.REPAIR_CODEBUILD_PROJECTS, problems);
  const rawMaxTimeout = env.COMMAND_TIMEOUT_SECONDS?.trim();
  const maxCommandTimeoutSeconds = rawMaxTimeout ? Number(rawMaxTimeout) : undefined;
  if (
    maxCommandTimeoutSeconds !== undefined &&
    (!Number.isInteger(maxCommandTimeoutSeconds) ||
      maxCommandTimeoutSeconds < 1 ||
      maxCommandTimeoutSeconds > 3600)
  ) {
    problems.push({
      field: "COMMAND_TIMEOUT_SECONDS (environment)",
      problem: `must be an integer from 1 to 3600, got ${quoteForMessage(rawMaxTimeout ?? "")}`,
    });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return {
    ...(runtimeArn !== undefined ? { defaultRuntimeArn: runtimeArn } : {}),
    ...(qualifier !== undefined ? { defaultQualifier: qualifier } : {}),
    mountPath,
    ...(maxCommandTimeoutSeconds !== undefined ? { maxCommandTimeoutSeconds } : {}),
    codeBuildProjects,
  };
}
