import { z } from "zod";
import {
  checkMountPath,
  defineSettings,
  type Environment,
  type EnvironmentOf,
  integerSetting,
  mountPathOf,
  mountPathVariables,
  optionalText,
} from "./settings.ts";

/**
 * Configuration of the Lambda tasks, read from the environment once per cold start. The same code runs in AWS
 * (ARTIFACT_BUCKET) and locally (ARTIFACT_DIR); the AgentCore endpoint itself comes from the SDK's own
 * `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`, so nothing here needs to know about the emulator.
 */

export type ArtifactLocation =
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string }
  | { readonly kind: "local"; readonly directory: string };

export interface TaskConfig {
  /** Where session storage is mounted in the runtime. Env AGENTCORE_MOUNT_PATH (REPAIR_MOUNT_PATH is read too). @default "/mnt/workspace" */
  readonly mountPath: string;
  /** Env ARTIFACT_BUCKET (+ ARTIFACT_PREFIX) in AWS, or ARTIFACT_DIR locally. */
  readonly artifacts: ArtifactLocation;
  /** Bytes of the start of stdout/stderr kept in state. Env DIGEST_HEAD_BYTES. @default 2048 */
  readonly digestHeadBytes: number;
  /** Bytes of the end of stdout/stderr kept in state. Env DIGEST_TAIL_BYTES. @default 6144 */
  readonly digestTailBytes: number;
  /**
   * Longest a Lambda invocation waits for one command, in seconds; longer commands run detached and are polled.
   * Env MAX_SYNC_COMMAND_SECONDS. @default 840
   */
  readonly maxSyncCommandSeconds: number;
  /** Time kept in reserve after a command for collecting, uploading and answering. Env COMMAND_MARGIN_SECONDS. @default 30 */
  readonly commandMarginSeconds: number;
  /** How long the state machine waits between polls of a detached command. Env POLL_INTERVAL_SECONDS. @default 60 */
  readonly pollIntervalSeconds: number;
  /** Largest agent reply read, in bytes. Env AGENT_REPLY_MAX_BYTES. @default 1048576 */
  readonly agentReplyMaxBytes: number;
  /** Directory outside the mount path for tool caches (no sockets or hard links on session storage). @default "/tmp/repair-cache" */
  readonly toolCacheDir: string;
}

/** The variables of the command-running tasks, in the order problems are reported. */
const taskSettings = defineSettings({
  variables: {
    ...mountPathVariables,
    ARTIFACT_BUCKET: optionalText,
    ARTIFACT_PREFIX: z.string().optional(),
    ARTIFACT_DIR: optionalText,
    DIGEST_HEAD_BYTES: integerSetting({ fallback: 2048, min: 0, max: 65_536 }),
    DIGEST_TAIL_BYTES: integerSetting({ fallback: 6144, min: 0, max: 65_536 }),
    MAX_SYNC_COMMAND_SECONDS: integerSetting({ fallback: 840, min: 10, max: 900 }),
    COMMAND_MARGIN_SECONDS: integerSetting({ fallback: 30, min: 1, max: 300 }),
    POLL_INTERVAL_SECONDS: integerSetting({ fallback: 60, min: 1, max: 3600 }),
    AGENT_REPLY_MAX_BYTES: integerSetting({ fallback: 1_048_576, min: 1024, max: 100 * 1_048_576 }),
    REPAIR_TOOL_CACHE_DIR: z.string().optional(),
  },
  check: (values, context) => {
    checkMountPath(values, context);
    if (values.ARTIFACT_BUCKET === undefined) {
      if (values.ARTIFACT_DIR === undefined) {
        context.addIssue({
          code: "custom",
          path: ["ARTIFACT_BUCKET"],
          message: "neither ARTIFACT_BUCKET (S3) nor ARTIFACT_DIR (local directory) is set",
        });
      } else if (!values.ARTIFACT_DIR.startsWith("/")) {
        context.addIssue({
          code: "custom",
          path: ["ARTIFACT_DIR"],
          message: `"${values.ARTIFACT_DIR}" must be an absolute path`,
        });
      }
    }
    const mountPath = mountPathOf(values);
    const toolCacheDir = values.REPAIR_TOOL_CACHE_DIR ?? DEFAULT_TOOL_CACHE_DIR;
    if (toolCacheDir.startsWith(`${mountPath}/`) || toolCacheDir === mountPath) {
      context.addIssue({
        code: "custom",
        path: ["REPAIR_TOOL_CACHE_DIR"],
        message: `"${toolCacheDir}" is inside the mount path ${mountPath}; caches must stay outside it`,
      });
    }
  },
  build: (values): TaskConfig => ({
    mountPath: mountPathOf(values),
    artifacts:
      values.ARTIFACT_BUCKET !== undefined
        ? {
            kind: "s3",
            bucket: values.ARTIFACT_BUCKET,
            prefix: normalisePrefix(values.ARTIFACT_PREFIX ?? ""),
          }
        : { kind: "local", directory: values.ARTIFACT_DIR ?? "" },
    digestHeadBytes: values.DIGEST_HEAD_BYTES,
    digestTailBytes: values.DIGEST_TAIL_BYTES,
    maxSyncCommandSeconds: values.MAX_SYNC_COMMAND_SECONDS,
    commandMarginSeconds: values.COMMAND_MARGIN_SECONDS,
    pollIntervalSeconds: values.POLL_INTERVAL_SECONDS,
    agentReplyMaxBytes: values.AGENT_REPLY_MAX_BYTES,
    toolCacheDir: values.REPAIR_TOOL_CACHE_DIR ?? DEFAULT_TOOL_CACHE_DIR,
  }),
});

/** What infra/ sets for a task that loads the task configuration. */
export type TaskVariables = EnvironmentOf<typeof taskSettings>;

const DEFAULT_TOOL_CACHE_DIR = "/tmp/repair-cache";

/** Reads and validates the configuration; every bad variable is named in one ValidationFailedError. */
export function loadConfig(env: Environment = process.env): TaskConfig {
  return taskSettings.parse(env);
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}
