import type { ChildProcess } from "node:child_process";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceError, serviceErrors } from "./service-error.ts";
import type { SessionNamespace } from "./session-namespace.ts";

const PING_INTERVAL_MS = 50;
/** Bytes of an agent's error body quoted in the 424 message. */
const ERROR_BODY_HEAD = 2048;
/** Synchronous invocations are cut after 15 minutes by the service. */
const INVOCATION_TIMEOUT_MS = 15 * 60 * 1000;

export type AgentLog = (stream: "stdout" | "stderr", line: string) => void;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function forwardLines(child: ChildProcess, log: AgentLog): void {
  for (const stream of ["stdout", "stderr"] as const) {
    let pending = "";
    child[stream]?.setEncoding("utf8").on("data", (text: string) => {
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.length > 0) log(stream, line);
    });
  }
}

/**
 * The agent container of a session: started inside the session namespace with PORT set, healthy once `GET /ping`
 * answers 200 with status Healthy or HealthyBusy; `/invocations` bodies are proxied to it.
 */
export class AgentProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(options: {
    readonly namespace: SessionNamespace;
    readonly command: readonly string[];
    readonly env: NodeJS.ProcessEnv;
    readonly cwd: string;
    readonly startTimeoutSeconds: number;
    readonly log: AgentLog;
  }): Promise<AgentProcess> {
    const port = await freePort();
    const child = options.namespace.spawn(options.command, {
      // The container contract binds 0.0.0.0:8080; locally the agent shares the host network, so ask for loopback.
      env: { ...options.env, PORT: String(port), HOST: "127.0.0.1" },
      cwd: options.cwd,
    });
    forwardLines(child, options.log);
    let exited: string | undefined;
    child.once("exit", (code, signal) => {
      exited = `exit code ${code ?? signal}`;
    });
    child.once("error", (error) => {
      exited = error.message;
    });
    const agent = new AgentProcess(child, port);
    const deadline = Date.now() + options.startTimeoutSeconds * 1000;
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        throw serviceErrors.runtimeClient(`The agent process ended before it was healthy (${exited})`);
      }
      if (await agent.isHealthy()) return agent;
      await sleep(PING_INTERVAL_MS);
    }
    agent.kill();
    throw serviceErrors.runtimeClient(
      `The agent did not answer GET /ping with a healthy status within ${options.startTimeoutSeconds} s`,
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private isHealthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = httpRequest(
        { host: "127.0.0.1", port: this.port, path: "/ping", method: "GET", timeout: 1000 },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (text: string) => {
            body += text;
          });
          res.on("end", () => {
            try {
              const status = (JSON.parse(body) as { status?: unknown }).status;
              resolve(res.statusCode === 200 && (status === "Healthy" || status === "HealthyBusy"));
            } catch {
              resolve(false);
            }
          });
        },
      );
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
  }

  /**
   * Proxies one InvokeAgentRuntime call. JSON and `text/event-stream` replies pass through as they stream; an agent
   * 4xx/5xx becomes 424 RuntimeClientError, as the service reports a failing container.
   */
  invoke(
    incoming: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    responseHeaders: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        "content-type": incoming.headers["content-type"] ?? "application/octet-stream",
        "content-length": String(body.length),
      };
      for (const name of [
        "accept",
        "x-amzn-bedrock-agentcore-runtime-session-id",
        "x-amzn-bedrock-agentcore-runtime-user-id",
        "x-amzn-trace-id",
      ]) {
        const value = incoming.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const upstream = httpRequest(
        {
          host: "127.0.0.1",
          port: this.port,
          path: "/invocations",
          method: "POST",
          headers,
          timeout: INVOCATION_TIMEOUT_MS,
          signal,
        },
        (reply) => {
          const status = reply.statusCode ?? 502;
          if (status >= 400) {
            const chunks: Buffer[] = [];
            let size = 0;
            reply.on("data", (chunk: Buffer) => {
              if (size < ERROR_BODY_HEAD) chunks.push(chunk);
              size += chunk.length;
            });
            reply.on("end", () => {
              const head = Buffer.concat(chunks).toString("utf8", 0, ERROR_BODY_HEAD);
              reject(serviceErrors.runtimeClient(`The agent returned HTTP ${status}: ${head}`));
            });
            return;
          }
          res.writeHead(200, {
            ...responseHeaders,
            "content-type": reply.headers["content-type"] ?? "application/octet-stream",
          });
          reply.pipe(res);
          reply.on("end", () => resolve());
          reply.on("error", (error) => reject(error));
        },
      );
      upstream.on("timeout", () =>
        upstream.destroy(serviceErrors.runtimeClient("The agent did not answer within 15 minutes")),
      );
      upstream.on("error", (error) => {
        if (error instanceof ServiceError) return reject(error);
        if (res.headersSent) return reject(error);
        reject(serviceErrors.runtimeClient(`The agent could not be reached: ${error.message}`));
      });
      upstream.end(body);
    });
  }

  kill(): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
