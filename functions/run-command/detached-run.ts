import { createHash } from "node:crypto";
import { type CommandRun, type CommandRunnerDependencies, runCommandInSession } from "#lib/command-runner.ts";
import type { CommandOutcome } from "#lib/contracts.ts";
import { CommandStreamBrokenError, PlatformError } from "#lib/errors.ts";
import { digestText } from "#lib/output-digest.ts";
import { redactBounded } from "#lib/redaction.ts";
import { shellQuote } from "#lib/shell-quote.ts";
import { toolCacheExports } from "#lib/workspace-shell.ts";

/**
 * A command too long for one Lambda invocation runs detached inside the session: started with `nohup setsid` so it
 * outlives the starting command, its output redirected to `<workspace>/.repair/runs/<runId>/output` and its exit
 * status written to `.../exit` (atomically, by rename) when it ends. Later invocations poll that directory and,
 * once it is done, stream the output file through the normal collector into the artifact store.
 *
 * Every value that reaches these scripts is single-quoted; the command itself is passed as one quoted argument
 * to `bash -c`, never spliced into the script's syntax.
 */

/** Exit codes of GNU `timeout`: 124 when it stopped the command, 128+9 when it had to kill it. */
const TIMEOUT_EXIT_CODES = new Set([124, 137]);
/** Grace period `timeout` gives a command after SIGTERM before SIGKILL. */
const KILL_AFTER_SECONDS = 10;
/** Bookkeeping commands (start, poll, cleanup) are quick; this only bounds a stuck session. */
const BOOKKEEPING_TIMEOUT_SECONDS = 60;

export interface DetachedRunIdentity {
  readonly executionName: string;
  readonly iteration: number;
  readonly purpose: string;
  readonly commandHash: string;
}

/**
 * Deterministic, so a retried start finds the run it already started instead of starting a second one.
 * 20 hex characters: a safe directory name.
 */
export function detachedRunId(identity: DetachedRunIdentity): string {
  return createHash("sha256")
    .update(`${identity.executionName}\n${identity.iteration}\n${identity.purpose}\n${identity.commandHash}`)
    .digest("hex")
    .slice(0, 20);
}

export function runDirectory(workspacePath: string, runId: string): string {
  return `${workspacePath}/.repair/runs/${runId}`;
}

export interface DetachedScriptInput {
  readonly workspacePath: string;
  readonly runId: string;
  readonly command: string;
  readonly timeoutSeconds: number;
  readonly toolCacheDir: string;
}

/** The script the background process runs: the command under `timeout`, output to a file, then the exit file. */
export function backgroundScript(input: DetachedScriptInput): string {
  const dir = shellQuote(runDirectory(input.workspacePath, input.runId), "runDirectory");
  const finish = `printf '%s %s %s\\n' "$code" "$start" "$(date +%s%3N)" > ${dir}/exit.tmp && mv ${dir}/exit.tmp ${dir}/exit`;
  return [
    `start=$(date +%s%3N)`,
    `cd ${shellQuote(input.workspacePath, "workspacePath")} || { code=97; ${finish}; exit 0; }`,
    toolCacheExports(input.toolCacheDir),
    `timeout --kill-after=${KILL_AFTER_SECONDS} ${input.timeoutSeconds} bash -c ${shellQuote(input.command, "command")} > ${dir}/output 2>&1 < /dev/null`,
    `code=$?`,
    finish,
  ].join("\n");
}

/** Starts the background process unless this run was already started (idempotent). */
export function startScript(input: DetachedScriptInput): string {
  const dir = shellQuote(runDirectory(input.workspacePath, input.runId), "runDirectory");
  return [
    `if [ -f ${dir}/started ]; then echo "state=already-started"; exit 0; fi`,
    `mkdir -p ${dir} || exit 1`,
    `cat /proc/sys/kernel/random/boot_id > ${dir}/boot_id 2>/dev/null || true`,
    `date +%s%3N > ${dir}/started`,
    `nohup setsid bash -c ${shellQuote(backgroundScript(input), "command")} > /dev/null 2>&1 < /dev/null &`,
    "pid=$!",
    `echo "$pid" > ${dir}/pid`,
    // Until setsid() has run, the child is still in this command's process group, which the runtime may kill as
    // soon as this command exits (the emulator does): wait until it leads its own session.
    "for _ in $(seq 1 100); do",
    `  ${PROC_STAT_FIELDS} || break`,
    '  [ "$4" = "$pid" ] && break',
    "  sleep 0.05",
    "done",
    `echo "state=started"`,
  ].join("\n");
}

