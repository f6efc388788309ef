// @ts-check
/**
 * OPENAI mode: any server speaking the OpenAI-compatible chat-completions API with tool calls (Ollama, vLLM,
 * LM Studio, hosted services), streamed or not. Chosen with AGENT_MODEL=openai:<model> and AGENT_MODEL_URL=<base
 * URL>, the base URL as OpenAI clients take it (`http://127.0.0.1:11434/v1` for Ollama): requests go to
 * `<base>/chat/completions`. The loop's conversation stays in the Converse shape; this module translates each
 * turn to chat messages and the answer back, so the tool loop is the same whatever the model. No SDK: `fetch`.
 */
import { ModelError } from "./errors.mjs";

/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").Message} Message */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */
/** @typedef {import("./types.mjs").ToolSpec} ToolSpec */
/** @typedef {import("./errors.mjs").ModelFailure} ModelFailure */

/**
 * @typedef {{ id: string, type: "function", function: { name: string, arguments: string } }} ChatToolCall
 * @typedef {{ role: "system" | "user" | "assistant" | "tool", content: string | null, tool_calls?: ChatToolCall[], tool_call_id?: string }} ChatMessage
 */

/** Throttled and unavailable answers are retried this many times in all, with growing pauses. */
const ATTEMPTS = 4;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 20_000;
const ERROR_BODY_CHARS = 300;

/**
 * The Converse-shaped conversation as chat-completions messages: text blocks join into one message, each
 * `toolUse` becomes a `tool_calls` entry, each `toolResult` a `tool` message answering its call by id.
 * @param {string} system
 * @param {Message[]} messages
 * @returns {ChatMessage[]}
 */
function toChatMessages(system, messages) {
  /** @type {ChatMessage[]} */
  const chat = [{ role: "system", content: system }];
  for (const message of messages) {
    const texts = [];
    /** @type {ChatToolCall[]} */
    const calls = [];
    for (const block of message.content) {
      if ("text" in block && typeof block.text === "string") texts.push(block.text);
      else if ("toolUse" in block) {
        const use = /** @type {import("./types.mjs").ToolUseBlock} */ (block).toolUse;
        calls.push({
          id: use.toolUseId,
          type: "function",
          function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
        });
      } else if ("toolResult" in block) {
        const result = /** @type {import("./types.mjs").ToolResultBlock} */ (block).toolResult;
        const text = result.content.map((c) => c.text).join("\n");
        chat.push({
          role: "tool",
          tool_call_id: result.toolUseId,
          content: result.status === "error" ? `ERROR: ${text}` : text,
        });
      }
    }
    if (message.role === "assistant") {
      chat.push({
        role: "assistant",
        content: texts.length ? texts.join("\n") : null,
        ...(calls.length ? { tool_calls: calls } : {}),
      });
    } else if (texts.length) {
      chat.push({ role: "user", content: texts.join("\n") });
    }
  }
  return chat;
}

/** @param {ToolSpec[]} specs */
function toChatTools(specs) {
  return specs.map((spec) => ({
    type: "function",
    function: { name: spec.name, description: spec.description, parameters: spec.inputSchema },
  }));
}

/**
 * Tool arguments arrive as a JSON string; a model that writes broken JSON gets the string back as the input,
 * which the tools refuse with a message the model can act on (rather than ending the repair).
 * @param {string} text
 * @returns {unknown}
 */
