import { z } from "zod";
import type { CodeBuildProjectSettings } from "./settings.ts";

/**
 * How a CodeBuild `Build State Change` event with `build-status: FAILED` becomes a repair request.
 *
 * | request field        | taken from (first that is present)                                                     |
 * | -------------------- | -------------------------------------------------------------------------------------- |
 * | repository           | 1. `repository` of the project's entry in REPAIR_CODEBUILD_PROJECTS                    |
 * |                      | 2. the build's PLAINTEXT environment variable REPAIR_REPOSITORY (a URL or a path)      |
 * |                      | 3. `additional-information.source.location` when `source.type` is a git source         |
 * |                      |    (GITHUB, GITHUB_ENTERPRISE, BITBUCKET, GITLAB, GITLAB_SELF_MANAGED, CODECOMMIT)      |
 * | revision / branch    | only with 3 (they identify a commit of that source): `resolved-source-version`, else   |
 * |                      | `source-version`: a commit id -> revision; `refs/heads/x` or a bare name -> branch x;   |
 * |                      | `pr/12` -> revision `refs/pull/12/head`; `ref^{commit}` -> both; other `refs/...` ->    |
 * |                      | revision. With 1 or 2 the configured revision/branch (or the default branch) is used.  |
 * | validationCommand    | 1. `validationCommand` of the project's entry in REPAIR_CODEBUILD_PROJECTS             |
 * |                      | 2. the build's PLAINTEXT environment variable REPAIR_VALIDATION_COMMAND                |
 * | requestedBy          | `codebuild:<initiator>`, else `codebuild:<project-name>`                                |
 * | limits, runtimeArn   | defaults / AGENTCORE_RUNTIME_ARN                                                        |
 *
 * Environment variables of type PARAMETER_STORE or SECRETS_MANAGER are never read: their values are names of
 * secrets, and nothing secret belongs in a request. S3, CODEPIPELINE and NO_SOURCE builds have no git source,
 * so they need 1 or 2.
 */

export const CODEBUILD_DETAIL_TYPE = "CodeBuild Build State Change";

const GIT_SOURCE_TYPES = new Set([
  "GITHUB",
  "GITHUB_ENTERPRISE",
  "BITBUCKET",
  "GITLAB",
  "GITLAB_SELF_MANAGED",
  "CODECOMMIT",
]);

const REPOSITORY_VARIABLE = "REPAIR_REPOSITORY";
const VALIDATION_COMMAND_VARIABLE = "REPAIR_VALIDATION_COMMAND";

const INFO = "detail.additional-information";

/** Only what the mapping reads; AWS adds fields over time, so unknown keys pass. */
export const CodeBuildDetailSchema = z.looseObject({
  "build-status": z.string(),
  "project-name": z.string().min(1).max(255),
  "build-id": z.string().optional(),
  "additional-information": z.looseObject({
    initiator: z.string().optional(),
    source: z.looseObject({ type: z.string(), location: z.string().optional() }).optional(),
    "source-version": z.string().optional(),
    "resolved-source-version": z.string().optional(),
    environment: z
      .looseObject({
        "environment-variables": z
          .array(
            z.looseObject({ name: z.string(), type: z.string().optional(), value: z.string().optional() }),
          )
          .optional(),
      })
      .optional(),
  }),
});

export type CodeBuildDetail = z.infer<typeof CodeBuildDetailSchema>;

export interface MappedCodeBuildInput {
  /** Raw request fields, still to be validated by RepairInputSchema. */
  readonly input: Record<string, unknown>;
  /** Request field -> where in the event or configuration its value came from, for error messages. */
  readonly origins: Readonly<Record<string, string>>;
  readonly problems: readonly { readonly field: string; readonly problem: string }[];
}

function plaintextVariable(detail: CodeBuildDetail, name: string): string | undefined {
  const variables = detail["additional-information"].environment?.["environment-variables"] ?? [];
  const found = variables.find((v) => v.name === name && (v.type === undefined || v.type === "PLAINTEXT"));
  return found?.value;
}

