import { AgentProcess } from "./agent-process.ts";
import type { RuntimeSettings } from "./config.ts";
import type { EmulatorLog } from "./emulator-log.ts";
import { ServiceError, serviceErrors } from "./service-error.ts";
import { SessionNamespace } from "./session-namespace.ts";
import { SessionStorage } from "./storage.ts";

export type SessionState = "starting" | "running" | "stopping" | "stopped";

/** What a session's processes see besides the runtime's own variables (a container has no host environment). */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "LANG", "LC_ALL", "TZ", "HOME", "USER", "TMPDIR", "NODE_EXTRA_CA_CERTS"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return env;
}

const USAGE_MEASURE_DELAY_MS = 250;

/** One (runtime, session): its storage always, its compute (namespace, agent) while running. */
export class Session {
  state: SessionState = "stopped";
  namespace: SessionNamespace | undefined;
  private agent: Promise<AgentProcess> | undefined;
  private inflight = 0;
  private readonly running = new Set<AbortController>();
  private idleTimer: NodeJS.Timeout | undefined;
  private lifetimeTimer: NodeJS.Timeout | undefined;
  private measuring: Promise<void> | undefined;
  private usageTimer: NodeJS.Timeout | undefined;
  /** Last measured storage usage; commands may not grow a file past what is left of the quota. */
  usageBytes = 0;
  readonly storage: SessionStorage;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly runtimeArn: string,
    readonly sessionId: string,
    readonly settings: RuntimeSettings,
    dataDir: string,
    private readonly log: EmulatorLog,
    private readonly onTimeout: (session: Session, reason: "idle" | "max-lifetime") => void,
  ) {
    this.storage = new SessionStorage(dataDir, runtimeArn, sessionId);
    this.env = { ...baseEnvironment(), ...settings.environment };
  }

  async start(): Promise<void> {
    const started = performance.now();
    this.state = "starting";
    try {
      const { expired } = await this.storage.prepare(this.settings.storageRetentionDays);
      if (expired) this.log.info("session storage reset after retention period", this.logKeys());
      this.usageBytes = await this.storage.usageBytes();
      this.namespace = await SessionNamespace.create(this.storage.dir, this.settings.mountPath);
    } catch (error) {
      this.state = "stopped";
      throw error;
    }
    this.state = "running";
    this.lifetimeTimer = setTimeout(
      () => this.onTimeout(this, "max-lifetime"),
      this.settings.maxLifetimeSeconds * 1000,
    );
    this.lifetimeTimer.unref();
    this.log.info("session started", {
      ...this.logKeys(),
      storage: this.storage.dir,
      durationMs: Math.round(performance.now() - started),
    });
  }

  /** Marks the session busy for one call; the returned function ends it (and re-arms the idle timer). */
  begin(): { readonly signal: AbortSignal; readonly end: () => void } {
    const controller = new AbortController();
    this.running.add(controller);
    this.inflight += 1;
    clearTimeout(this.idleTimer);
    let ended = false;
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        this.running.delete(controller);
        this.inflight -= 1;
        if (this.inflight === 0 && this.state === "running") {
          this.idleTimer = setTimeout(
            () => this.onTimeout(this, "idle"),
            this.settings.idleTimeoutSeconds * 1000,
          );
          this.idleTimer.unref();
          this.scheduleUsageMeasure();
        }
      },
    };
  }

  /** Bytes a command may still write into one file before the storage cap. */
  remainingQuota(): number {
    return Math.max(0, this.settings.storageQuotaBytes - this.usageBytes);
  }

  /**
   * After a burst of calls, one measurement: `du` over a large workspace is not free, and a session doing one
   * command after another needs its usage at most a quarter second stale (the quota then applies to the next one).
   */
  private scheduleUsageMeasure(): void {
    if (this.usageTimer) return;
    this.usageTimer = setTimeout(() => {
      this.usageTimer = undefined;
      if (this.inflight === 0) void this.measureUsage();
    }, USAGE_MEASURE_DELAY_MS);
    this.usageTimer.unref();
  }

  measureUsage(): Promise<void> {
    this.measuring ??= (async () => {
      try {
        this.usageBytes = await this.storage.usageBytes();
        await this.storage.touch();
      } catch (error) {
        this.log.warn("could not measure session storage", {
          ...this.logKeys(),
          error: (error as Error).message,
        });
      } finally {
        this.measuring = undefined;
      }
    })();
    return this.measuring;
  }

  agentProcess(): Promise<AgentProcess> {
    const agentSettings = this.settings.agent;
    if (!agentSettings) {
      return Promise.reject(
        serviceErrors.runtimeClient(
          "This runtime has no agent: declare `agent.command` for it in the emulator config (--config)",
        ),
      );
    }
    const namespace = this.namespace;
    if (!namespace) return Promise.reject(serviceErrors.busy());
    const starting = performance.now();
    this.agent ??= AgentProcess.start({
      namespace,
      command: agentSettings.command,
      env: this.env,
      cwd: process.cwd(),
      startTimeoutSeconds: agentSettings.startTimeoutSeconds,
      log: (stream, line) => this.log.info("agent output", { ...this.logKeys(), stream, line }),
    })
      .then((agent) => {
        this.log.info("agent started", {
          ...this.logKeys(),
          durationMs: Math.round(performance.now() - starting),
        });
        return agent;
      })
      .catch((error: unknown) => {
        this.agent = undefined;
        throw error;
      });
    return this.agent.then((agent) => {
      if (agent.running) return agent;
      this.agent = undefined;
      return this.agentProcess();
    });
  }

  /** Stops the compute: running commands are killed and their streams cut; storage stays. */
  async stop(): Promise<void> {
    const started = performance.now();
    this.state = "stopping";
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
    clearTimeout(this.usageTimer);
    this.usageTimer = undefined;
    for (const controller of this.running) controller.abort();
    const agent = this.agent;
    this.agent = undefined;
    if (agent) await agent.then((a) => a.kill()).catch(() => undefined);
    await this.namespace?.close();
    this.namespace = undefined;
    await this.measureUsage();
    this.state = "stopped";
    this.log.info("session stopped", {
      ...this.logKeys(),
      durationMs: Math.round(performance.now() - started),
    });
  }

  logKeys(): Record<string, string> {
    return { runtimeArn: this.runtimeArn, sessionId: this.sessionId };
  }
}

