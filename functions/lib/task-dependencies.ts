import type { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { S3Client } from "@aws-sdk/client-s3";
import { agentCoreClient } from "./agentcore-client.ts";
import type { ArtifactStore } from "./artifact-store.ts";
import type { CommandRunnerDependencies } from "./command-runner.ts";
import { loadConfig, type TaskConfig } from "./config.ts";
import { createArtifactStore } from "./create-artifact-store.ts";
import { tracer } from "./observability.ts";
import { commandRateGateFromEnv } from "./rate-gate/command-rate-gate.ts";
import type { RateGate } from "./rate-gate/token-bucket.ts";

/**
 * What a task's handler hands to its core in this Lambda container: configuration, the AgentCore client and the
 * artifact store, built once on first use (not at import, so a bad environment is reported by the invocation as a
 * named error instead of failing the module load).
 */
export interface TaskDependencies {
  readonly config: TaskConfig;
  readonly agentCore: BedrockAgentCoreClient;
  readonly store: ArtifactStore;
}

let cached: TaskDependencies | undefined;

export function taskDependencies(): TaskDependencies {
  if (cached) return cached;
  const config = loadConfig();
  const s3 = config.artifacts.kind === "s3" ? tracer.captureAWSv3Client(new S3Client({})) : undefined;
  cached = {
    config,
    agentCore: agentCoreClient(),
    store: createArtifactStore(config.artifacts, s3 ? { s3 } : {}),
  };
  return cached;
}

/** The dependencies of a task that runs commands in the session, but for the invocation's remaining time. */
export type CommandTaskDependencies = CommandRunnerDependencies & { readonly config: TaskConfig };

let rateGate: RateGate | undefined | null = null;

export function commandTaskDependencies(): CommandTaskDependencies {
  const { config, agentCore, store } = taskDependencies();
  if (rateGate === null) rateGate = commandRateGateFromEnv();
  return {
    config,
    agentCore,
    store,
    ...(rateGate ? { rateGate } : {}),
    digest: { headBytes: config.digestHeadBytes, tailBytes: config.digestTailBytes },
  };
}
