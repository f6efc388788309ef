import { spawn } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for GitHub on loopback, serving exactly what deliver-change calls, and recording every request:
 *   git smart HTTP under /git/<owner>/<repo>.git (the real `git http-backend` over a bare repository),
 *     requiring `Authorization: Basic x-access-token:<token>` as GitHub does
 *   POST /api/app/installations/{id}/access_tokens   (App JWT, RS256, verified with the App's public key)
 *   GET  /api/repos/{owner}/{repo}
 *   GET  /api/repos/{owner}/{repo}/pulls
 *   POST /api/repos/{owner}/{repo}/pulls
 * Anything else is 404 and recorded, so a test can assert that nothing else was called.
 */

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface StandInOptions {
  /** Directory holding `<owner>/<repo>.git` (bare). */
  readonly projectRoot: string;
  readonly owner: string;
  readonly repo: string;
  /** The token the git and REST endpoints accept. */
  readonly token: string;
  /** The GitHub App whose JWT may mint `token` for installation `installationId`. */
  readonly app?: { readonly appId: string; readonly installationId: number; readonly publicKeyPem: string };
  readonly defaultBranch?: string;
}

interface PullRequest {
  readonly number: number;
  readonly html_url: string;
  readonly head: { readonly ref: string };
  readonly base: { readonly ref: string };
  readonly title: string;
  readonly body: string;
  readonly draft: boolean;
}

export interface GitHubStandIn {
  readonly apiUrl: string;
  readonly gitUrl: string;
  readonly requests: RecordedRequest[];
  readonly pulls: PullRequest[];
  /** The next request whose `METHOD path` matches is answered with this status and headers instead. */
  failNext(match: RegExp, status: number, headers?: Record<string, string>): void;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(value));
}

function verifyJwt(authorization: string | undefined, app: NonNullable<StandInOptions["app"]>): boolean {
  const match = /^bearer (.+)\.(.+)\.(.+)$/i.exec(authorization ?? "");
  if (!match) return false;
  const [, header, payload, signature] = match;
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${header}.${payload}`),
    createPublicKey(app.publicKeyPem),
    Buffer.from(signature!, "base64url"),
  );
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as {
    iss?: string;
    exp?: number;
  };
  return ok && claims.iss === app.appId && typeof claims.exp === "number";
}

/** Runs `git http-backend` as a CGI for one request. */
async function gitBackend(
  options: StandInOptions,
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  response: ServerResponse,
) {
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      HOME: options.projectRoot,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname.slice("/git".length),
      REQUEST_METHOD: request.method ?? "GET",
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers["content-type"] ?? "",
      CONTENT_LENGTH: String(body.length),
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: "127.0.0.1",
      GIT_PROTOCOL: String(request.headers["git-protocol"] ?? ""),
      HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"] ?? ""),
    },
  });
  const out: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stdin.end(body);
  await new Promise<void>((resolve) => child.on("close", () => resolve()));
  const all = Buffer.concat(out);
  const split = all.indexOf("\r\n\r\n") >= 0 ? all.indexOf("\r\n\r\n") : all.indexOf("\n\n");
  const separator = all.indexOf("\r\n\r\n") >= 0 ? 4 : 2;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of all.subarray(0, split).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  response.writeHead(status, headers);
  response.end(all.subarray(split + separator));
}

export async function startGitHubStandIn(options: StandInOptions): Promise<GitHubStandIn> {
  const requests: RecordedRequest[] = [];
  const pulls: PullRequest[] = [];
  const failures: { match: RegExp; status: number; headers: Record<string, string> }[] = [];
  const repoPath = `/api/repos/${options.owner}/${options.repo}`;
  const basic = `Basic ${Buffer.from(`x-access-token:${options.token}`).toString("base64")}`;
  let baseUrl = "";

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      const body = await readBody(request);
      const isGit = url.pathname.startsWith("/git/");
      const contentType = String(request.headers["content-type"] ?? "");
      requests.push({
        method: request.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.authorization,
        body:
          !isGit && contentType.includes("json") && body.length > 0
            ? JSON.parse(body.toString("utf8"))
            : null,
      });
      const failure = failures.findIndex((f) => f.match.test(`${request.method} ${url.pathname}`));
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        return json(response, f!.status, { message: "injected failure" }, f!.headers);
      }
      if (isGit) {
        if (request.headers.authorization !== basic) {
          response.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"' });
          return response.end();
        }
        return gitBackend(options, request, url, body, response);
      }
      if (request.method === "POST" && /^\/api\/app\/installations\/\d+\/access_tokens$/.test(url.pathname)) {
        const id = Number(url.pathname.split("/")[4]);
        if (
          !options.app ||
          id !== options.app.installationId ||
          !verifyJwt(request.headers.authorization, options.app)
        ) {
          return json(response, 401, { message: "A JSON web token could not be decoded" });
        }
        return json(response, 201, { token: options.token, expires_at: "2026-01-01T01:00:00Z" });
      }
      if (request.headers.authorization !== `token ${options.token}`) {
        return json(response, 401, { message: "Bad credentials" });
      }
      if (request.method === "GET" && url.pathname === repoPath) {
        return json(response, 200, { default_branch: options.defaultBranch ?? "main" });
      }
      if (request.method === "GET" && url.pathname === `${repoPath}/pulls`) {
        const head = url.searchParams.get("head") ?? "";
        return json(
          response,
          200,
          pulls.filter((pull) => `${options.owner}:${pull.head.ref}` === head),
        );
      }
      if (request.method === "POST" && url.pathname === `${repoPath}/pulls`) {
        const wanted = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        const pull: PullRequest = {
          number: pulls.length + 1,
          html_url: `https://github.com/${options.owner}/${options.repo}/pull/${pulls.length + 1}`,
          head: { ref: String(wanted.head) },
          base: { ref: String(wanted.base) },
          title: String(wanted.title),
          body: String(wanted.body),
          draft: wanted.draft === true,
        };
        pulls.push(pull);
        return json(response, 201, pull);
      }
      return json(response, 404, { message: "Not Found" });
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${baseUrl}/api`,
    gitUrl: `${baseUrl}/git/${options.owner}/${options.repo}.git`,
    requests,
    pulls,
    failNext(match, status, headers = {}) {
      failures.push({ match, status, headers });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
