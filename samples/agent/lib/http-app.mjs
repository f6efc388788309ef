// @ts-check
/**
 * The AgentCore HTTP protocol contract: `GET /ping` and `POST /invocations` (JSON in; JSON out, or Server-Sent
 * Events when the caller accepts `text/event-stream`). Everything the request can get wrong is answered before any
 * response header is sent, so those failures keep their HTTP status even on the streaming path; a failure in the
 * middle of a stream ends it with `event: error`. A stream always ends with exactly one `result` or `error` event.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import { createBedrockModel } from "./bedrock-model.mjs";
import {
  AgentHttpError,
  InvalidInvocationError,
  ModelError,
  PayloadTooLargeError,
  WorkspaceBusyError,
} from "./errors.mjs";
import { createHealth } from "./health.mjs";
import { checkWorkspace, parseInvocation } from "./invocation.mjs";
import { log } from "./log.mjs";
import { createOpenAiModel } from "./openai-model.mjs";
import { iterationFromConversation, saveRecordedIteration } from "./recorder.mjs";
import { createReplayModel, loadRecording } from "./replay-model.mjs";
import { runToolLoop } from "./tool-loop.mjs";
import { createWorkspaceTools } from "./workspace-tools.mjs";

/** @typedef {import("./config.mjs").AgentConfig} AgentConfig */
/** @typedef {import("./types.mjs").AgentInvocation} AgentInvocation */
/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").ProgressEvent} ProgressEvent */

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @param {http.IncomingMessage} request
 * @returns {Promise<unknown>}
 */
