import { access } from "node:fs/promises";
import { join } from "node:path";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import {
  type CredentialsEndpoint,
  hostCredentialProvider,
  startCredentialsEndpoint,
} from "./host-credentials.ts";

/** Bad input on the command line: the message is a sentence naming the option and what it must be. */
export class CliInputError extends Error {
  override readonly name = "CliInputError";
}

/** Which model drives the sample agent, as `npm start` was told. */
export type ModelChoice =
  | { readonly provider: "replay"; readonly recording?: string }
  | { readonly provider: "bedrock"; readonly modelId: string }
  | {
      readonly provider: "openai";
      readonly model: string;
      readonly baseUrl: string;
      readonly apiKeyVariable: string;
      readonly stream: boolean;
    };

export interface ModelOptions {
  readonly model?: string | undefined;
  readonly modelUrl?: string | undefined;
  readonly modelKeyEnv?: string | undefined;
  readonly modelStream?: boolean | undefined;
  readonly replay?: string | undefined;
}

const DEFAULT_API_KEY_VARIABLE = "OPENAI_API_KEY";
const MODEL_ID_LIMIT = 2048;

/** Reads `--model`, `--model-url`, `--model-key-env`, `--model-stream` and `--replay` into one choice. */
export function parseModelOptions(options: ModelOptions): ModelChoice {
  const live = options.model?.trim();
  if (!live) {
    if (options.modelUrl) throw new CliInputError("--model-url needs --model openai:<model name>.");
    return { provider: "replay", ...(options.replay ? { recording: options.replay } : {}) };
  }
  if (options.replay)
    throw new CliInputError("--replay and --model exclude each other: a replay is the model.");
  const colon = live.indexOf(":");
  const provider = colon === -1 ? live : live.slice(0, colon);
  const id = colon === -1 ? "" : live.slice(colon + 1).trim();
  if ((provider !== "bedrock" && provider !== "openai") || id === "") {
    throw new CliInputError(
      `--model must be bedrock:<model id or inference profile> or openai:<model name>, got "${live}".`,
    );
  }
  if (id.length > MODEL_ID_LIMIT || /\s/.test(id)) {
    throw new CliInputError(
      `--model names a model id of at most ${MODEL_ID_LIMIT} characters without spaces.`,
    );
  }
  if (provider === "bedrock") {
    if (options.modelUrl)
      throw new CliInputError("--model-url is for openai:<model>; Bedrock's endpoint comes from the region.");
    return { provider, modelId: id };
  }
  if (!options.modelUrl) {
    throw new CliInputError(
      "--model openai:<model> needs --model-url, the base URL of the chat-completions API (e.g. http://127.0.0.1:11434/v1 for Ollama).",
    );
  }
  let url: URL;
  try {
    url = new URL(options.modelUrl);
  } catch {
    throw new CliInputError(`--model-url must be an http:// or https:// URL, got "${options.modelUrl}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliInputError(`--model-url must be an http:// or https:// URL, got "${options.modelUrl}".`);
  }
  if (url.username || url.password) {
    throw new CliInputError(
      "--model-url must not hold credentials; put the API key in an environment variable.",
    );
  }
  const variable = options.modelKeyEnv ?? DEFAULT_API_KEY_VARIABLE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new CliInputError(`--model-key-env must name an environment variable, got "${variable}".`);
  }
  return {
    provider,
    model: id,
    baseUrl: options.modelUrl.replace(/\/+$/, ""),
    apiKeyVariable: variable,
    stream: options.modelStream ?? false,
  };
}

/** Whether the sample agent has a recorded session of this name (replay mode can then repair). */
export async function recordingExists(replayDir: string, name: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) return false;
  return access(join(replayDir, `${name}.json`)).then(
    () => true,
    () => false,
  );
}

