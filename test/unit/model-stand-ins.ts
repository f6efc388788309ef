// Local stand-ins for the two live model wire formats the sample agent speaks: Bedrock Converse (HTTP/2, as the
// Bedrock Runtime client talks) and OpenAI-compatible chat completions (HTTP/1.1, JSON or server-sent events).
// Each records what it was sent and answers from a script, so tests see the exact requests the agent made.
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";

export interface StandInReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** JSON body; or, with `events`, ignored. */
  readonly body?: unknown;
  /** Server-sent events: each entry is one `data:` payload (a string is sent as is, e.g. "[DONE]"). */
  readonly events?: readonly unknown[];
}

interface RecordedCall {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

export interface StandIn {
  readonly url: string;
  readonly calls: RecordedCall[];
  script: (body: Record<string, unknown>, index: number) => StandInReply;
  close(): Promise<void>;
}

const readBody = async (request: AsyncIterable<unknown>): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};

function respond(response: http.ServerResponse | http2.Http2ServerResponse, reply: StandInReply): void {
  if (reply.events) {
    response.writeHead(reply.status ?? 200, { "content-type": "text/event-stream", ...reply.headers });
    for (const event of reply.events) {
      (response as http.ServerResponse).write(
        `data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`,
      );
    }
    response.end();
    return;
  }
  response.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
  response.end(JSON.stringify(reply.body ?? {}));
}

function standIn(protocol: "http1" | "http2"): Promise<StandIn> {
  const state: StandIn = {
    url: "",
    calls: [],
    script: () => ({ status: 500, body: { message: "no script" } }),
    close: async () => undefined,
  };
  const handle = async (
    request: http.IncomingMessage | http2.Http2ServerRequest,
    response: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    const body = await readBody(request);
    state.calls.push({ path: request.url ?? "", headers: { ...request.headers }, body });
    respond(response, state.script(body, state.calls.length - 1));
  };
  const server =
    protocol === "http2"
      ? http2.createServer((request, response) => void handle(request, response))
      : http.createServer((request, response) => void handle(request, response));
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      Object.assign(state, {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
      resolve(state);
    });
  });
}

/** Bedrock Runtime's Converse over HTTP/2 cleartext (the client speaks HTTP/2). */
export const startBedrockStandIn = (): Promise<StandIn> => standIn("http2");

/** An OpenAI-compatible server: `POST <base>/chat/completions`. The base URL is `<url>/v1`. */
export const startOpenAiStandIn = (): Promise<StandIn> => standIn("http1");

/** A Converse answer. */
export const converseTurn = (stopReason: string, content: Record<string, unknown>[]): StandInReply => ({
  body: {
    output: { message: { role: "assistant", content } },
    stopReason,
    usage: { inputTokens: 10, outputTokens: 10, totalTokens: 20 },
    metrics: { latencyMs: 1 },
  },
});

/** A Bedrock service error as the SDK parses it (x-amzn-errortype + message). */
export const bedrockError = (status: number, type: string, message: string): StandInReply => ({
  status,
  headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  body: { message },
});

export interface ChatToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** A whole chat-completions answer. */
export const chatAnswer = (
  content: string | null,
  toolCalls: readonly ChatToolCall[] = [],
  finishReason = toolCalls.length ? "tool_calls" : "stop",
  extra: Record<string, unknown> = {},
): StandInReply => ({
  body: {
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          ...extra,
          ...(toolCalls.length
            ? {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: "function",
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        finish_reason: finishReason,
      },
    ],
  },
});

/**
 * The same answer streamed the way OpenAI streams: the text in pieces, each tool call's name first and its
 * arguments in fragments, the finish reason in the last chunk, then `[DONE]`.
 */
export const chatStream = (content: string, toolCalls: readonly ChatToolCall[] = []): StandInReply => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events: unknown[] = [chunk({ role: "assistant" })];
  for (let i = 0; i < content.length; i += 7) events.push(chunk({ content: content.slice(i, i + 7) }));
  toolCalls.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
      }),
    );
    for (let i = 0; i < call.arguments.length; i += 5) {
      events.push(
        chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + 5) } }] }),
      );
    }
  });
  events.push(chunk({}, toolCalls.length ? "tool_calls" : "stop"));
  events.push("[DONE]");
  return { events };
};
