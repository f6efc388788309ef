import { readFile } from "node:fs/promises";
import { z } from "zod";

/** The settings of one runtime, as a real AgentCore Runtime would have them configured. */
export interface RuntimeSettings {
  /** Where session storage is mounted for commands and the agent. @default "/mnt/workspace" */
  readonly mountPath: string;
  /** The agent process started per session (argv); none means InvokeAgentRuntime answers 424. */
  readonly agent?: { readonly command: readonly string[]; readonly startTimeoutSeconds: number };
  /** Present in every command and in the agent process. @default {} */
  readonly environment: Readonly<Record<string, string>>;
  /** Idle sessions stop their processes after this long (storage kept). @default 900 */
  readonly idleTimeoutSeconds: number;
  /** A session's processes stop this long after they started (storage kept). @default 28800 */
  readonly maxLifetimeSeconds: number;
  /** InvokeAgentRuntimeCommand calls per second before 429 ThrottlingException. @default 25 */
  readonly commandsPerSecond: number;
  /** InvokeAgentRuntime calls per second before 429 ThrottlingException. @default 200 */
  readonly invocationsPerSecond: number;
  /** Commands on a session that is not running answer 404 instead of starting it. @default false */
  readonly strict: boolean;
  /** Session storage cap. @default 1 GiB */
  readonly storageQuotaBytes: number;
  /** Storage unused for this many days is wiped when the session next starts. @default 14 */
  readonly storageRetentionDays: number;
}

const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = {
  mountPath: "/mnt/workspace",
  environment: {},
  idleTimeoutSeconds: 900,
  maxLifetimeSeconds: 28_800,
  commandsPerSecond: 25,
  invocationsPerSecond: 200,
  strict: false,
  storageQuotaBytes: 1024 ** 3,
  storageRetentionDays: 14,
};

/** Same rule as the control plane's SessionStorageConfiguration: exactly one level under /mnt. */
const MOUNT_PATH = /^\/mnt\/[a-zA-Z0-9._-]+\/?$/;

const runtimeSettingsSchema = z
  .object({
    mountPath: z
      .string()
      .min(6)
      .max(200)
      .regex(MOUNT_PATH, "must be one level under /mnt, e.g. /mnt/workspace")
      .refine((p) => !/\/\.{1,2}\/?$/.test(p), "must not be . or .."),
    agent: z
      .object({
        command: z.array(z.string().min(1)).min(1),
        startTimeoutSeconds: z.number().positive().max(600).default(30),
      })
      .strict(),
    environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
    idleTimeoutSeconds: z.number().positive().max(28_800),
    maxLifetimeSeconds: z.number().positive().max(28_800),
    commandsPerSecond: z.number().positive(),
    invocationsPerSecond: z.number().positive(),
    strict: z.boolean(),
    storageQuotaBytes: z.number().int().positive(),
    storageRetentionDays: z.number().positive(),
  })
  .partial()
  .strict();

const configFileSchema = z
  .object({
    /** Settings every runtime starts from. */
    defaults: runtimeSettingsSchema.optional(),
    /** Per runtime, keyed by full ARN or by runtime id (the part after `runtime/`). */
    runtimes: z.record(z.string().min(1), runtimeSettingsSchema).optional(),
    /** When false, only the runtimes declared above exist (others answer 404). @default true */
    acceptUndeclaredRuntimes: z.boolean().optional(),
  })
  .strict();

export type EmulatorConfig = z.input<typeof configFileSchema>;
type ParsedConfig = z.output<typeof configFileSchema>;

class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function parseConfig(raw: unknown, source = "config"): ParsedConfig {
  const result = configFileSchema.safeParse(raw);
  if (result.success) {
    for (const [key, settings] of Object.entries(result.data.runtimes ?? {})) {
      const merged = { ...DEFAULT_RUNTIME_SETTINGS, ...result.data.defaults, ...settings };
      if (merged.idleTimeoutSeconds > merged.maxLifetimeSeconds) {
        throw new ConfigError(
          `${source}: runtimes.${key}: idleTimeoutSeconds (${merged.idleTimeoutSeconds}) must not exceed maxLifetimeSeconds (${merged.maxLifetimeSeconds})`,
        );
      }
    }
    return result.data;
  }
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
  throw new ConfigError(`${source} is invalid: ${problems.join("; ")}`);
}

export async function loadConfigFile(path: string): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}

/** Resolves the settings of a runtime, or undefined when it does not exist for this emulator. */
export class RuntimeCatalog {
  private readonly config: ParsedConfig;

  constructor(config: EmulatorConfig = {}) {
    this.config = parseConfig(config);
  }

  settingsFor(runtimeArn: string): RuntimeSettings | undefined {
    const runtimeId = runtimeArn.slice(runtimeArn.lastIndexOf("/") + 1);
    const declared = this.config.runtimes?.[runtimeArn] ?? this.config.runtimes?.[runtimeId];
    if (!declared && this.config.acceptUndeclaredRuntimes === false) return undefined;
    const merged = { ...DEFAULT_RUNTIME_SETTINGS, ...this.config.defaults, ...declared };
    return { ...merged, mountPath: merged.mountPath.replace(/\/$/, "") };
  }
}