/** What the local stack gives the agent process, and nothing else. */
export interface AgentModelSetup {
  /** Variables for the agent process only (never for commands). */
  readonly environment: Readonly<Record<string, string>>;
  /** Base URLs on the host that only the agent process may reach (a local model server, the credentials endpoint). */
  readonly hostEndpoints: readonly string[];
  /** One line for the terminal: which model, and how the agent reaches it (never a secret). */
  readonly description: string;
  /** Served credentials so far (bedrock); 0 otherwise. */
  readonly credentialsServed: () => number;
  stop(): Promise<void>;
}

export interface AgentModelDependencies {
  /** The host's environment, read before the local stack changes `process.env`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the standard chain over `env` */
  readonly credentials?: AwsCredentialIdentityProvider;
}

const isLoopback = (url: string): boolean => {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
};

/**
 * Prepares the agent's side of a live model. Bedrock: the host's credentials, resolved now (a machine without
 * any fails here, with a sentence), served to the agent through a loopback container-credentials endpoint;
 * shared config files are hidden from the agent so the endpoint is the only way it gets them. OpenAI-compatible:
 * the base URL, and the API key from the named host variable. Must run before the local stack starts.
 */
export async function setUpAgentModel(
  choice: ModelChoice,
  deps: AgentModelDependencies = {},
): Promise<AgentModelSetup> {
  const env = deps.env ?? process.env;
  if (choice.provider === "replay") {
    return {
      environment: choice.recording ? { AGENT_REPLAY: choice.recording } : {},
      hostEndpoints: [],
      description: `replay of a recorded session${choice.recording ? ` "${choice.recording}"` : ""} (offline, not a live model)`,
      credentialsServed: () => 0,
      stop: async () => undefined,
    };
  }
  if (choice.provider === "openai") {
    const apiKey = env[choice.apiKeyVariable];
    if (choice.apiKeyVariable !== DEFAULT_API_KEY_VARIABLE && !apiKey) {
      throw new CliInputError(`--model-key-env ${choice.apiKeyVariable}: that variable is not set.`);
    }
    return {
      environment: {
        AGENT_MODEL: `openai:${choice.model}`,
        AGENT_MODEL_URL: choice.baseUrl,
        ...(apiKey ? { AGENT_MODEL_API_KEY: apiKey } : {}),
        ...(choice.stream ? { AGENT_MODEL_STREAM: "true" } : {}),
      },
      hostEndpoints: isLoopback(choice.baseUrl) ? [choice.baseUrl] : [],
      description: `${choice.model} at ${choice.baseUrl} (OpenAI-compatible${choice.stream ? ", streamed" : ""}${apiKey ? `, key from ${choice.apiKeyVariable}` : ", no API key"})`,
      credentialsServed: () => 0,
      stop: async () => undefined,
    };
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (await regionFromProfile());
  if (!region) {
    throw new CliInputError(
      `--model bedrock:${choice.modelId} needs a region: set AWS_REGION (e.g. us-east-1) or a region in your AWS profile.`,
    );
  }
  const credentials = deps.credentials ?? hostCredentialProvider(env);
  try {
    await credentials();
  } catch (error) {
    throw new CliInputError(
      `--model bedrock:${choice.modelId} uses this machine's AWS credentials, and ${(error as Error).message}: sign in (aws sso login, aws configure) or set AWS_PROFILE.`,
    );
  }
  const endpoint: CredentialsEndpoint = await startCredentialsEndpoint(credentials);
  const override = env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  return {
    environment: {
      AGENT_MODEL: `bedrock:${choice.modelId}`,
      AWS_REGION: region,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.token,
      // Not the host's files: the endpoint is the agent's only way to credentials, as the runtime role is in AWS.
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      ...(override ? { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: override } : {}),
    },
    hostEndpoints: [new URL(endpoint.url).origin, ...(override && isLoopback(override) ? [override] : [])],
    description: `Amazon Bedrock ${choice.modelId} in ${region} (this machine's AWS credentials, for the agent process only)`,
    credentialsServed: endpoint.served,
    stop: () => endpoint.stop(),
  };
}

async function regionFromProfile(): Promise<string | undefined> {
  const client = new BedrockRuntimeClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
