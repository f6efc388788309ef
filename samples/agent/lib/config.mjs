// @ts-check
/**
 * The agent's configuration, all from the environment (the emulator and the AgentCore Runtime both pass env).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @typedef {object} AgentConfig
 * @property {string} host AGENT_HOST, else HOST: loopback unless told otherwise; the container image sets 0.0.0.0.
 * @property {number} port
 * @property {"replay" | "bedrock" | "openai"} modelMode
 * @property {string | undefined} modelId The model: a Bedrock model or inference profile id, or an OpenAI model name.
 * @property {string | undefined} modelUrl AGENT_MODEL_URL: the OpenAI-compatible base URL (e.g. http://127.0.0.1:11434/v1).
 * @property {string | undefined} apiKey AGENT_MODEL_API_KEY: sent as a bearer token to the OpenAI-compatible endpoint.
 * @property {boolean} stream AGENT_MODEL_STREAM: ask the OpenAI-compatible endpoint for a streamed answer.
 * @property {number} modelTimeoutSeconds AGENT_MODEL_TIMEOUT_SECONDS: one model call's limit.
 * @property {string | undefined} region
 * @property {number} maxTokens
 * @property {string} replayDir AGENT_REPLAY_DIR: where recorded sessions live (replay mode).
 * @property {string | undefined} replayName AGENT_REPLAY: one recording for every invocation, instead of repoName.
 * @property {string | undefined} workspaceRoot AGENT_WORKSPACE_ROOT: workspaces must lie inside it, when set.
 * @property {number} maxTurns
 * @property {string | undefined} recordDir AGENT_RECORD_DIR: save live sessions as replay files (live modes).
 */

const DEFAULT_REPLAY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "replays");

/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function integer(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}="${raw}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * AGENT_MODEL is `bedrock:<model id or inference profile>` or `openai:<model>`; AGENT_MODEL_ID alone (the older
 * setting) means Bedrock. Neither: replay.
 * @param {Record<string, string | undefined>} env
 * @returns {{ modelMode: "replay" | "bedrock" | "openai", modelId: string | undefined }}
 */
function modelOf(env) {
  const spec = env.AGENT_MODEL?.trim();
  if (spec) {
    const colon = spec.indexOf(":");
    const provider = colon === -1 ? spec : spec.slice(0, colon);
    const id = colon === -1 ? "" : spec.slice(colon + 1).trim();
    if ((provider !== "bedrock" && provider !== "openai") || id === "") {
      throw new Error(
        `AGENT_MODEL="${spec}" must be bedrock:<model id or inference profile> or openai:<model name>`,
      );
    }
    return { modelMode: provider, modelId: id };
  }
  const modelId = env.AGENT_MODEL_ID?.trim() || undefined;
  return { modelMode: modelId ? "bedrock" : "replay", modelId };
}

/**
 * @param {string | undefined} raw
 * @returns {string | undefined}
 */
function baseUrl(raw) {
  const value = raw?.trim();
  if (!value) return undefined;
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `AGENT_MODEL_URL="${value}" is not a URL; give the base URL, e.g. http://127.0.0.1:11434/v1`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`AGENT_MODEL_URL="${value}" must be an http:// or https:// URL`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * @param {Record<string, string | undefined>} env
 * @returns {AgentConfig}
 */
export function readAgentConfig(env) {
  const { modelMode, modelId } = modelOf(env);
  const modelUrl = baseUrl(env.AGENT_MODEL_URL);
  if (modelMode === "openai" && !modelUrl) {
    throw new Error(
      "AGENT_MODEL=openai:… needs AGENT_MODEL_URL, the base URL of the chat-completions API (e.g. http://127.0.0.1:11434/v1)",
    );
  }
  const stream = env.AGENT_MODEL_STREAM?.trim().toLowerCase();
  return {
    // Loopback unless HOST says otherwise: the agent answers whoever reaches its port, so it is not offered to
    // the network by default (the container image sets HOST=0.0.0.0, where the runtime's port mapping is the door).
    host: env.AGENT_HOST?.trim() || env.HOST?.trim() || "127.0.0.1",
    port: integer(env, "PORT", 8080, 0, 65535),
    modelMode,
    modelId,
    modelUrl,
    apiKey: env.AGENT_MODEL_API_KEY || undefined,
    stream: stream === "1" || stream === "true",
    modelTimeoutSeconds: integer(env, "AGENT_MODEL_TIMEOUT_SECONDS", 300, 1, 3600),
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined,
    maxTokens: integer(env, "AGENT_MAX_TOKENS", 4096, 256, 65536),
    replayDir: path.resolve(env.AGENT_REPLAY_DIR?.trim() || DEFAULT_REPLAY_DIR),
    replayName: env.AGENT_REPLAY?.trim() || undefined,
    workspaceRoot: env.AGENT_WORKSPACE_ROOT?.trim() || undefined,
    maxTurns: integer(env, "AGENT_MAX_TURNS", 30, 1, 200),
    recordDir: env.AGENT_RECORD_DIR?.trim() ? path.resolve(env.AGENT_RECORD_DIR.trim()) : undefined,
  };
}
