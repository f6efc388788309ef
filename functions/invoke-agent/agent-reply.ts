import { z } from "zod";
import type { AgentReply } from "#lib/contracts.ts";
import { AgentError } from "#lib/errors.ts";
import { redactBounded } from "#lib/redaction.ts";

/**
 * Reading the agent's reply: `application/json` (the AgentReply itself) or `text/event-stream` (progress events,
 * then `event: result` whose data is the AgentReply JSON; `event: error` reports a failure). Memory is bounded by
 * `maxBytes` whatever the agent sends; anything malformed is an AgentError carrying a short, redacted head of the
 * reply so a person can see what came back.
 */

const AGENT_REPLY_LIMITS = {
  summaryChars: 20_000,
  changedFiles: 500,
  pathChars: 1024,
  proposedCommands: 20,
  commandBytes: 65_536,
  reasonChars: 2000,
} as const;

const agentReplySchema = z.object({
  summary: z.string().trim().min(1, "must say what the agent did").max(AGENT_REPLY_LIMITS.summaryChars),
  changedFiles: z
    .array(z.string().min(1).max(AGENT_REPLY_LIMITS.pathChars))
    .max(AGENT_REPLY_LIMITS.changedFiles)
    .default([]),
  proposedCommands: z
    .array(
      z.object({
        command: z
          .string()
          .min(1)
          .refine(
            (command) => Buffer.byteLength(command, "utf8") <= AGENT_REPLY_LIMITS.commandBytes,
            `is larger than the ${AGENT_REPLY_LIMITS.commandBytes}-byte command limit`,
          ),
        reason: z.string().max(AGENT_REPLY_LIMITS.reasonChars).optional(),
      }),
    )
    .max(AGENT_REPLY_LIMITS.proposedCommands)
    .default([]),
});

const HEAD_CHARS = 500;

export interface ReplyBody {
  readonly contentType: string | undefined;
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface ParsedReply {
  readonly reply: AgentReply;
  /** Server-sent events before the result (progress), 0 for a JSON reply. */
  readonly progressEvents: number;
}

export async function readAgentReply(body: ReplyBody, maxBytes: number): Promise<ParsedReply> {
  const type = (body.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "text/event-stream") return readEventStream(body, maxBytes);
  if (type === "application/json" || type.endsWith("+json") || type === "") {
    const text = await readAll(body, maxBytes);
    return {
      reply: validateReply(parseJson(text, body.contentType), text, body.contentType),
      progressEvents: 0,
    };
  }
  const head = await readAll(body, maxBytes).catch(() => "");
  throw malformed(
    `the agent replied with ${type}, not application/json or text/event-stream`,
    head,
    body.contentType,
  );
}

async function readAll(body: ReplyBody, maxBytes: number): Promise<string> {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let bytes = 0;
  for await (const chunk of body.chunks) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) {
      text += decoder.decode(chunk, { stream: true });
      throw malformed(
        `the agent's reply is larger than the limit of ${maxBytes} bytes`,
        text,
        body.contentType,
      );
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** A minimal server-sent-events reader (WHATWG): `event:`, `data:` (joined by newlines), comments, blank line. */
async function readEventStream(body: ReplyBody, maxBytes: number): Promise<ParsedReply> {
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let head = "";
  let bytes = 0;
  let eventType = "";
  let data: string[] = [];
  let dataChars = 0;
  let progressEvents = 0;
  let result: { text: string } | undefined;

  const dispatch = (): void => {
    if (data.length === 0) {
      eventType = "";
      return;
    }
    const text = data.join("\n");
    const type = eventType || "message";
    eventType = "";
    data = [];
    dataChars = 0;
    if (type === "result") result = { text };
    else if (type === "error") {
      throw new AgentError(`the agent reported an error: ${redactBounded(errorMessage(text), HEAD_CHARS)}`, {
        contentType: "text/event-stream",
        replyHead: redactBounded(head, HEAD_CHARS),
      });
    } else progressEvents++;
  };

  const line = (text: string): void => {
    if (text === "") {
      dispatch();
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventType = value;
    else if (field === "data") {
      dataChars += value.length;
      if (dataChars > maxBytes) {
        throw malformed(
          `an event in the agent's reply is larger than the limit of ${maxBytes} bytes`,
          head,
          "text/event-stream",
        );
      }
      data.push(value);
    }
  };

  for await (const chunk of body.chunks) {
    bytes += chunk.byteLength;
    const text = decoder.decode(chunk, { stream: true });
    if (head.length < HEAD_CHARS) head += text.slice(0, HEAD_CHARS - head.length);
    buffer += text;
    // Progress can stream for long; only a bounded amount of undelimited text is ever held.
    if (buffer.length > maxBytes) {
      throw malformed(
        `the agent's event stream sent more than ${maxBytes} bytes without a line break`,
        head,
        "text/event-stream",
      );
    }
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline !== -1) {
      const width = buffer.startsWith("\r\n", newline) ? 2 : 1;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      if (buffer[newline] === "\r" && width === 1 && newline === buffer.length - 1) break;
      line(buffer.slice(0, newline));
      buffer = buffer.slice(newline + width);
      newline = buffer.search(/\r\n|\r|\n/);
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") line(buffer.replace(/\r$/, ""));
  dispatch(); // A final event without its trailing blank line still counts.

  if (!result) {
    throw malformed(
      `the agent's event stream ended without an "event: result" (${progressEvents} other events, ${bytes} bytes)`,
      head,
      "text/event-stream",
    );
  }
  return {
    reply: validateReply(parseJson(result.text, "text/event-stream"), result.text, "text/event-stream"),
    progressEvents,
  };
}

function errorMessage(text: string): string {
  try {
    const value = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof value.message === "string") return value.message;
    if (typeof value.error === "string") return value.error;
  } catch {
    // Not JSON: the data is the message.
  }
  return text;
}

function parseJson(text: string, contentType: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformed(`the agent's reply is not valid JSON (${(error as Error).message})`, text, contentType);
  }
}

function validateReply(value: unknown, text: string, contentType: string | undefined): AgentReply {
  const parsed = agentReplySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.map(String).join(".") || "(reply)"}: ${issue.message}`);
  throw new AgentError(`the agent's reply is not a valid turn: ${redactBounded(problems.join("; "), 1000)}`, {
    contentType: contentType ?? "",
    replyHead: redactBounded(text, HEAD_CHARS),
    problems,
  });
}

function malformed(message: string, head: string, contentType: string | undefined): AgentError {
  return new AgentError(message, {
    contentType: contentType ?? "",
    replyHead: redactBounded(head, HEAD_CHARS),
  });
}
