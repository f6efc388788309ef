import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdir, readlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";

/**
 * A session's private mount namespace, where session storage is bind-mounted at the mount path.
 *
 * Building a namespace costs tens of milliseconds, so it is built once per session compute: a small holder
 * process (`unshare` → `bash` setup → `exec cat`) keeps it alive, and every command or agent process enters it
 * with `nsenter`, which only calls setns(2) and execs: each command is still a fresh `bash`. The holder reads a
 * pipe from the emulator, so it also ends when the emulator dies.
 */
class NamespaceUnavailableError extends Error {
  override readonly name = "NamespaceUnavailableError";
}

const SETUP_SCRIPT = `set -eu
storage="$1"; mount_path="$2"
if [ ! -d "$mount_path" ]; then
  # The mount point does not exist on this host: create it on a private tmpfs over its parent, visible only here.
  parent=$(dirname "$mount_path")
  mount -t tmpfs -o mode=0755,size=1m agentcore-emulator "$parent"
  mkdir -p "$mount_path"
fi
mount --bind "$storage" "$mount_path"
echo ready
exec cat > /dev/null`;

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
/** Without root, a user namespace mapping us to root gives the right to mount inside it. */
const unshareFlags = isRoot
  ? ["--mount", "--propagation", "private"]
  : ["--map-root-user", "--mount", "--propagation", "private"];
const nsenterFlags = isRoot ? ["-m"] : ["-U", "-m", "--preserve-credentials"];

/**
 * `--wd` opens the directory before entering the namespace (so it would point at the host's directory); `--wdns`
 * (util-linux ≥ 2.38) resolves it inside. Older nsenter gets a `cd` by a tiny sh before the exec.
 */
const nsenterHasWdns = (() => {
  const help = spawnSync("nsenter", ["--help"], { encoding: "utf8" });
  return typeof help.stdout === "string" && help.stdout.includes("--wdns");
})();

function enterDirectory(cwd: string): { readonly flags: string[]; readonly prefix: string[] } {
  return nsenterHasWdns
    ? { flags: [`--wdns=${cwd}`], prefix: [] }
    : { flags: [], prefix: ["sh", "-c", 'cd "$0" && exec "$@"', cwd] };
}

/**
 * RLIMIT_FSIZE for a process tree. For `bash` it costs nothing: bash sources $BASH_ENV before running `-c`, and
 * that file sets `ulimit -f` and then removes itself from the environment. Anything else goes through `prlimit`
 * (one more exec, fine for a once-per-session agent, measurable for every command).
 */
const FSIZE_VARIABLE = "AGENTCORE_EMULATOR_FSIZE_BLOCKS";

function withFileSizeLimit(
  limitScript: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  maxFileBytes: number | undefined,
): { readonly argv: readonly string[]; readonly env: NodeJS.ProcessEnv } {
  if (maxFileBytes === undefined) return { argv, env };
  const bytes = Math.max(0, Math.floor(maxFileBytes));
  if (argv[0] !== "bash") return { argv: ["prlimit", `--fsize=${bytes}`, "--", ...argv], env };
  // bash counts `ulimit -f` in 1024-byte blocks.
  return { argv, env: { ...env, BASH_ENV: limitScript, [FSIZE_VARIABLE]: String(Math.floor(bytes / 1024)) } };
}

/**
 * The waiting process: reads the file-size limit (1024-byte blocks, or "unlimited") and the command text from fd 3,
 * closes it, sets the limit, and execs a fresh `bash -c` (same pid, so it stays its process group's leader). stdin
 * is /dev/null, as for every command.
 */
const WAITING_COMMAND = `IFS= read -r blocks <&3 || exit 125
IFS= read -r -d '' command <&3
exec 3<&-
[ "$blocks" = unlimited ] || ulimit -f "$blocks"
exec bash -c "$command"`;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

const HOW_TO_FIX =
  "The emulator gives each session a private mount namespace so commands see session storage at the mount path. " +
  "Run it as root (e.g. in a Linux container or VM), or enable unprivileged user namespaces " +
  "(sysctl -w kernel.unprivileged_userns_clone=1 on Debian/Ubuntu, user.max_user_namespaces > 0), " +
  "and make sure util-linux's `unshare` and `nsenter` are installed. macOS and Windows need a Linux VM.";

let supportChecked: Promise<void> | undefined;

/** Fails with a message that says what to do when this machine cannot create mount namespaces. */
export function checkNamespaceSupport(): Promise<void> {
  supportChecked ??= (async () => {
    if (process.platform !== "linux") {
      throw new NamespaceUnavailableError(
        `mount namespaces need Linux, this is ${process.platform}. ${HOW_TO_FIX}`,
      );
    }
    const probe = spawnSync("unshare", [...unshareFlags, "--", "true"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim();
      throw new NamespaceUnavailableError(`cannot create a mount namespace (unshare: ${why}). ${HOW_TO_FIX}`);
    }
  })();
  return supportChecked;
}

export interface SpawnInsideOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** RLIMIT_FSIZE for the process tree: no single file may grow past this many bytes. */
  readonly maxFileBytes?: number;
  readonly stdio?: "pipe" | "ignore";
}

