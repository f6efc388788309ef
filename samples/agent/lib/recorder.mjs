// @ts-check
/**
 * Records a live (Bedrock) session as a replay file, so the offline replays can come from a real model run: with
 * AGENT_RECORD_DIR set, each successful live invocation is saved as one iteration of `<dir>/<name>.json`. What the
 * model read is pinned by the sha256 of each read_file result, so a later replay against a different workspace
 * stops instead of writing stale content.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseRecording } from "./replay-model.mjs";

/** @typedef {import("./types.mjs").Message} Message */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */
/** @typedef {import("./replay-model.mjs").Recording} Recording */
/** @typedef {import("./replay-model.mjs").RecordedIteration} RecordedIteration */
/** @typedef {import("./replay-model.mjs").RecordedTurn} RecordedTurn */
/** @typedef {import("./replay-model.mjs").RecordedToolUse} RecordedToolUse */

/**
 * @param {ContentBlock[]} content
 * @returns {{ toolUseId: string, name: string, input: unknown }[]}
 */
function toolUsesOf(content) {
  return content.flatMap((block) =>
    "toolUse" in block && typeof block.toolUse === "object" && block.toolUse !== null
      ? [/** @type {{ toolUseId: string, name: string, input: unknown }} */ (block.toolUse)]
      : [],
  );
}

/**
 * @param {Message | undefined} message
 * @param {string} toolUseId
 */
function resultFor(message, toolUseId) {
  for (const block of message?.content ?? []) {
    if ("toolResult" in block && typeof block.toolResult === "object" && block.toolResult !== null) {
      const result = /** @type {import("./types.mjs").ToolResultBlock["toolResult"]} */ (block.toolResult);
      if (result.toolUseId === toolUseId) {
        return {
          ok: result.status !== "error",
          text: result.content.map((part) => part.text ?? "").join(""),
        };
      }
    }
  }
  return undefined;
}

/**
 * One recorded iteration from the conversation of a finished session.
 * @param {Message[]} messages
 * @param {number} iteration
 * @returns {RecordedIteration}
 */
export function iterationFromConversation(messages, iteration) {
  /** @type {RecordedTurn[]} */
  const turns = [];
  messages.forEach((message, index) => {
    if (message.role !== "assistant") return;
    const text = message.content
      .map((block) => ("text" in block && typeof block.text === "string" ? block.text : ""))
      .filter(Boolean)
      .join("\n")
      .trim();
    const answer = messages[index + 1];
    /** @type {RecordedToolUse[]} */
    const toolUses = toolUsesOf(message.content).map((use) => {
      const input =
        typeof use.input === "object" && use.input !== null
          ? /** @type {Record<string, unknown>} */ (use.input)
          : {};
      /** @type {RecordedToolUse} */
      const recorded = { name: use.name, input };
      const result = resultFor(answer, use.toolUseId);
      if (result && !result.ok) recorded.expect = { error: true };
      else if (result && use.name === "read_file") {
        recorded.expect = { sha256: createHash("sha256").update(result.text, "utf8").digest("hex") };
      }
      return recorded;
    });
    turns.push(
      toolUses.length > 0
        ? { ...(text ? { text } : {}), toolUses }
        : { text: text || "(the model gave no summary)" },
    );
  });
  return { iteration, turns };
}

/**
 * Adds (or replaces) one iteration in `<directory>/<name>.json`, written atomically.
 * @param {object} options
 * @param {string} options.directory
 * @param {string} options.name
 * @param {string} options.modelLabel
 * @param {RecordedIteration} options.iteration
 * @returns {Promise<string>} the file written
 */
export async function saveRecordedIteration({ directory, name, modelLabel, iteration }) {
  const file = path.join(directory, `${name}.json`);
  /** @type {Recording} */
  let recording = {
    replay: name,
    description: `Recorded from ${modelLabel} by the sample agent (AGENT_RECORD_DIR).`,
    iterations: [],
  };
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing !== undefined) recording = parseRecording(JSON.parse(existing), file);
  const iterations = recording.iterations.filter((candidate) => candidate.iteration !== iteration.iteration);
  iterations.push(iteration);
  iterations.sort((a, b) => a.iteration - b.iteration);
  const updated = { ...recording, iterations };
  // A malformed recording must fail now, where the live session can still be read, not at the next replay.
  parseRecording(JSON.parse(JSON.stringify(updated)), file);
  await mkdir(directory, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(updated, null, 2)}\n`, "utf8");
  await rename(temporary, file);
  return file;
}
