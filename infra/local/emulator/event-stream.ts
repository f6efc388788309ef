import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";

/**
 * Frames for the InvokeAgentRuntimeCommand response stream, encoded with the SDK's own event-stream codec
 * (`@smithy/core/event-streams`, whose CRC32 uses Node's zlib) so the bytes are exactly what the SDK decodes.
 */
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

const chunkHeaders: MessageHeaders = {
  ":event-type": { type: "string", value: "chunk" },
  ":content-type": { type: "string", value: "application/json" },
  ":message-type": { type: "string", value: "event" },
};

function encode(headers: MessageHeaders, payload: string): Uint8Array {
  return codec.encode({ headers, body: Buffer.from(payload, "utf8") });
}

export type CommandStatus = "COMPLETED" | "TIMED_OUT";
export type OutputChannel = "stdout" | "stderr";

export const frames = {
  contentStart: (): Uint8Array => encode(chunkHeaders, '{"contentStart":{}}'),
  contentDelta: (channel: OutputChannel, text: string): Uint8Array =>
    encode(chunkHeaders, `{"contentDelta":{${JSON.stringify(channel)}:${JSON.stringify(text)}}}`),
  contentStop: (exitCode: number, status: CommandStatus): Uint8Array =>
    encode(chunkHeaders, JSON.stringify({ contentStop: { exitCode, status } })),
  /**
   * A modelled exception inside the stream: `:exception-type` is the union member name in lowerCamel
   * (`throttlingException`, `internalServerException`, ...), which the SDK maps to its exception class.
   */
  exception: (exceptionType: string, message: string): Uint8Array =>
    encode(
      {
        ":message-type": { type: "string", value: "exception" },
        ":exception-type": { type: "string", value: exceptionType },
        ":content-type": { type: "string", value: "application/json" },
      },
      JSON.stringify({ message }),
    ),
} as const;