/** Sets $1.. to the fields after `(comm)` in /proc/$pid/stat: $1 state, $2 ppid, $3 pgrp, $4 session. */
const PROC_STAT_FIELDS = 'read -r stat 2>/dev/null < "/proc/$pid/stat" && set -- ${stat##*) }';

/**
 * Reports the run's state as `key=value` lines. "lost": no exit file and the process is gone, or the session's
 * machine changed (boot id) since it started: the session was stopped or restarted under it.
 */
export function pollScript(workspacePath: string, runId: string): string {
  const dir = shellQuote(runDirectory(workspacePath, runId), "runDirectory");
  return [
    `if [ ! -f ${dir}/started ]; then echo "state=unknown"; exit 0; fi`,
    `finished() { echo "state=done"; echo "exit=$(cat ${dir}/exit)"; }`,
    `pid=$(cat ${dir}/pid 2>/dev/null)`,
    // Alive: the process exists and is not a zombie (kill -0 succeeds on zombies), on the machine that started it.
    `alive() { [ -n "$pid" ] && ${PROC_STAT_FIELDS} && [ "$1" != Z ] && [ "$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)" = "$(cat ${dir}/boot_id 2>/dev/null)" ]; }`,
    `if [ -f ${dir}/exit ]; then finished`,
    `elif alive; then echo "state=running"`,
    // It may have finished between the two checks.
    `elif [ -f ${dir}/exit ]; then finished`,
    `else echo "state=lost"; fi`,
    `echo "started=$(cat ${dir}/started)"`,
    `echo "size=$(stat -c %s ${dir}/output 2>/dev/null || echo 0)"`,
  ].join("\n");
}

export function readOutputScript(workspacePath: string, runId: string): string {
  return `cat ${shellQuote(`${runDirectory(workspacePath, runId)}/output`, "runDirectory")}`;
}

/** Frees session storage once the output is safely in the artifact store (the run directory keeps `exit`). */
export function cleanupScript(workspacePath: string, runId: string): string {
  return `rm -f ${shellQuote(`${runDirectory(workspacePath, runId)}/output`, "runDirectory")}`;
}

export type RunState =
  | { readonly state: "running"; readonly startedMs: number; readonly outputBytes: number }
  | {
      readonly state: "done";
      readonly startedMs: number;
      readonly exitCode: number;
      readonly commandStartMs: number;
      readonly commandEndMs: number;
    }
  | { readonly state: "lost" | "unknown"; readonly startedMs?: number };

/** Parses the poll script's `key=value` lines. */
export function parseRunState(text: string): RunState {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0) values.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
  }
  const startedMs = Number(values.get("started"));
  const state = values.get("state");
  if (state === "done") {
    const [code, start, end] = (values.get("exit") ?? "").split(/\s+/).map(Number);
    if (code !== undefined && Number.isInteger(code)) {
      return {
        state: "done",
        startedMs,
        exitCode: code,
        commandStartMs: start ?? startedMs,
        commandEndMs: end ?? startedMs,
      };
    }
  }
  if (state === "running") return { state, startedMs, outputBytes: Number(values.get("size") ?? 0) || 0 };
  if (state === "lost") return Number.isFinite(startedMs) ? { state, startedMs } : { state };
  return { state: "unknown" };
}

export function timedOut(exitCode: number, elapsedMs: number, timeoutSeconds: number): boolean {
  return TIMEOUT_EXIT_CODES.has(exitCode) && elapsedMs >= timeoutSeconds * 1000 - 1000;
}

/** The bookkeeping call shared by start, poll and cleanup: unrecorded, short, and it must succeed. */
export async function bookkeeping(
  deps: CommandRunnerDependencies,
  base: Omit<CommandRun, "script" | "timeoutSeconds" | "record" | "keepOutput">,
  script: string,
  what: string,
): Promise<string> {
  const outcome: CommandOutcome = await runCommandInSession(deps, {
    ...base,
    script,
    timeoutSeconds: BOOKKEEPING_TIMEOUT_SECONDS,
    record: false,
    keepOutput: false,
  });
  if (outcome.status !== "COMPLETED" || outcome.exitCode !== 0) {
    throw new PlatformError(
      `could not ${what} the detached command (exit ${outcome.exitCode}, ${outcome.status})`,
      {
        exitCode: outcome.exitCode,
        stderr: redactBounded(outcome.stderr.head + outcome.stderr.tail, 500),
      },
    );
  }
  return digestText(outcome.stdout);
}

export function lostRunError(runId: string, state: RunState): CommandStreamBrokenError {
  return new CommandStreamBrokenError(
    state.state === "unknown"
      ? `the detached command ${runId} has no record in the workspace (the workspace was reset or the run never started)`
      : `the detached command ${runId} ended without an exit status: the session was stopped or restarted while it ran`,
    { runId, state: state.state },
  );
}
