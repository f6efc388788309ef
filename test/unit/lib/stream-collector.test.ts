import type { InvokeAgentRuntimeCommandStreamOutput } from "@aws-sdk/client-bedrock-agentcore";
import { describe, expect, it } from "vitest";
import type { ArtifactWriter } from "#lib/artifact-store.ts";
import { CommandStreamBrokenError, TransientError } from "#lib/errors.ts";
import { collectCommandStream } from "#lib/stream-collector.ts";

type Event = InvokeAgentRuntimeCommandStreamOutput;

const start: Event = { chunk: { contentStart: {} } };
const out = (stdout: string): Event => ({ chunk: { contentDelta: { stdout } } });
const err = (stderr: string): Event => ({ chunk: { contentDelta: { stderr } } });
const stop = (exitCode: number, status: "COMPLETED" | "TIMED_OUT" = "COMPLETED"): Event => ({
  chunk: { contentStop: { exitCode, status } },
});

async function* events(...list: Event[]): AsyncIterable<Event> {
  for (const event of list) yield event;
}

/** A sink that keeps what it receives (small tests) or only counts it (the large test). */
class MemorySink implements ArtifactWriter {
  readonly uri = "memory://output";
  readonly parts: string[] = [];
  bytes = 0;
  closed = false;
  constructor(private readonly keepText = true) {}
  async write(chunk: string | Uint8Array): Promise<void> {
    this.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.keepText)
      this.parts.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
  }
  async close(): Promise<string> {
    this.closed = true;
    return this.uri;
  }
  async abort(): Promise<void> {}
  get text(): string {
    return this.parts.join("");
  }
}

const options = { headBytes: 64, tailBytes: 64 };

describe("collectCommandStream", () => {
  it("returns the exit code, status and digests of both streams, and pipes the output to the sink", async () => {
    // Prepare
    const sink = new MemorySink();
    // Act
    const result = await collectCommandStream(
      events(start, out("hello\n"), err("warn\n"), out("done\n"), stop(3)),
      {
        ...options,
        sink,
      },
    );
    // Assess
    expect(result).toMatchObject({ exitCode: 3, status: "COMPLETED" });
    expect(result.stdout).toMatchObject({ head: "hello\ndone\n", bytes: 11, lines: 2, truncated: false });
    expect(result.stderr).toMatchObject({ head: "warn\n", bytes: 5, lines: 1 });
    expect(sink.text).toContain("hello\n");
    expect(sink.text).toContain("warn\n");
    expect(sink.bytes).toBe(16);
  });

  it("reports TIMED_OUT as an outcome, not an error", async () => {
    const result = await collectCommandStream(events(start, out("slow"), stop(124, "TIMED_OUT")), options);
    expect(result).toMatchObject({ status: "TIMED_OUT", exitCode: 124 });
  });

  it("masks secrets in digests and in the sink, even when split across events", async () => {
    // Prepare
    const token = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const sink = new MemorySink();
    // Act
    const result = await collectCommandStream(
      events(start, out(`using ${token.slice(0, 9)}`), out(`${token.slice(9)} now\n`), stop(0)),
      { ...options, sink },
    );
    // Assess
    expect(result.stdout.head).toBe("using [REDACTED:github-token] now\n");
    expect(sink.text).not.toContain(token.slice(9));
    expect(result.stdout.bytes).toBe(`using ${token} now\n`.length);
  });

  it("treats a stream that ends without contentStop as broken, never as success", async () => {
    // Prepare
    const sink = new MemorySink();
    // Act
    const attempt = collectCommandStream(events(start, out("partial output\n")), { ...options, sink });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(CommandStreamBrokenError);
    await expect(attempt).rejects.toMatchObject({
      name: "CommandStreamBrokenError",
      details: { started: true, stdoutBytes: 15 },
    });
    expect(sink.text).toBe("partial output\n");
  });

  it("treats a stream that throws midway (connection reset) as broken", async () => {
    // Prepare
    async function* resetMidway(): AsyncIterable<Event> {
      yield start;
      yield out("some output\n");
      throw Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    }
    // Act
    const attempt = collectCommandStream(resetMidway(), options);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: "CommandStreamBrokenError",
      details: { code: "ECONNRESET", stdoutBytes: 12 },
    });
  });

  it("treats a modelled exception inside the stream as broken and names it", async () => {
    // Prepare: the SDK throws the modelled class for an exception message after the first event
    async function* throttledMidway(): AsyncIterable<Event> {
      yield start;
      throw Object.assign(new Error("Rate exceeded mid-stream"), {
        name: "ThrottlingException",
        $fault: "client",
      });
    }
    // Act / Assess
    await expect(collectCommandStream(throttledMidway(), options)).rejects.toMatchObject({
      name: "CommandStreamBrokenError",
      details: { sdkError: "ThrottlingException" },
    });
  });

  it("treats an exception member yielded as an event as broken", async () => {
    const attempt = collectCommandStream(
      events(start, {
        internalServerException: { message: "boom", name: "InternalServerException" },
      } as Event),
      options,
    );
    await expect(attempt).rejects.toMatchObject({
      name: "CommandStreamBrokenError",
      details: { sdkError: "InternalServerException" },
    });
  });

  it("treats a missing stream as broken", async () => {
    await expect(collectCommandStream(undefined, options)).rejects.toBeInstanceOf(CommandStreamBrokenError);
  });

  it("reports a failing sink as a TransientError, not as a broken command stream", async () => {
    // Prepare
    const failing: ArtifactWriter = {
      uri: "memory://x",
      write: async () => {
        throw new Error("disk full");
      },
      close: async () => "memory://x",
      abort: async () => {},
    };
    // Act / Assess
    await expect(
      collectCommandStream(events(start, out("x".repeat(10_000)), stop(0)), { ...options, sink: failing }),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it("consumes 128 MiB of output in bounded memory and streams all of it to the sink", async () => {
    // Prepare: 64 KiB events (the service's maximum), 2048 of them, with a varying last line
    const line = "  ✓ test/some.test.ts > case passes 1ms\n";
    const block = line.repeat(Math.floor(65_536 / Buffer.byteLength(line)));
    const count = 2048;
    async function* huge(): AsyncIterable<Event> {
      yield start;
      for (let i = 0; i < count; i++) yield out(i === count - 1 ? `${block}last line\n` : block);
      yield stop(0);
    }
    const sink = new MemorySink(false);
    const expectedBytes = Buffer.byteLength(block) * count + "last line\n".length;
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    // Act
    const result = await collectCommandStream(huge(), { headBytes: 2048, tailBytes: 6144, sink });
    const growth = process.memoryUsage().rss - before;
    // Assess
    expect(result.stdout.bytes).toBe(expectedBytes);
    expect(sink.bytes).toBe(expectedBytes);
    expect(result.stdout.tail.endsWith("last line\n")).toBe(true);
    expect(result.stdout.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout.head)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(result.stdout.tail)).toBeLessThanOrEqual(6144);
    // A collector that buffered the output would grow by at least its 128 MiB.
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });
});