function parseArguments(text) {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One chat-completions answer (already assembled from a stream, or as returned whole) as a loop turn.
 * @param {{ content?: string | null, refusal?: string | null, tool_calls?: ChatToolCall[] | null } | undefined} message
 * @param {string | null | undefined} finishReason
 * @param {string} label
 * @returns {import("./types.mjs").ModelTurn}
 */
function turnFromChat(message, finishReason, label) {
  if (!message) throw new ModelError(`${label} answered without a message`, "bad-response");
  if (message.refusal) {
    throw new ModelError(
      `${label} refused the task: ${String(message.refusal).slice(0, ERROR_BODY_CHARS)}`,
      "refused",
    );
  }
  if (finishReason === "content_filter") {
    throw new ModelError(
      `${label} stopped its answer with a content filter (finish_reason content_filter)`,
      "refused",
    );
  }
  if (finishReason === "length") {
    throw new ModelError(
      `${label} stopped at the token limit (finish_reason length); the turn is incomplete, raise AGENT_MAX_TOKENS`,
      "incomplete",
    );
  }
  /** @type {ContentBlock[]} */
  const content = [];
  if (typeof message.content === "string" && message.content.trim() !== "")
    content.push({ text: message.content });
  for (const call of message.tool_calls ?? []) {
    if (!call?.function?.name)
      throw new ModelError(`${label} returned a tool call without a name`, "bad-response");
    content.push({
      toolUse: {
        toolUseId: call.id || `call_${content.length}`,
        name: call.function.name,
        input: parseArguments(call.function.arguments ?? ""),
      },
    });
  }
  const calls = content.some((block) => "toolUse" in block);
  return { content, stopReason: calls ? "tool_use" : "end_turn" };
}

/**
 * Reads a streamed answer (`data: {chunk}` lines, `data: [DONE]`) into one message: content deltas joined, tool
 * call fragments joined by their index.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {Promise<{ message: { content: string, refusal: string | null, tool_calls: ChatToolCall[] }, finishReason: string | null, error?: unknown }>}
 */
async function readStream(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  let content = "";
  let refusal = "";
  /** @type {string | null} */
  let finishReason = null;
  /** @type {ChatToolCall[]} */
  const calls = [];
  /** @type {unknown} */
  let error;
  /** @param {string} line */
  const handle = (line) => {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") return;
    const chunk = JSON.parse(data);
    if (chunk.error) {
      error = chunk.error;
      return;
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string") content += delta.content;
    if (typeof delta.refusal === "string") refusal += delta.refusal;
    for (const part of delta.tool_calls ?? []) {
      const index = typeof part.index === "number" ? part.index : calls.length;
      if (!calls[index]) calls[index] = { id: "", type: "function", function: { name: "", arguments: "" } };
      const call = calls[index];
      if (part.id) call.id = part.id;
      if (part.function?.name && !call.function.name) call.function.name = part.function.name;
      if (part.function?.arguments) call.function.arguments += part.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  };
  for await (const bytes of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (body))) {
    buffer += decoder.decode(bytes, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      handle(buffer.slice(0, newline).replace(/\r$/, ""));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
  handle((buffer + decoder.decode()).trim());
  return {
    message: { content, refusal: refusal || null, tool_calls: calls.filter(Boolean) },
    finishReason,
    ...(error ? { error } : {}),
  };
}

/**
 * What an error answer means, from its status and the OpenAI error body (`{"error": {"message", "type", "code"}}`;
 * servers differ, so the message is read too).
 * @param {number} status
 * @param {string} text
 * @returns {{ reason: ModelFailure, detail: string, retry: boolean }}
 */
function classifyChatError(status, text) {
  let detail = text.slice(0, ERROR_BODY_CHARS);
  let code = "";
  try {
    const body = JSON.parse(text);
    const error = typeof body.error === "object" && body.error !== null ? body.error : body;
    if (typeof error.message === "string") detail = error.message.slice(0, ERROR_BODY_CHARS);
    else if (typeof body.error === "string") detail = body.error.slice(0, ERROR_BODY_CHARS);
    code = String(error.code ?? error.type ?? "");
  } catch {
    // Not JSON: the text is the detail.
  }
  if (status === 429) return { reason: "throttled", detail, retry: true };
  if (
    code === "context_length_exceeded" ||
    /context (length|window)|too many tokens|too long|maximum context/i.test(detail)
  ) {
    return { reason: "context-too-long", detail, retry: false };
  }
  if (status === 401 || status === 403) return { reason: "unauthorized", detail, retry: false };
  if (status >= 500) return { reason: "unavailable", detail, retry: true };
  return { reason: "bad-response", detail, retry: false };
}

/** @param {ModelFailure} reason @param {string} label @param {number} status @param {string} detail */
function errorFor(reason, label, status, detail) {
  switch (reason) {
    case "throttled":
      return new ModelError(
        `${label} is still throttling (HTTP 429) after ${ATTEMPTS} attempts: ${detail}`,
        reason,
      );
    case "context-too-long":
      return new ModelError(
        `the conversation is longer than ${label} accepts (HTTP ${status}): ${detail}; use a model with a larger context window`,
        reason,
      );
    case "unauthorized":
      return new ModelError(
        `${label} refused the credentials (HTTP ${status}): ${detail}; check the API key variable`,
        reason,
      );
    case "unavailable":
      return new ModelError(`${label} failed (HTTP ${status}) after ${ATTEMPTS} attempts: ${detail}`, reason);
    default:
      return new ModelError(`${label} rejected the request (HTTP ${status}): ${detail}`, reason);
  }
}

/** @param {number} attempt @param {string | null} retryAfter */
function retryDelayMs(attempt, retryAfter) {
  const seconds = Number(retryAfter);
  if (retryAfter !== null && Number.isFinite(seconds) && seconds >= 0)
    return Math.min(seconds * 1000, RETRY_MAX_MS);
  return Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
}

/**
 * @param {{ model: string, baseUrl: string, apiKey?: string | undefined, stream: boolean, maxTokens: number, timeoutSeconds: number }} options
 * @returns {Model}
 */
export function createOpenAiModel({ model, baseUrl, apiKey, stream, maxTokens, timeoutSeconds }) {
  const url = `${baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const label = `OpenAI-compatible model ${model} at ${new URL(baseUrl).origin}`;
  return {
    mode: "openai",
    label: `${label} (live${stream ? ", streamed" : ""})`,
    async next({ system, messages, toolSpecs }) {
      const body = JSON.stringify({
        model,
        messages: toChatMessages(system, messages),
        tools: toChatTools(toolSpecs),
        tool_choice: "auto",
        temperature: 0,
        max_tokens: maxTokens,
        stream,
      });
      for (let attempt = 1; ; attempt++) {
        /** @type {Response} */
        let response;
        try {
          response = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: stream ? "text/event-stream" : "application/json",
              ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
            },
            body,
            signal: AbortSignal.timeout(timeoutSeconds * 1000),
          });
        } catch (error) {
          const cause =
            error instanceof Error
              ? error.cause instanceof Error
                ? error.cause.message
                : error.message
              : String(error);
          if (attempt < ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, null)));
            continue;
          }
          throw new ModelError(`${label} could not be reached at ${url}: ${cause}`, "unavailable");
        }
        if (!response.ok) {
          const text = await response.text().catch(() => "");
          const { reason, detail, retry } = classifyChatError(response.status, text);
          if (retry && attempt < ATTEMPTS) {
            await new Promise((resolve) =>
              setTimeout(resolve, retryDelayMs(attempt, response.headers.get("retry-after"))),
            );
            continue;
          }
          throw errorFor(reason, label, response.status, detail);
        }
        const type = response.headers.get("content-type") ?? "";
        if (type.includes("text/event-stream") && response.body) {
          let streamed;
          try {
            streamed = await readStream(response.body);
          } catch (error) {
            throw new ModelError(
              `${label} sent a stream the agent cannot read: ${error instanceof Error ? error.message : String(error)}`,
              "bad-response",
            );
          }
          if (streamed.error) {
            const text = JSON.stringify({ error: streamed.error });
            const { reason, detail } = classifyChatError(200, text);
            throw errorFor(reason, label, 200, detail);
          }
          return turnFromChat(streamed.message, streamed.finishReason, label);
        }
        /** @type {any} */
        let answer;
        try {
          answer = await response.json();
        } catch {
          throw new ModelError(
            `${label} answered with something that is not JSON (${type || "no content type"})`,
          );
        }
        const choice = answer?.choices?.[0];
        return turnFromChat(choice?.message, choice?.finish_reason, label);
      }
    },
  };
}
