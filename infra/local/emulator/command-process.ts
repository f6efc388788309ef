import type { Writable } from "node:stream";
import { type CommandStatus, frames, type OutputChannel } from "./event-stream.ts";
import { Utf8Chunker } from "./output-chunker.ts";
import type { SessionNamespace } from "./session-namespace.ts";

/** How a command's stream should misbehave (fault injection); undefined for a faithful stream. */
export type StreamFault =
  | { readonly kind: "cut-stream"; readonly afterBytes: number }
  | { readonly kind: "no-content-stop" }
  | {
      readonly kind: "stream-exception";
      readonly exceptionType: string;
      readonly message: string;
      readonly afterBytes: number;
    };

export interface CommandRun {
  readonly command: string;
  readonly timeoutSeconds: number;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly maxFileBytes?: number;
  /** The HTTP response body; frames are written as they are produced, honouring backpressure. */
  readonly out: Writable;
  /** Aborted when the client goes away or the session stops: the process group is killed. */
  readonly signal: AbortSignal;
  readonly fault?: StreamFault;
}

export interface CommandResult {
  /** undefined when no contentStop was sent (killed by stop, client gone, or an injected fault). */
  readonly exitCode?: number;
  readonly status?: CommandStatus;
  readonly outputBytes: number;
  readonly durationMs: number;
}

/** Exit code reported with TIMED_OUT: the process group was killed with SIGKILL, as a shell reports it. */
const TIMED_OUT_EXIT_CODE = 128 + 9;

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGXFSZ: 25,
};

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}

/**
 * Runs one command as a fresh `bash -c` (no stdin, own process group) inside the session namespace and streams
 * it as the service does: contentStart at once, contentDelta pieces of at most 64 KB as output arrives, then
 * contentStop with the exit code and COMPLETED, or TIMED_OUT after the group was killed.
 */
export function runCommand(run: CommandRun, namespace: SessionNamespace): Promise<CommandResult> {
  const started = performance.now();
  const { out, fault } = run;
  out.write(frames.contentStart());

  const child = namespace.spawnCommand(run.command, {
    env: run.env,
    cwd: run.cwd,
    ...(run.maxFileBytes === undefined ? {} : { maxFileBytes: run.maxFileBytes }),
  });
  let outputBytes = 0;
  let timedOut = false;
  let broken = false;
  let waitingForDrain = false;
  let finished = false;
  const streams = [child.stdout, child.stderr].filter((s) => s !== null);

  const breakStream = (how: "destroy" | "end", lastFrame?: Uint8Array): void => {
    if (broken) return;
    broken = true;
    killGroup(child.pid);
    if (how === "destroy") out.destroy();
    else out.end(lastFrame);
  };

  const onOutput = (channel: OutputChannel, chunker: Utf8Chunker) => (bytes: Buffer) => {
    if (broken) return;
    for (const text of chunker.push(bytes)) emit(channel, text);
  };
  const emit = (channel: OutputChannel, text: string): void => {
    if (broken) return;
    outputBytes += Buffer.byteLength(text, "utf8");
    if (fault?.kind === "cut-stream" && outputBytes >= fault.afterBytes) {
      breakStream("destroy");
      return;
    }
    if (!out.write(frames.contentDelta(channel, text)) && !waitingForDrain) {
      waitingForDrain = true;
      for (const s of streams) s.pause();
      out.once("drain", () => {
        waitingForDrain = false;
        for (const s of streams) s.resume();
      });
    }
    if (fault?.kind === "stream-exception" && outputBytes >= fault.afterBytes) {
      breakStream("end", frames.exception(fault.exceptionType, fault.message));
    }
  };
  const chunkers = { stdout: new Utf8Chunker(), stderr: new Utf8Chunker() };
  child.stdout?.on("data", onOutput("stdout", chunkers.stdout));
  child.stderr?.on("data", onOutput("stderr", chunkers.stderr));

  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, run.timeoutSeconds * 1000);
  const onAbort = (): void => breakStream("destroy");
  run.signal.addEventListener("abort", onAbort, { once: true });
  if (fault?.kind === "stream-exception" && fault.afterBytes === 0) {
    breakStream("end", frames.exception(fault.exceptionType, fault.message));
  }

  return new Promise((resolve) => {
    const finish = (exitCode: number): void => {
      // 'error' (spawn failed) can be followed by 'close': the stream ends once.
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      run.signal.removeEventListener("abort", onAbort);
      for (const channel of ["stdout", "stderr"] as const) {
        for (const text of chunkers[channel].end()) emit(channel, text);
      }
      const durationMs = performance.now() - started;
      if (broken || fault?.kind === "no-content-stop") {
        if (!broken) out.end();
        resolve({ outputBytes, durationMs });
        return;
      }
      const status: CommandStatus = timedOut ? "TIMED_OUT" : "COMPLETED";
      const reported = timedOut ? TIMED_OUT_EXIT_CODE : exitCode;
      out.end(frames.contentStop(reported, status));
      resolve({ exitCode: reported, status, outputBytes, durationMs });
    };
    child.once("error", (error) => {
      // nsenter itself could not start: a platform error, reported as the model documents (-1).
      if (!broken) out.write(frames.contentDelta("stderr", `agentcore-emulator: ${error.message}\n`));
      finish(-1);
    });
    // When bash exits, whatever it left in its group (background jobs holding our pipes) ends with it.
    child.once("exit", () => killGroup(child.pid));
    child.once("close", (code, signal) => {
      finish(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 0));
    });
  });
}
