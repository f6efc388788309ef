import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommandCommand,
  type InvokeAgentRuntimeCommandCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { collectCommandStream } from "#lib/stream-collector.ts";
import { type BenchRow, percentile, round } from "./bench-row.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bench_agent-AbCdEf1234";
const SESSION_ID = "bench-session-000000000000000000000000000001";
const SETTLE_MS = 300;
const LINE = "agentcore-repair benchmark: a line of ordinary command output 0123456789\n";

function client(endpoint: string): BedrockAgentCoreClient {
  return new BedrockAgentCoreClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
}

async function startEmulatorProcess(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  // node --import tsx directly, so the pid is the emulator itself (RSS is read from /proc/<pid>/status).
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "infra/local/cli/emulator.ts"),
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--log",
      "/dev/null",
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      const match = /listening on (\S+)/.exec(text);
      if (match?.[1]) resolveEndpoint(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { child, endpoint };
}

async function statusKb(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
}

function timeProcess(command: string): Promise<number> {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const child = spawn("bash", ["-c", command], { stdio: "ignore" });
    child.once("error", reject);
    child.once("close", () => resolveTime(performance.now() - started));
  });
}

type CommandStream = InvokeAgentRuntimeCommandCommandOutput["stream"];

/** Counts stdout bytes as the SDK yields them; a stream without contentStop is an error. */
async function countBytes(stream: CommandStream | undefined): Promise<number> {
  let bytes = 0;
  let stopped = false;
  for await (const event of stream ?? []) {
    const delta = event.chunk?.contentDelta;
    if (delta?.stdout) bytes += delta.stdout.length;
    if (event.chunk?.contentStop) stopped = true;
  }
  if (!stopped) throw new Error("stream ended without contentStop");
  return bytes;
}

/** The tasks' own collector (digests, redaction, byte and line counts). */
async function collectBytes(stream: CommandStream | undefined): Promise<number> {
  return (await collectCommandStream(stream, { headBytes: 2048, tailBytes: 6144 })).stdout.bytes;
}

