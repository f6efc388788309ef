import type { InvokeAgentRuntimeCommandStreamOutput } from "@aws-sdk/client-bedrock-agentcore";
import { toRepairError } from "./agentcore-errors.ts";
import type { ArtifactWriter } from "./artifact-store.ts";
import type { OutputDigest } from "./contracts.ts";
import { CommandStreamBrokenError, TransientError } from "./errors.ts";
import { OutputDigestBuilder } from "./output-digest.ts";
import { StreamRedactor } from "./redaction.ts";

/**
 * Consumes the event stream of InvokeAgentRuntimeCommand (`contentStart`, `contentDelta{stdout|stderr}`,
 * `contentStop{exitCode,status}`) without holding the output in memory: each delta is redacted, its head and tail
 * kept for state, its bytes and lines counted, and the redacted text piped to the artifact sink (stdout and stderr
 * interleaved in arrival order, as a terminal would show them) and to the optional reader (the failure digest). Only a `contentStop` makes an outcome: a stream
 * that ends without one, or breaks, is a CommandStreamBrokenError.
 */

export interface CollectOptions {
  readonly headBytes: number;
  readonly tailBytes: number;
  /** Receives the full redacted output while it streams. */
  readonly sink?: ArtifactWriter;
  /**
   * Keep stdout exactly as it arrived, unredacted, up to this many characters (the system's own measure/export
   * commands, whose output is base64 the caller decodes). More than that is reported as `captureOverflow`.
   */
  readonly captureStdoutChars?: number;
  /** Reads the redacted text of each stream as it passes (the failure digest of a validation command). */
  readonly reader?: OutputReader;
}

interface OutputReader {
  push(stream: "stdout" | "stderr", redacted: string): void;
}

export interface CollectedCommand {
  readonly exitCode: number;
  readonly status: "COMPLETED" | "TIMED_OUT";
  readonly stdout: OutputDigest;
  readonly stderr: OutputDigest;
  readonly capturedStdout?: string;
  readonly captureOverflow?: boolean;
}

const utf8 = new TextEncoder();

class OutputChannel {
  readonly digest: OutputDigestBuilder;
  readonly #redactor = new StreamRedactor();
  readonly #sink: ArtifactWriter | undefined;
  readonly #reader: OutputReader | undefined;
  readonly #stream: "stdout" | "stderr";

  constructor(options: CollectOptions, stream: "stdout" | "stderr") {
    this.digest = new OutputDigestBuilder(options.headBytes, options.tailBytes);
    this.#sink = options.sink;
    this.#reader = options.reader;
    this.#stream = stream;
  }

  async push(raw: string): Promise<void> {
    this.digest.count(raw);
    await this.#emit(this.#redactor.push(raw));
  }

  async end(): Promise<void> {
    await this.#emit(this.#redactor.end());
  }

  async #emit(redacted: string): Promise<void> {
    if (redacted.length === 0) return;
    this.#reader?.push(this.#stream, redacted);
    // TextEncoder is several times faster than Buffer.from for non-ASCII (two-byte) strings; wrap without copying.
    const encoded = utf8.encode(redacted);
    const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    this.digest.keep(bytes);
    if (this.#sink) {
      try {
        await this.#sink.write(bytes);
      } catch (error) {
        throw new SinkFailure(error);
      }
    }
  }
}

/** Marks a failure of the artifact store (ours), as opposed to a failure of the command stream (theirs). */
class SinkFailure extends Error {
  constructor(readonly original: unknown) {
    super("artifact sink failed");
  }
}

type StreamEvent = InvokeAgentRuntimeCommandStreamOutput;

const EXCEPTION_MEMBERS = [
  "accessDeniedException",
  "internalServerException",
  "resourceNotFoundException",
  "serviceQuotaExceededException",
  "throttlingException",
  "validationException",
  "runtimeClientError",
] as const;

export async function collectCommandStream(
  stream: AsyncIterable<StreamEvent> | undefined,
  options: CollectOptions,
): Promise<CollectedCommand> {
  const stdout = new OutputChannel(options, "stdout");
  const stderr = new OutputChannel(options, "stderr");
  let started = false;
  let stop: { exitCode: number; status: "COMPLETED" | "TIMED_OUT" } | undefined;
  let streamFailure: unknown;
  const capture = options.captureStdoutChars;
  const captured: string[] = [];
  let capturedChars = 0;
  let captureOverflow = false;

  const sizes = () => ({ started, stdoutBytes: stdout.digest.rawBytes, stderrBytes: stderr.digest.rawBytes });

  try {
    if (!stream) throw new Error("the response carried no event stream");
    for await (const event of stream) {
      const member = exceptionMember(event);
      if (member) {
        throw Object.assign(new Error(member.message), { name: member.name });
      }
      const chunk = event.chunk;
      if (!chunk) continue; // Unknown union members are ignored, as the SDK itself ignores unknown event types.
      if (chunk.contentStart) started = true;
      if (chunk.contentDelta) {
        const text = chunk.contentDelta.stdout;
        if (text && capture !== undefined && !captureOverflow) {
          capturedChars += text.length;
          if (capturedChars > capture) captureOverflow = true;
          else captured.push(text);
        }
        if (text) await stdout.push(text);
        if (chunk.contentDelta.stderr) await stderr.push(chunk.contentDelta.stderr);
      }
      if (chunk.contentStop) {
        const { exitCode, status } = chunk.contentStop;
        stop = {
          exitCode: typeof exitCode === "number" ? exitCode : -1,
          status: status === "TIMED_OUT" ? "TIMED_OUT" : "COMPLETED",
        };
        break;
      }
    }
  } catch (error) {
    if (error instanceof SinkFailure) {
      throw new TransientError(
        `could not store the command output: ${(error.original as Error)?.message ?? String(error.original)}`,
        sizes(),
        { cause: error.original },
      );
    }
    streamFailure = error;
  }

  // Whatever happened, flush what the redactors hold so the artifact has everything that arrived.
  await stdout.end().catch(() => undefined);
  await stderr.end().catch(() => undefined);

  if (streamFailure !== undefined) {
    const mapped = toRepairError(streamFailure, { operation: "InvokeAgentRuntimeCommand", phase: "stream" });
    throw new CommandStreamBrokenError(
      mapped.message,
      { ...mapped.details, ...sizes() },
      { cause: streamFailure },
    );
  }
  if (!stop) {
    throw new CommandStreamBrokenError(
      "the command stream ended without contentStop: the command's exit code and outcome are unknown",
      sizes(),
    );
  }
  return {
    ...stop,
    stdout: stdout.digest.digest(),
    stderr: stderr.digest.digest(),
    ...(capture !== undefined ? { capturedStdout: captured.join(""), captureOverflow } : {}),
  };
}

function exceptionMember(event: StreamEvent): { name: string; message: string } | undefined {
  const record = event as unknown as Record<string, { message?: unknown } | undefined>;
  for (const member of EXCEPTION_MEMBERS) {
    const value = record[member];
    if (value) {
      const name = member.charAt(0).toUpperCase() + member.slice(1);
      return { name, message: typeof value.message === "string" ? value.message : name };
    }
  }
  return undefined;
}
