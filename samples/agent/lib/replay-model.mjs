// @ts-check
/**
 * REPLAY mode: a recorded model session played back turn by turn, so the agent's tool loop runs offline and
 * deterministically. The recording holds only the model's side (its text and tool calls, per iteration); the tool
 * calls are executed for real against the workspace and their results are checked against what the recording
 * expected. When the workspace answers differently (another file content, a refused path, a failed write), the
 * rest of the recording no longer applies and the replay stops with `ReplayDivergedError`: it never pretends.
 *
 * File: `<AGENT_REPLAY_DIR>/<name>.json`, name = AGENT_REPLAY or else the invocation's repoName.
 * {
 *   "replay": "<name>", "description": "...",
 *   "iterations": [{ "iteration": 1, "turns": [
 *     { "text": "...", "toolUses": [{ "name": "read_file", "input": { "path": "src/a.js" },
 *                                     "expect": { "sha256": "<hex of the exact result text>" } }] },
 *     { "text": "final summary" } ] }]
 * }
 * `expect` may hold `sha256` (of the tool's result text: for read_file, the file's exact content), `includes`
 * (strings the result must contain) and `error: true` (the recorded call was refused, so the replayed one must be
 * refused too); without `error`, a replayed call must succeed. Every turn but the last calls at least one tool;
 * the last turn is text only. Iteration numbers are the invocation's `iteration` (the workflow's first agent call
 * is iteration 1).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ReplayDivergedError, ReplayNotFoundError } from "./errors.mjs";

/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").Message} Message */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */

/**
 * @typedef {object} ToolExpectation
 * @property {string} [sha256]
 * @property {string[]} [includes]
 * @property {boolean} [error]
 */
/**
 * @typedef {object} RecordedToolUse
 * @property {string} name
 * @property {Record<string, unknown>} input
 * @property {ToolExpectation} [expect]
 */
/**
 * @typedef {object} RecordedTurn
 * @property {string} [text]
 * @property {RecordedToolUse[]} [toolUses]
 */
/**
 * @typedef {object} RecordedIteration
 * @property {number} iteration
 * @property {RecordedTurn[]} turns
 */
/**
 * @typedef {object} Recording
 * @property {string} replay
 * @property {string} [description]
 * @property {RecordedIteration[]} iterations
 */

const REPLAY_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a recording's structure so a malformed file fails before any tool runs.
 * @param {unknown} raw
 * @param {string} file
 * @returns {Recording}
 */
export function parseRecording(raw, file) {
  /** @param {string} problem */
  const fail = (problem) => new ReplayNotFoundError(`recorded session ${file} is malformed: ${problem}`);
  if (!isObject(raw)) throw fail("the file must hold a JSON object");
  if (typeof raw.replay !== "string") throw fail("replay: must be a string naming the recording");
  if (!Array.isArray(raw.iterations) || raw.iterations.length === 0) {
    throw fail("iterations: must be a non-empty array");
  }
  /** @type {RecordedIteration[]} */
  const iterations = [];
  for (const [i, iteration] of raw.iterations.entries()) {
    const where = `iterations[${i}]`;
    if (!isObject(iteration)) throw fail(`${where}: must be an object`);
    if (typeof iteration.iteration !== "number" || !Number.isInteger(iteration.iteration)) {
      throw fail(`${where}.iteration: must be an integer`);
    }
    if (iterations.some((seen) => seen.iteration === iteration.iteration)) {
      throw fail(`${where}.iteration: ${iteration.iteration} is recorded twice`);
    }
    if (!Array.isArray(iteration.turns) || iteration.turns.length === 0) {
      throw fail(`${where}.turns: must be a non-empty array`);
    }
    /** @type {RecordedTurn[]} */
    const turns = [];
    for (const [t, turn] of iteration.turns.entries()) {
      const at = `${where}.turns[${t}]`;
      const last = t === iteration.turns.length - 1;
      if (!isObject(turn)) throw fail(`${at}: must be an object`);
      if (turn.text !== undefined && typeof turn.text !== "string")
        throw fail(`${at}.text: must be a string`);
      const toolUses = turn.toolUses ?? [];
      if (!Array.isArray(toolUses)) throw fail(`${at}.toolUses: must be an array`);
      if (last && (toolUses.length > 0 || typeof turn.text !== "string")) {
        throw fail(`${at}: the last turn must be the model's final text, without tool calls`);
      }
      if (!last && toolUses.length === 0) throw fail(`${at}: every turn but the last must call a tool`);
      /** @type {RecordedToolUse[]} */
      const uses = [];
      for (const [u, use] of toolUses.entries()) {
        const on = `${at}.toolUses[${u}]`;
        if (!isObject(use) || typeof use.name !== "string")
          throw fail(`${on}: must be an object with a string name`);
        if (!isObject(use.input)) throw fail(`${on}.input: must be an object`);
        /** @type {RecordedToolUse} */
        const parsed = { name: use.name, input: use.input };
        if (use.expect !== undefined) {
          if (!isObject(use.expect)) throw fail(`${on}.expect: must be an object`);
          const { sha256, includes, error } = use.expect;
          if (error !== undefined && typeof error !== "boolean")
            throw fail(`${on}.expect.error: must be a boolean`);
          if (sha256 !== undefined && (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256))) {
            throw fail(`${on}.expect.sha256: must be 64 lowercase hex characters`);
          }
          if (
            includes !== undefined &&
            (!Array.isArray(includes) || includes.some((s) => typeof s !== "string"))
          ) {
            throw fail(`${on}.expect.includes: must be an array of strings`);
          }
          parsed.expect = {
            ...(sha256 === undefined ? {} : { sha256: /** @type {string} */ (sha256) }),
            ...(includes === undefined ? {} : { includes: /** @type {string[]} */ (includes) }),
            ...(error === undefined ? {} : { error }),
          };
        }
        uses.push(parsed);
      }
      turns.push(typeof turn.text === "string" ? { text: turn.text, toolUses: uses } : { toolUses: uses });
    }
    iterations.push({ iteration: iteration.iteration, turns });
  }
  return {
    replay: raw.replay,
    ...(typeof raw.description === "string" ? { description: raw.description } : {}),
    iterations,
  };
}

