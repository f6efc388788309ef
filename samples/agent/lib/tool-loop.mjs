// @ts-check
/**
 * The agent's tool loop, the same whichever model drives it: ask the model for a turn, run the tools it calls
 * against the workspace, hand the results back, until the model answers without calling a tool. A replayed session
 * and a live Bedrock model go through exactly this code, so the offline runs exercise the real loop.
 */
import { createHash } from "node:crypto";
import { TurnLimitError } from "./errors.mjs";
import { SYSTEM_PROMPT, taskMessage } from "./prompt.mjs";
import { TOOL_SPECS } from "./workspace-tools.mjs";

/** @typedef {import("./types.mjs").AgentInvocation} AgentInvocation */
/** @typedef {import("./types.mjs").AgentReply} AgentReply */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */
/** @typedef {import("./types.mjs").Message} Message */
/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").ProgressEvent} ProgressEvent */
/** @typedef {import("./types.mjs").ToolUseBlock} ToolUseBlock */
/** @typedef {import("./types.mjs").ToolResultBlock} ToolResultBlock */
/** @typedef {import("./workspace-tools.mjs").WorkspaceTools} WorkspaceTools */

const SUMMARY_CHARS = 4000;

/**
 * @param {ContentBlock} block
 * @returns {block is ToolUseBlock}
 */
function isToolUse(block) {
  return "toolUse" in block && typeof block.toolUse === "object" && block.toolUse !== null;
}

/** @param {ContentBlock[]} content */
function textOf(content) {
  return content
    .map((block) => ("text" in block && typeof block.text === "string" ? block.text : ""))
    .filter((text) => text.length > 0)
    .join("\n")
    .trim();
}

/**
 * What a progress event or a log line may say about a tool call: the path, or the hash of a proposed command
 * (a command line may carry a secret; its text travels only in the reply).
 * @param {string} tool
 * @param {unknown} input
 * @returns {Record<string, string>}
 */
function describeToolTarget(tool, input) {
  if (typeof input !== "object" || input === null) return {};
  const fields = /** @type {Record<string, unknown>} */ (input);
  if (tool === "propose_command" && typeof fields.command === "string") {
    return { commandHash: createHash("sha256").update(fields.command, "utf8").digest("hex") };
  }
  return typeof fields.path === "string" ? { path: fields.path.slice(0, 300) } : {};
}

/**
 * @param {object} options
 * @param {Model} options.model
 * @param {WorkspaceTools} options.tools
 * @param {AgentInvocation} options.invocation
 * @param {number} options.maxTurns
 * @param {AbortSignal} [options.signal] Aborted when the caller goes away (stop, disconnect).
 * @param {(event: ProgressEvent) => void} [options.onProgress]
 * @returns {Promise<{ reply: AgentReply, messages: Message[] }>} the reply, and the conversation (for the recorder)
 */
export async function runToolLoop({ model, tools, invocation, maxTurns, signal, onProgress }) {
  /** @param {string} stage @param {Record<string, unknown>} detail */
  const emit = (stage, detail) => onProgress?.({ stage, detail });
  /** @type {Message[]} */
  const messages = [{ role: "user", content: [{ text: taskMessage(invocation) }] }];
  emit("started", {
    model: model.mode,
    label: model.label,
    repoName: invocation.repoName,
    iteration: invocation.iteration,
  });

  for (let turn = 1; turn <= maxTurns; turn += 1) {
    signal?.throwIfAborted();
    const reply = await model.next({ system: SYSTEM_PROMPT, messages, toolSpecs: [...TOOL_SPECS] });
    messages.push({ role: "assistant", content: reply.content });
    const toolUses = reply.content.filter(isToolUse);
    emit("model-turn", { turn, toolCalls: toolUses.length, stopReason: reply.stopReason });

    if (toolUses.length === 0) {
      const text = textOf(reply.content) || "(the model gave no summary)";
      const summary = `[model: ${model.label}] ${text}`;
      /** @type {AgentReply} */
      const result = {
        summary: summary.length <= SUMMARY_CHARS ? summary : `${summary.slice(0, SUMMARY_CHARS - 1)}…`,
        changedFiles: tools.changedFiles(),
        proposedCommands: tools.proposedCommands(),
      };
      emit("finished", {
        turns: turn,
        changedFiles: result.changedFiles.length,
        proposals: result.proposedCommands.length,
      });
      return { reply: result, messages };
    }

    /** @type {ToolResultBlock[]} */
    const results = [];
    for (const { toolUse } of toolUses) {
      signal?.throwIfAborted();
      const outcome = await tools.execute(toolUse.name, toolUse.input);
      emit("tool", {
        turn,
        tool: toolUse.name,
        ...describeToolTarget(toolUse.name, toolUse.input),
        ok: outcome.ok,
      });
      results.push({
        toolResult: {
          toolUseId: toolUse.toolUseId,
          content: [{ text: outcome.text }],
          status: outcome.ok ? "success" : "error",
        },
      });
    }
    messages.push({ role: "user", content: results });
  }
  throw new TurnLimitError(
    `the model (${model.label}) was still calling tools after ${maxTurns} turns; the limit is AGENT_MAX_TURNS=${maxTurns}`,
  );
}
