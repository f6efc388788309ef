import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { runCommand } from "./command-process.ts";
import { type EmulatorConfig, RuntimeCatalog, type RuntimeSettings } from "./config.ts";
import { type EmulatorLog, silentLog } from "./emulator-log.ts";
import { FaultInjector, type Operation } from "./faults.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { ServiceError, serviceErrors, validationError } from "./service-error.ts";
import { checkNamespaceSupport } from "./session-namespace.ts";
import { type Session, SessionRegistry } from "./sessions.ts";
import {
  LIMITS,
  parseCommandBody,
  parseRuntimeTarget,
  parseSessionId,
  type RuntimeTarget,
} from "./validation.ts";

export interface EmulatorOptions {
  /** TCP port on the host; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** Address to listen on. Loopback only unless you know why. @default "127.0.0.1" */
  readonly host?: string;
  /** Where session storage and metadata live; survives restarts. */
  readonly dataDir: string;
  /** Runtimes and their settings (see config.ts); any well-formed ARN is accepted by default. */
  readonly config?: EmulatorConfig;
  /** Region used to expand a bare runtime id into an ARN. @default process.env.AWS_REGION ?? "us-east-1" */
  readonly region?: string;
  /** Where log lines go. @default silent */
  readonly log?: EmulatorLog;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or AWS_ENDPOINT_URL_BEDROCK_AGENTCORE. */
  readonly endpoint: string;
  readonly port: number;
  readonly faults: FaultInjector;
  readonly sessions: SessionRegistry;
  stop(): Promise<void>;
}

const ROUTE = /^\/runtimes\/([^/]+)\/(invocations|commands|stopruntimesession)$/;
const SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id";
const CONTROL_PREFIX = "/_emulator/";
const SMALL_BODY_LIMIT = 1024 * 1024;