/**
 * @param {string} directory
 * @param {string} name
 * @returns {Promise<{ recording: Recording, file: string }>}
 */
export async function loadRecording(directory, name) {
  if (!REPLAY_NAME.test(name) || name === "." || name === "..") {
    throw new ReplayNotFoundError(`replay name "${name}" must match [A-Za-z0-9._-]{1,100}`);
  }
  const file = path.join(directory, `${name}.json`);
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = error && typeof error === "object" && "code" in error ? error.code : "";
    throw new ReplayNotFoundError(
      code === "ENOENT"
        ? `no recorded session "${name}": ${file} does not exist (choose one with AGENT_REPLAY or AGENT_REPLAY_DIR, or set AGENT_MODEL to use a live model: bedrock:<id> or openai:<model> with AGENT_MODEL_URL)`
        : `recorded session ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ReplayNotFoundError(
      `recorded session ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { recording: parseRecording(raw, file), file };
}

/**
 * @param {Message | undefined} message
 * @param {string} toolUseId
 */
function findToolResult(message, toolUseId) {
  for (const block of message?.content ?? []) {
    if ("toolResult" in block && isObject(block.toolResult) && block.toolResult.toolUseId === toolUseId) {
      const result = /** @type {import("./types.mjs").ToolResultBlock["toolResult"]} */ (block.toolResult);
      return { ok: result.status !== "error", text: result.content.map((part) => part.text).join("") };
    }
  }
  return undefined;
}

/**
 * A model that plays one recorded iteration.
 * @param {Recording} recording
 * @param {number} iteration
 * @param {string} file Where the recording came from (for messages).
 * @returns {Model}
 */
export function createReplayModel(recording, iteration, file) {
  const recorded = recording.iterations.find((candidate) => candidate.iteration === iteration);
  if (!recorded) {
    const available = recording.iterations.map((candidate) => candidate.iteration).join(", ");
    throw new ReplayNotFoundError(
      `recorded session "${recording.replay}" (${file}) has no iteration ${iteration}; it holds iteration(s) ${available}`,
    );
  }
  const label = `replay of recorded session "${recording.replay}", iteration ${iteration} (not a live model)`;
  let nextTurn = 0;

  /** @param {number} turn @param {number} use */
  const toolUseId = (turn, use) => `replay-i${iteration}-t${turn}-u${use}`;

  /**
   * Compares what the workspace answered to the previous turn's tool calls with what the recording expected.
   * @param {Message[]} messages
   */
  function checkPreviousResults(messages) {
    const turnIndex = nextTurn - 1;
    const previous = recorded?.turns[turnIndex];
    const answer = messages.at(-1);
    for (const [u, use] of (previous?.toolUses ?? []).entries()) {
      const call = `turn ${turnIndex + 1}: ${use.name} ${JSON.stringify(use.input.path ?? use.input.command ?? "")}`;
      const where = `replay "${recording.replay}" iteration ${iteration}, ${call}`;
      const result = findToolResult(answer, toolUseId(turnIndex, u));
      if (!result) throw new ReplayDivergedError(`${where}: the loop returned no result for this call`);
      const expectedError = use.expect?.error === true;
      if (!result.ok && !expectedError) {
        throw new ReplayDivergedError(
          `${where} failed: ${result.text}; the recording expected it to succeed`,
        );
      }
      if (result.ok && expectedError) {
        throw new ReplayDivergedError(`${where} succeeded; the recording saw it refused`);
      }
      const expectedHash = use.expect?.sha256;
      if (expectedHash !== undefined) {
        const actual = createHash("sha256").update(result.text, "utf8").digest("hex");
        if (actual !== expectedHash) {
          throw new ReplayDivergedError(
            `${where} returned content with sha256 ${actual}; the recording saw ${expectedHash}. The workspace is not the one this session was recorded against`,
          );
        }
      }
      for (const needle of use.expect?.includes ?? []) {
        if (!result.text.includes(needle)) {
          throw new ReplayDivergedError(
            `${where} returned a result without ${JSON.stringify(needle)}, which the recording saw`,
          );
        }
      }
    }
  }

  return {
    mode: "replay",
    label,
    async next({ messages }) {
      if (nextTurn > 0) checkPreviousResults(messages);
      const turn = recorded.turns[nextTurn];
      if (!turn) {
        throw new ReplayDivergedError(
          `replay "${recording.replay}" iteration ${iteration}: the loop asked for turn ${nextTurn + 1}, but the recording ends after ${recorded.turns.length}`,
        );
      }
      const turnIndex = nextTurn;
      nextTurn += 1;
      /** @type {ContentBlock[]} */
      const content = [];
      if (turn.text !== undefined) content.push({ text: turn.text });
      for (const [u, use] of (turn.toolUses ?? []).entries()) {
        content.push({ toolUse: { toolUseId: toolUseId(turnIndex, u), name: use.name, input: use.input } });
      }
      return { content, stopReason: (turn.toolUses ?? []).length > 0 ? "tool_use" : "end_turn" };
    },
  };
}
