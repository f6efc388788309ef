// @ts-check
/**
 * The agent's configuration, all from the environment (the emulator and the AgentCore Runtime both pass env).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @typedef {object} AgentConfig
 * @property {string} host
 * @property {number} port
 * @property {"replay" | "bedrock"} modelMode
 * @property {string | undefined} modelId AGENT_MODEL_ID: a Bedrock model or inference profile id (bedrock mode).
 * @property {string | undefined} region
 * @property {number} maxTokens
 * @property {string} replayDir AGENT_REPLAY_DIR: where recorded sessions live (replay mode).
 * @property {string | undefined} replayName AGENT_REPLAY: one recording for every invocation, instead of repoName.
 * @property {string | undefined} workspaceRoot AGENT_WORKSPACE_ROOT: workspaces must lie inside it, when set.
 * @property {number} maxTurns
 * @property {string | undefined} recordDir AGENT_RECORD_DIR: save live sessions as replay files (bedrock mode).
 */

export const DEFAULT_REPLAY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "replays");

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
 * @param {Record<string, string | undefined>} env
 * @returns {AgentConfig}
 */
export function readAgentConfig(env) {
  const modelId = env.AGENT_MODEL_ID?.trim() || undefined;
  return {
    host: env.AGENT_HOST?.trim() || "0.0.0.0",
    port: integer(env, "PORT", 8080, 0, 65535),
    modelMode: modelId ? "bedrock" : "replay",
    modelId,
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined,
    maxTokens: integer(env, "AGENT_MAX_TOKENS", 4096, 256, 65536),
    replayDir: path.resolve(env.AGENT_REPLAY_DIR?.trim() || DEFAULT_REPLAY_DIR),
    replayName: env.AGENT_REPLAY?.trim() || undefined,
    workspaceRoot: env.AGENT_WORKSPACE_ROOT?.trim() || undefined,
    maxTurns: integer(env, "AGENT_MAX_TURNS", 30, 1, 200),
    recordDir: env.AGENT_RECORD_DIR?.trim() ? path.resolve(env.AGENT_RECORD_DIR.trim()) : undefined,
  };
}
