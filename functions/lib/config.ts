import { ValidationFailedError } from "./errors.ts";

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

type Env = Readonly<Record<string, string | undefined>>;

interface IntegerRule {
  readonly name: string;
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}

function readInteger(env: Env, rule: IntegerRule, problems: { field: string; problem: string }[]): number {
  const raw = env[rule.name];
  if (raw === undefined || raw.trim() === "") return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    problems.push({
      field: rule.name,
      problem: `"${raw}" is not an integer between ${rule.min} and ${rule.max}`,
    });
    return rule.fallback;
  }
  return value;
}

const MOUNT_PATH = /^\/mnt\/[a-zA-Z0-9._-]+\/?$/;

/** Reads and validates the configuration; every bad variable is named in one ValidationFailedError. */
export function loadConfig(env: Env = process.env): TaskConfig {
  const problems: { field: string; problem: string }[] = [];
  const mountPath = (env.AGENTCORE_MOUNT_PATH ?? env.REPAIR_MOUNT_PATH ?? "/mnt/workspace").replace(
    /\/$/,
    "",
  );
  if (!MOUNT_PATH.test(mountPath) || mountPath.length > 200) {
    problems.push({
      field: env.AGENTCORE_MOUNT_PATH === undefined ? "REPAIR_MOUNT_PATH" : "AGENTCORE_MOUNT_PATH",
      problem: `"${mountPath}" must be one level under /mnt (/mnt/[a-zA-Z0-9._-]+), at most 200 characters`,
    });
  }

  let artifacts: ArtifactLocation;
  const bucket = env.ARTIFACT_BUCKET?.trim();
  const directory = env.ARTIFACT_DIR?.trim();
  if (bucket) {
    artifacts = { kind: "s3", bucket, prefix: normalisePrefix(env.ARTIFACT_PREFIX ?? "") };
  } else if (directory) {
    if (!directory.startsWith("/")) {
      problems.push({ field: "ARTIFACT_DIR", problem: `"${directory}" must be an absolute path` });
    }
    artifacts = { kind: "local", directory };
  } else {
    problems.push({
      field: "ARTIFACT_BUCKET",
      problem: "neither ARTIFACT_BUCKET (S3) nor ARTIFACT_DIR (local directory) is set",
    });
    artifacts = { kind: "local", directory: "/tmp/agentcore-repair-artifacts" };
  }

  const config: TaskConfig = {
    mountPath,
    artifacts,
    digestHeadBytes: readInteger(
      env,
      { name: "DIGEST_HEAD_BYTES", fallback: 2048, min: 0, max: 65_536 },
      problems,
    ),
    digestTailBytes: readInteger(
      env,
      { name: "DIGEST_TAIL_BYTES", fallback: 6144, min: 0, max: 65_536 },
      problems,
    ),
    maxSyncCommandSeconds: readInteger(
      env,
      { name: "MAX_SYNC_COMMAND_SECONDS", fallback: 840, min: 10, max: 900 },
      problems,
    ),
    commandMarginSeconds: readInteger(
      env,
      { name: "COMMAND_MARGIN_SECONDS", fallback: 30, min: 1, max: 300 },
      problems,
    ),
    pollIntervalSeconds: readInteger(
      env,
      { name: "POLL_INTERVAL_SECONDS", fallback: 60, min: 1, max: 3600 },
      problems,
    ),
    agentReplyMaxBytes: readInteger(
      env,
      { name: "AGENT_REPLY_MAX_BYTES", fallback: 1_048_576, min: 1024, max: 100 * 1_048_576 },
      problems,
    ),
    toolCacheDir: env.REPAIR_TOOL_CACHE_DIR ?? "/tmp/repair-cache",
  };
  if (config.toolCacheDir.startsWith(`${mountPath}/`) || config.toolCacheDir === mountPath) {
    problems.push({
      field: "REPAIR_TOOL_CACHE_DIR",
      problem: `"${config.toolCacheDir}" is inside the mount path ${mountPath}; caches must stay outside it`,
    });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return config;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}