function readBody(req: IncomingMessage, limit: number, field: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(validationError([{ name: field, message: `is larger than the limit of ${limit} bytes` }]));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolvePromise(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendError(res: ServerResponse, error: ServiceError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, { "content-type": "application/json", "x-amzn-errortype": error.type });
  res.end(JSON.stringify({ message: error.message, ...error.extra }));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the local AgentCore Runtime data plane; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  await checkNamespaceSupport();
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const log = options.log ?? silentLog;
  const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
  const catalog = new RuntimeCatalog(options.config);
  const sessions = new SessionRegistry(dataDir, log);
  const faults = new FaultInjector();
  const limiter = new RateLimiter();

  const resolveTarget = (label: string, url: URL): { target: RuntimeTarget; settings: RuntimeSettings } => {
    const target = parseRuntimeTarget(decodeURIComponent(label), url.searchParams, region);
    const settings = catalog.settingsFor(target.runtimeArn);
    if (!settings) throw serviceErrors.notFound(`Runtime ${target.runtimeArn} not found`);
    return { target, settings };
  };

  const guard = (operation: Operation, runtimeArn: string, sessionId: string, rate?: number) => {
    if (rate !== undefined && !limiter.tryTake(`${runtimeArn}\n${operation}`, rate))
      throw serviceErrors.throttled();
    const effect = faults.take(operation, sessionId);
    if (effect && "error" in effect) throw effect.error;
    return effect && "stream" in effect ? effect.stream : undefined;
  };

  async function handleCommand(
    req: IncomingMessage,
    res: ServerResponse,
    label: string,
    url: URL,
    requestId: string,
  ) {
    const { target, settings } = resolveTarget(label, url);
    const sessionId = parseSessionId(req.headers[SESSION_HEADER]);
    const body = parseCommandBody(await readBody(req, SMALL_BODY_LIMIT, "body"));
    const fault = guard("command", target.runtimeArn, sessionId, settings.commandsPerSecond);
    const session = await sessions.acquire(target.runtimeArn, sessionId, settings, !settings.strict);
    // Checked before the 200 is written: a session without compute answers 409, not a broken stream.
    const namespace = session.namespace;
    if (!namespace) throw serviceErrors.busy();
    const call = session.begin();
    const client = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) client.abort();
    });
    log.info("InvokeAgentRuntimeCommand", {
      requestId,
      runtimeArn: target.runtimeArn,
      qualifier: target.qualifier,
      sessionId,
      command: body.command,
      timeout: body.timeoutSeconds,
    });
    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", [SESSION_HEADER]: sessionId });
    try {
      const result = await runCommand(
        {
          command: body.command,
          timeoutSeconds: body.timeoutSeconds,
          env: session.env,
          cwd: settings.mountPath,
          maxFileBytes: session.remainingQuota(),
          out: res,
          signal: AbortSignal.any([call.signal, client.signal]),
          ...(fault ? { fault } : {}),
        },
        namespace,
      );
      log.info("command finished", {
        requestId,
        sessionId,
        exitCode: result.exitCode ?? null,
        status: result.status ?? "NO_CONTENT_STOP",
        durationMs: Math.round(result.durationMs),
        outputBytes: result.outputBytes,
      });
    } finally {
      call.end();
    }
  }

  async function handleInvocation(
    req: IncomingMessage,
    res: ServerResponse,
    label: string,
    url: URL,
    requestId: string,
  ) {
    const { target, settings } = resolveTarget(label, url);
    const sessionId = parseSessionId(req.headers[SESSION_HEADER]);
    const payload = await readBody(req, LIMITS.payloadMaxBytes, "payload");
    guard("invoke", target.runtimeArn, sessionId, settings.invocationsPerSecond);
    const session: Session = await sessions.acquire(target.runtimeArn, sessionId, settings, true);
    const call = session.begin();
    log.info("InvokeAgentRuntime", {
      requestId,
      runtimeArn: target.runtimeArn,
      sessionId,
      payloadBytes: payload.length,
    });
    try {
      const agent = await session.agentProcess();
      const client = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) client.abort();
      });
      const started = performance.now();
      await agent.invoke(
        req,
        payload,
        res,
        { [SESSION_HEADER]: sessionId },
        AbortSignal.any([call.signal, client.signal]),
      );
      log.info("invocation finished", {
        requestId,
        sessionId,
        durationMs: Math.round(performance.now() - started),
      });
    } finally {
      call.end();
    }
  }

  async function handleStop(
    req: IncomingMessage,
    res: ServerResponse,
    label: string,
    url: URL,
    requestId: string,
  ) {
    const { target } = resolveTarget(label, url);
    const sessionId = parseSessionId(req.headers[SESSION_HEADER]);
    await readBody(req, SMALL_BODY_LIMIT, "body");
    guard("stop", target.runtimeArn, sessionId);
    log.info("StopRuntimeSession", { requestId, runtimeArn: target.runtimeArn, sessionId });
    await sessions.stop(target.runtimeArn, sessionId);
    res.writeHead(200, { "content-type": "application/json", [SESSION_HEADER]: sessionId });
    res.end("{}");
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path === "faults") {
      if (req.method === "GET") return sendJson(res, 200, { faults: faults.pending() });
      if (req.method === "DELETE") {
        faults.clear();
        return sendJson(res, 200, { faults: [] });
      }
      if (req.method === "POST") {
        const raw = (await readBody(req, SMALL_BODY_LIMIT, "body")).toString("utf8");
        let spec: unknown;
        try {
          spec = JSON.parse(raw);
        } catch {
          throw validationError([{ name: "body", message: "must be a JSON fault specification" }]);
        }
        faults.inject(spec as Parameters<FaultInjector["inject"]>[0]);
        return sendJson(res, 201, { faults: faults.pending() });
      }
    }
    if (path === "sessions" && req.method === "GET") {
      return sendJson(res, 200, {
        sessions: sessions.list().map((s) => ({
          runtimeArn: s.runtimeArn,
          sessionId: s.sessionId,
          state: s.state,
          storage: s.storage.dir,
          usageBytes: s.usageBytes,
        })),
      });
    }
    if (path === "health" && req.method === "GET") return sendJson(res, 200, { status: "ok" });
    throw serviceErrors.notFound(`No control route ${req.method} ${CONTROL_PREFIX}${path}`);
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    res.setHeader("x-amzn-requestid", requestId);
    const url = new URL(req.url ?? "/", "http://emulator.local");
    try {
      if (url.pathname.startsWith(CONTROL_PREFIX)) {
        return await handleControl(req, res, url.pathname.slice(CONTROL_PREFIX.length));
      }
      const match = ROUTE.exec(url.pathname);
      if (!match || req.method !== "POST") {
        throw new ServiceError(
          404,
          "UnknownOperationException",
          `No operation at ${req.method} ${url.pathname}`,
        );
      }
      const [, label = "", operation] = match;
      if (operation === "commands") return await handleCommand(req, res, label, url, requestId);
      if (operation === "invocations") return await handleInvocation(req, res, label, url, requestId);
      return await handleStop(req, res, label, url, requestId);
    } catch (error) {
      if (error instanceof ServiceError) {
        if (error.status >= 500) log.error(error.message, { requestId, type: error.type });
        return sendError(res, error);
      }
      log.error("unexpected emulator error", { requestId, error: (error as Error).stack ?? String(error) });
      sendError(res, serviceErrors.internal((error as Error).message));
    }
  };

  // A few events of room in the socket buffer: a 64 KB event no longer hits backpressure on every write.
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, options.host ?? "127.0.0.1", () => resolvePromise());
  });
  const { port, address } = server.address() as AddressInfo;
  const endpoint = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  log.info("AgentCore emulator listening", { endpoint, dataDir });

  return {
    endpoint,
    port,
    faults,
    sessions,
    async stop() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      await sessions.stopAll();
      server.closeAllConnections();
      await closed;
    },
  };
}