/** All sessions of the emulator, keyed by runtime ARN and session id. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly dataDir: string,
    private readonly log: EmulatorLog,
  ) {}

  private key(runtimeArn: string, sessionId: string): string {
    return `${runtimeArn}\n${sessionId}`;
  }

  /**
   * A running session for one call. A stopped or new session starts (its storage is kept from before); one that
   * is starting or stopping answers 409 RetryableConflictException, as the service does.
   */
  async acquire(
    runtimeArn: string,
    sessionId: string,
    settings: RuntimeSettings,
    create: boolean,
  ): Promise<Session> {
    const key = this.key(runtimeArn, sessionId);
    let session = this.sessions.get(key);
    if (session && (session.state === "starting" || session.state === "stopping")) throw serviceErrors.busy();
    if (session?.state === "running") return session;
    if (!create) throw serviceErrors.notFound(`Session ${sessionId} not found or already terminated`);
    session = new Session(runtimeArn, sessionId, settings, this.dataDir, this.log, (s, reason) => {
      this.log.info(`session ${reason === "idle" ? "idle timeout" : "max lifetime"} reached`, s.logKeys());
      s.stop().catch((error: unknown) =>
        this.log.error("session could not stop", { ...s.logKeys(), error: (error as Error).message }),
      );
    });
    this.sessions.set(key, session);
    try {
      await session.start();
    } catch (error) {
      this.sessions.delete(key);
      if (error instanceof ServiceError) throw error;
      this.log.error("session could not start", { ...session.logKeys(), error: (error as Error).message });
      throw serviceErrors.internal(`Session could not start: ${(error as Error).message}`);
    }
    return session;
  }

  /** StopRuntimeSession: 404 when the session is not running ("not found or already terminated"). */
  async stop(runtimeArn: string, sessionId: string): Promise<void> {
    const session = this.sessions.get(this.key(runtimeArn, sessionId));
    if (!session || session.state === "stopped") {
      throw serviceErrors.notFound(`Session ${sessionId} not found or already terminated`);
    }
    if (session.state !== "running") throw serviceErrors.busy();
    await session.stop();
  }

  list(): readonly Session[] {
    return [...this.sessions.values()];
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.list()
        .filter((s) => s.state === "running")
        .map((s) => s.stop()),
    );
  }
}