async function readJsonBody(request) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    // Past the limit the body is drained, not kept, so the caller reads a clean 413 instead of a reset
    // connection; a body that keeps coming far beyond it is cut off.
    if (size > MAX_BODY_BYTES * 8) {
      request.destroy();
      break;
    }
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`the body is ${size} bytes or more; the limit is ${MAX_BODY_BYTES}`);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  // The SDK sends the payload as application/octet-stream by default, so the content type is not trusted either
  // way: the body must simply be JSON.
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInvocationError(
      `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * @param {http.ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** @param {unknown} error */
function errorBody(error) {
  if (error instanceof ModelError)
    return {
      status: error.status,
      body: { error: error.name, message: error.message, reason: error.reason },
    };
  if (error instanceof AgentHttpError)
    return { status: error.status, body: { error: error.name, message: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: "AgentFailure", message } };
}

/**
 * @param {http.ServerResponse} response
 * @param {string} event
 * @param {unknown} data
 */
function writeEvent(response, event, data) {
  if (response.writableEnded || response.destroyed) return;
  // JSON.stringify escapes newlines, so each event's data is one `data:` line.
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * @param {AgentConfig} config
 */
export function createAgentApp(config) {
  const health = createHealth();
  /** Workspaces with an invocation in progress: two loops editing the same files would race. */
  const busyWorkspaces = new Set();
  /** @type {Promise<Model> | undefined} */
  let bedrockModel;
  /** @type {Model | undefined} */
  let openAiModel;

  /**
   * @param {AgentInvocation} invocation
   * @returns {Promise<Model>}
   */
  async function modelFor(invocation) {
    if (config.modelMode === "bedrock" && config.modelId) {
      // One client for the process; a failed start (e.g. the SDK missing from the image) is retried next time.
      bedrockModel ??= createBedrockModel({
        modelId: config.modelId,
        region: config.region,
        maxTokens: config.maxTokens,
      }).catch((error) => {
        bedrockModel = undefined;
        throw new ModelError(
          `cannot start the Bedrock client: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      return bedrockModel;
    }
    if (config.modelMode === "openai" && config.modelId && config.modelUrl) {
      openAiModel ??= createOpenAiModel({
        model: config.modelId,
        baseUrl: config.modelUrl,
        apiKey: config.apiKey,
        stream: config.stream,
        maxTokens: config.maxTokens,
        timeoutSeconds: config.modelTimeoutSeconds,
      });
      return openAiModel;
    }
    const { recording, file } = await loadRecording(
      config.replayDir,
      config.replayName ?? invocation.repoName,
    );
    return createReplayModel(recording, invocation.iteration, file);
  }

  /**
   * @param {http.IncomingMessage} request
   * @param {http.ServerResponse} response
   */
  async function invoke(request, response) {
    const startedAt = Date.now();
    const streaming = (request.headers.accept ?? "").includes("text/event-stream");
    /** @type {Record<string, unknown>} */
    let context = { streaming };
    let workspace = "";
    let working = false;
    const controller = new AbortController();
    response.on("close", () => {
      if (!response.writableFinished) controller.abort(new Error("the caller closed the connection"));
    });
    try {
      const invocation = parseInvocation(await readJsonBody(request));
      context = {
        ...context,
        repoName: invocation.repoName,
        iteration: invocation.iteration,
        model: config.modelMode,
      };
      workspace = await checkWorkspace(invocation.workspacePath, config.workspaceRoot);
      if (busyWorkspaces.has(workspace)) {
        throw new WorkspaceBusyError(
          `workspacePath: another invocation is already working in ${invocation.workspacePath}`,
        );
      }
      busyWorkspaces.add(workspace);
      working = true;
      health.begin();
      const model = await modelFor(invocation);
      const tools = await createWorkspaceTools(invocation.workspacePath);
      log("info", "invocation started", { ...context, modelLabel: model.label });

      /** @param {ProgressEvent} event */
      const onProgress = (event) => {
        if (event.stage === "tool") log("info", "tool call", { ...context, ...event.detail });
        if (streaming) writeEvent(response, "progress", { stage: event.stage, ...event.detail });
      };
      if (streaming) {
        response.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
      }
      try {
        const { reply, messages } = await runToolLoop({
          model,
          tools,
          invocation,
          maxTurns: config.maxTurns,
          signal: controller.signal,
          onProgress,
        });
        if (config.recordDir && model.mode !== "replay") {
          const file = await saveRecordedIteration({
            directory: config.recordDir,
            name: config.replayName ?? invocation.repoName,
            modelLabel: model.label,
            iteration: iterationFromConversation(messages, invocation.iteration),
          });
          log("info", "live session recorded for replay", { ...context, file });
        }
        log("info", "invocation finished", {
          ...context,
          changedFiles: reply.changedFiles.length,
          proposedCommandHashes: reply.proposedCommands.map((p) =>
            createHash("sha256").update(p.command).digest("hex"),
          ),
          durationMs: Date.now() - startedAt,
        });
        if (streaming) {
          writeEvent(response, "result", reply);
          response.end();
        } else {
          sendJson(response, 200, reply);
        }
      } catch (error) {
        if (!streaming) throw error;
        const { body } = errorBody(error);
        log("error", "invocation failed", {
          ...context,
          error: body.error,
          detail: body.message,
          durationMs: Date.now() - startedAt,
        });
        writeEvent(response, "error", body);
        response.end();
      }
    } catch (error) {
      const { status, body } = errorBody(error);
      log(status >= 500 ? "error" : "warn", "invocation refused or failed", {
        ...context,
        status,
        error: body.error,
        detail: body.message,
      });
      if (!response.headersSent && !response.destroyed) sendJson(response, status, body);
    } finally {
      if (working) {
        busyWorkspaces.delete(workspace);
        health.end();
      }
    }
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://agent");
    if (url.pathname === "/ping") {
      if (request.method !== "GET")
        return sendJson(response, 405, { error: "MethodNotAllowed", message: "use GET /ping" });
      return sendJson(response, 200, health.snapshot());
    }
    if (url.pathname === "/invocations") {
      if (request.method !== "POST") {
        return sendJson(response, 405, { error: "MethodNotAllowed", message: "use POST /invocations" });
      }
      invoke(request, response).catch((error) => {
        log("error", "unexpected failure", {
          message: error instanceof Error ? error.message : String(error),
        });
        if (!response.headersSent)
          sendJson(response, 500, { error: "AgentFailure", message: "unexpected failure" });
        else response.end();
      });
      return;
    }
    sendJson(response, 404, {
      error: "NotFound",
      message: `no route ${request.method} ${url.pathname}; the agent serves GET /ping and POST /invocations`,
    });
  });
  return { server, health };
}