export class SessionNamespace {
  private warm:
    | { readonly child: ChildProcess; readonly env: NodeJS.ProcessEnv; readonly cwd: string }
    | undefined;
  private closed = false;

  private constructor(
    private readonly holder: ChildProcess,
    readonly holderPid: number,
    private readonly namespaceId: string,
    private readonly limitScript: string,
  ) {}

  static async create(storageDir: string, mountPath: string): Promise<SessionNamespace> {
    await checkNamespaceSupport();
    const holder = spawn(
      "unshare",
      [...unshareFlags, "--", "bash", "-c", SETUP_SCRIPT, "agentcore-session", storageDir, mountPath],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    holder.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const ready = new Promise<void>((resolve, reject) => {
      holder.stdout?.setEncoding("utf8").on("data", (text: string) => {
        if (text.includes("ready")) resolve();
      });
      holder.once("exit", (code) =>
        reject(
          new NamespaceUnavailableError(`session namespace setup failed (exit ${code}): ${stderr.trim()}`),
        ),
      );
      holder.once("error", (error) =>
        reject(new NamespaceUnavailableError(`cannot start unshare: ${error.message}`)),
      );
    });
    await ready;
    const pid = holder.pid;
    if (pid === undefined) throw new NamespaceUnavailableError("unshare started without a pid");
    const namespaceId = await readlink(`/proc/${pid}/ns/mnt`);
    // Beside the storage, not in it: the session cannot see or change it.
    const limitScript = join(dirname(storageDir), "fsize-limit.sh");
    await writeFile(limitScript, `ulimit -f "\${${FSIZE_VARIABLE}}"\nunset ${FSIZE_VARIABLE} BASH_ENV\n`, {
      mode: 0o644,
    });
    return new SessionNamespace(holder, pid, namespaceId, limitScript);
  }

  /** Starts argv inside the namespace as the leader of a new process group (so the group can be killed). */
  spawn(argv: readonly string[], options: SpawnInsideOptions): ChildProcess {
    const stdio = options.stdio ?? "pipe";
    const limited = withFileSizeLimit(this.limitScript, argv, options.env, options.maxFileBytes);
    return this.spawnRaw(limited.argv, limited.env, options.cwd, ["ignore", stdio, stdio]);
  }

  private spawnRaw(
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
    stdio: ("ignore" | "pipe")[],
  ): ChildProcess {
    const directory = enterDirectory(cwd);
    return spawn(
      "nsenter",
      ["-t", String(this.holderPid), ...nsenterFlags, ...directory.flags, "--", ...directory.prefix, ...argv],
      { detached: true, env, stdio, cwd: "/" },
    );
  }

  /**
   * Starts a command as a fresh `bash -c` in its own process group. When a waiting process is ready (started
   * earlier with the same environment and directory), the command only has to be written to it: the fork of this
   * process and nsenter's setns stay off the command's path. Otherwise the command starts directly.
   */
  spawnCommand(command: string, options: Omit<SpawnInsideOptions, "stdio">): ChildProcess {
    const warm = this.warm;
    this.warm = undefined;
    const usable =
      warm && warm.env === options.env && warm.cwd === options.cwd && warm.child.exitCode === null;
    if (!usable) {
      if (warm) killGroup(warm.child.pid);
      const child = this.spawn(["bash", "-c", command], options);
      child.once("exit", () => this.prewarm(options));
      return child;
    }
    const blocks =
      options.maxFileBytes === undefined
        ? "unlimited"
        : String(Math.floor(Math.max(0, options.maxFileBytes) / 1024));
    (warm.child.stdio[3] as Writable | null)?.end(`${blocks}\n${command}\0`);
    // The next one starts once this command is over, so it never competes with the command for the CPU.
    warm.child.once("exit", () => this.prewarm(options));
    return warm.child;
  }

  /** Starts the next command's waiting process in the background. */
  private prewarm(options: Omit<SpawnInsideOptions, "stdio">): void {
    setImmediate(() => {
      if (this.closed || this.warm) return;
      const child = this.spawnRaw(["bash", "-c", WAITING_COMMAND], options.env, options.cwd, [
        "ignore",
        "pipe",
        "pipe",
        "pipe",
      ]);
      child.on("error", () => undefined);
      child.stdio[3]?.on("error", () => undefined);
      this.warm = { child, env: options.env, cwd: options.cwd };
    });
  }

  /** Kills every process inside the namespace, including those that left their process group. */
  async killAll(): Promise<void> {
    const victims: number[] = [];
    for (const entry of await readdir("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === this.holderPid) continue;
      try {
        if ((await readlink(`/proc/${pid}/ns/mnt`)) === this.namespaceId) victims.push(pid);
      } catch {
        // The process ended while we looked, or is not ours to inspect.
      }
    }
    for (const pid of victims) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  /** Kills everything inside, then the holder; the namespace (and its mounts) disappears with it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.warm) killGroup(this.warm.child.pid);
    this.warm = undefined;
    await this.killAll();
    if (this.holder.exitCode === null && this.holder.signalCode === null) {
      const exited = once(this.holder, "exit");
      this.holder.kill("SIGKILL");
      await exited;
    }
  }
}