/** Runs a command through the SDK and reads its stream with `read`, sampling this process's RSS meanwhile. */
async function consume(
  sdk: BedrockAgentCoreClient,
  command: string,
  read: (stream: CommandStream | undefined) => Promise<number> = countBytes,
): Promise<{ ms: number; bytes: number; rssGrowthMb: number }> {
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 20);
  try {
    const started = performance.now();
    const response = await sdk.send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: RUNTIME_ARN,
        runtimeSessionId: SESSION_ID,
        body: { command, timeout: 600 },
      }),
    );
    const bytes = await read(response.stream);
    return { ms: performance.now() - started, bytes, rssGrowthMb: (rssPeak - rssBefore) / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/** A server that replays pre-encoded 64 KB events: the fastest the SDK can decode (its ceiling here). */
async function replayServer(totalBytes: number): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const codec = new EventStreamCodec(
    (b) => Buffer.from(b).toString("utf8"),
    (s) => Buffer.from(s, "utf8"),
  );
  const headers = {
    ":event-type": { type: "string" as const, value: "chunk" },
    ":content-type": { type: "string" as const, value: "application/json" },
    ":message-type": { type: "string" as const, value: "event" },
  };
  const frame = (payload: unknown) =>
    Buffer.from(codec.encode({ headers, body: Buffer.from(JSON.stringify(payload)) }));
  const text = LINE.repeat(Math.ceil(65_536 / LINE.length)).slice(0, 65_536);
  const delta = frame({ contentDelta: { stdout: text } });
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
    res.write(frame({ contentStart: {} }));
    let remaining = Math.ceil(totalBytes / 65_536);
    const pump = () => {
      while (remaining > 0) {
        remaining -= 1;
        if (!res.write(delta)) return void res.once("drain", pump);
      }
      res.end(frame({ contentStop: { exitCode: 0, status: "COMPLETED" } }));
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function emulatorBenchRows(
  options: { readonly outputBytes?: number; readonly roundTrips?: number } = {},
): Promise<BenchRow[]> {
  const outputBytes = options.outputBytes ?? 1024 ** 3;
  const roundTrips = options.roundTrips ?? 60;
  const dataDir = await mkdtemp(join(tmpdir(), "agentcore-bench-"));
  const { child, endpoint } = await startEmulatorProcess(dataDir);
  const sdk = client(endpoint);
  try {
    // Round trip: `echo` through SDK + emulator against a bare `bash -c` spawn, interleaved so both see the same load.
    await consume(sdk, "echo warm-up");
    const viaSdk: number[] = [];
    const bare: number[] = [];
    // Each sample starts from a quiet machine: whatever the previous one left running in the background (the
    // emulator's storage measurement, its next waiting process) must not be billed to the next sample.
    for (let i = 0; i < roundTrips; i += 1) {
      await sleep(SETTLE_MS);
      bare.push(await timeProcess("echo hi"));
      await sleep(SETTLE_MS);
      viaSdk.push((await consume(sdk, "echo hi")).ms);
    }
    const p50 = percentile(viaSdk, 50) - percentile(bare, 50);
    const p95 = percentile(viaSdk, 95) - percentile(bare, 95);

    // Streaming: the same bytes through the raw pipe, the SDK ceiling, and emulator → SDK end to end.
    const produce = `yes '${LINE.trimEnd()}' | head -c ${outputBytes}`;
    const pipeMs = await timeProcess(`${produce} | cat > /dev/null`);
    const replay = await replayServer(outputBytes);
    const ceilingClient = client(replay.endpoint);
    const ceiling = await consume(ceilingClient, "replay");
    ceilingClient.destroy();
    await replay.close();
    const emulatorRssBefore = await statusKb(child.pid!, "VmRSS");
    const endToEnd = await consume(sdk, produce);
    const emulatorPeak = await statusKb(child.pid!, "VmHWM");
    if (endToEnd.bytes !== outputBytes)
      throw new Error(`expected ${outputBytes} bytes, got ${endToEnd.bytes}`);
    const withCollector = await consume(sdk, produce, collectBytes);
    if (withCollector.bytes !== outputBytes)
      throw new Error(`collector saw ${withCollector.bytes} bytes, not ${outputBytes}`);

    const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
    const e2eMbps = mbps(outputBytes, endToEnd.ms);
    const ceilingMbps = mbps(outputBytes, ceiling.ms);
    const pipeMbps = mbps(outputBytes, pipeMs);
    const emulatorGrowthMb = (emulatorPeak - emulatorRssBefore) / 1024;
    const label = `${round(outputBytes / 1024 ** 3, 2)} GiB`;
    return [
      {
        name: "command round trip p50 overhead (echo via SDK+emulator − bare bash -c)",
        value: round(p50),
        unit: "ms",
        baseline: round(percentile(bare, 50)),
        ratio: round(percentile(viaSdk, 50) / percentile(bare, 50)),
        goal: "≤ 10 ms",
        meets: p50 <= 10,
      },
      {
        name: "command round trip p95 overhead",
        value: round(p95),
        unit: "ms",
        baseline: round(percentile(bare, 95)),
        ratio: round(percentile(viaSdk, 95) / percentile(bare, 95)),
        goal: "reported",
        meets: true,
      },
      {
        name: `${label} output through emulator → SDK, vs SDK ceiling (replayed 64 KB events)`,
        value: round(e2eMbps, 1),
        unit: "MiB/s",
        baseline: round(ceilingMbps, 1),
        ratio: round(e2eMbps / ceilingMbps),
        goal: "ratio ≥ 0.6 of the SDK ceiling",
        meets: e2eMbps / ceilingMbps >= 0.6,
      },
      {
        name: `${label} output through emulator → SDK, vs raw pipe through cat (context)`,
        value: round(e2eMbps, 1),
        unit: "MiB/s",
        baseline: round(pipeMbps, 1),
        ratio: round(e2eMbps / pipeMbps, 3),
        goal: "≥ 0.5 asked; the SDK decoder caps it near 0.13 (reference/throughput.md)",
        meets: e2eMbps / pipeMbps >= 0.5,
      },
      {
        name: `${label} output through emulator → SDK → the tasks' stream collector, vs SDK ceiling`,
        value: round(mbps(outputBytes, withCollector.ms), 1),
        unit: "MiB/s",
        baseline: round(ceilingMbps, 1),
        ratio: round(mbps(outputBytes, withCollector.ms) / ceilingMbps),
        goal: "ratio ≥ 0.6 of the SDK ceiling",
        meets: mbps(outputBytes, withCollector.ms) / ceilingMbps >= 0.6,
      },
      {
        name: `collector RSS growth while streaming ${label}`,
        value: round(withCollector.rssGrowthMb, 1),
        unit: "MiB",
        baseline: round(ceiling.rssGrowthMb, 1),
        ratio: round(withCollector.rssGrowthMb / 64),
        goal: "≤ 64 MiB",
        meets: withCollector.rssGrowthMb <= 64,
      },
      {
        name: `emulator RSS growth while streaming ${label}`,
        value: round(emulatorGrowthMb, 1),
        unit: "MiB",
        baseline: round(emulatorRssBefore / 1024, 1),
        ratio: round(emulatorGrowthMb / 64),
        goal: "≤ 64 MiB",
        meets: emulatorGrowthMb <= 64,
      },
      {
        name: `consumer (SDK) RSS growth while streaming ${label}`,
        value: round(endToEnd.rssGrowthMb, 1),
        unit: "MiB",
        baseline: round(ceiling.rssGrowthMb, 1),
        ratio: round(endToEnd.rssGrowthMb / 64),
        goal: "≤ 64 MiB",
        meets: endToEnd.rssGrowthMb <= 64,
      },
    ];
  } finally {
    sdk.destroy();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await rm(dataDir, { recursive: true, force: true });
  }
}