/** CodeBuild's source-version spellings -> revision and/or branch. */
export function revisionFromSourceVersion(version: string): { revision?: string; branch?: string } {
  const pinned = /^(.+)\^\{([0-9a-fA-F]{40}|[0-9a-fA-F]{64})\}$/.exec(version);
  if (pinned?.[1] && pinned[2]) {
    const named = revisionFromSourceVersion(pinned[1]);
    return { ...(named.branch !== undefined ? { branch: named.branch } : {}), revision: pinned[2] };
  }
  if (/^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$/.test(version)) return { revision: version };
  const pullRequest = /^pr\/(\d+)$/.exec(version);
  if (pullRequest) return { revision: `refs/pull/${pullRequest[1]}/head` };
  if (version.startsWith("refs/heads/")) return { branch: version.slice("refs/heads/".length) };
  if (version.startsWith("refs/")) return { revision: version };
  return { branch: version };
}

function repositoryFromValue(value: string): Record<string, string> {
  // A URL has a scheme or the scp-like host: form; anything else is a local path.
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^[^/]+:/.test(value)
    ? { url: value }
    : { path: value };
}

export function repairInputFromCodeBuild(
  detail: CodeBuildDetail,
  projects: Readonly<Record<string, CodeBuildProjectSettings>>,
): MappedCodeBuildInput {
  const problems: { field: string; problem: string }[] = [];
  const origins: Record<string, string> = {};
  const input: Record<string, unknown> = {};
  const projectName = detail["project-name"];
  const project = Object.hasOwn(projects, projectName) ? projects[projectName] : undefined;
  const info = detail["additional-information"];

  if (detail["build-status"] !== "FAILED") {
    problems.push({
      field: "detail.build-status",
      problem: `must be FAILED (only failed builds are repaired), got ${JSON.stringify(detail["build-status"])}`,
    });
  }

  const configuredRepository = project?.repository;
  const variableRepository = plaintextVariable(detail, REPOSITORY_VARIABLE);
  const source = info.source;
  if (configuredRepository !== undefined) {
    input.repository = { ...configuredRepository };
    origins.repository = `REPAIR_CODEBUILD_PROJECTS["${projectName}"].repository`;
  } else if (variableRepository !== undefined) {
    input.repository = repositoryFromValue(variableRepository);
    origins.repository = `${INFO}.environment.environment-variables ${REPOSITORY_VARIABLE}`;
  } else if (source !== undefined && GIT_SOURCE_TYPES.has(source.type) && source.location !== undefined) {
    const version = info["resolved-source-version"] ?? info["source-version"];
    input.repository = {
      url: source.location,
      ...(version !== undefined ? revisionFromSourceVersion(version) : {}),
    };
    origins["repository.url"] = `${INFO}.source.location`;
    origins["repository.revision"] =
      `${INFO}.${info["resolved-source-version"] !== undefined ? "resolved-source-version" : "source-version"}`;
    origins["repository.branch"] = `${INFO}.source-version`;
  } else {
    problems.push({
      field: "repository",
      problem: `build source type ${JSON.stringify(source?.type ?? "none")} is not a git repository; set ${REPOSITORY_VARIABLE} in the project's environment or configure the project in REPAIR_CODEBUILD_PROJECTS`,
    });
  }

  const command = project?.validationCommand ?? plaintextVariable(detail, VALIDATION_COMMAND_VARIABLE);
  if (command !== undefined) {
    input.validationCommand = command;
    origins.validationCommand =
      project?.validationCommand !== undefined
        ? `REPAIR_CODEBUILD_PROJECTS["${projectName}"].validationCommand`
        : `${INFO}.environment.environment-variables ${VALIDATION_COMMAND_VARIABLE}`;
  } else {
    problems.push({
      field: "validationCommand",
      problem: `no validation command for CodeBuild project ${JSON.stringify(projectName)}; set ${VALIDATION_COMMAND_VARIABLE} in the project's environment or configure the project in REPAIR_CODEBUILD_PROJECTS`,
    });
  }

  input.requestedBy = `codebuild:${info.initiator ?? projectName}`.slice(0, 256);
  origins.requestedBy = `${INFO}.initiator`;
  return { input, origins, problems };
}
