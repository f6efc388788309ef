import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/**
 * The approval API of local mode: the same approval-api handler, served on loopback with node:http. Each request
 * becomes the API Gateway REST proxy event the handler gets in AWS (resource `/approvals/{approvalId}`), and the
 * handler's result becomes the HTTP response, headers included. Only loopback addresses are accepted: the page
 * carries single-use decision tokens and nothing but this machine should reach it.
 */

type ApprovalProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface ApprovalServerOptions {
  /** Usually `createApprovalApiHandler({ taskCallback })` from functions/approval-api/handler.ts. */
  readonly handler: ApprovalProxyHandler;
  /** A loopback address. @default "127.0.0.1" */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Larger request bodies get 413 without reaching the handler. @default 65536 */
  readonly maxBodyBytes?: number;
  /**
   * Who every request is authenticated as: the person at this machine's terminal. Locally there is no identity
   * provider; what authenticates the person is that the server listens on loopback only and that the single-use
   * link (with its signed token) is printed only on their terminal. The identity reaches the handler the way an
   * API Gateway authorizer's does (requestContext.authorizer.principalId), never through the request itself.
   * @default undefined (nobody is authenticated: decisions are refused)
   */
  readonly approver?: string;
}

export interface ApprovalServer {
  /** `http://127.0.0.1:<port>`: what request-approval's baseUrl must be. */
  readonly baseUrl: string;
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);
const RESOURCE = "/approvals/{approvalId}";
const PATCH_RESOURCE = "/approvals/{approvalId}/patch";
const APPROVAL_PATH = /^\/approvals\/([^/]+)(\/patch)?$/;

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The REST API (v1) proxy event for one loopback request. */
function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  approvalId: string,
  body: Buffer,
  approver?: string,
): APIGatewayProxyEvent {
  const resource = url.pathname.endsWith("/patch") ? PATCH_RESOURCE : RESOURCE;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (!values || values.length === 0) continue;
    headers[name] = values[values.length - 1]!;
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  const method = (request.method ?? "GET").toUpperCase();
  const now = Date.now();
  return {
    resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: { approvalId },
    stageVariables: null,
    body: body.length > 0 ? body.toString("utf8") : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: approver === undefined ? undefined : { principalId: approver },
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        user: null,
        userAgent: headers["user-agent"] ?? null,
        userArn: null,
      },
      path: url.pathname,
      stage: "local",
      requestId: randomUUID(),
      requestTimeEpoch: now,
      resourceId: "local",
      resourcePath: resource,
    },
  };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    response.setHeader(
      name,
      values.map((value) => String(value)),
    );
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : Buffer.from(result.body, "utf8");
  response.setHeader("Content-Length", body.length);
  response.writeHead(result.statusCode);
  response.end(body);
}

function writePlain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  response.end(`${text}\n`);
}

export async function startApprovalServer(options: ApprovalServerOptions): Promise<ApprovalServer> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`approval server host "${host}" is not a loopback address (127.0.0.1, ::1 or localhost)`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://loopback");
      const match = APPROVAL_PATH.exec(url.pathname);
      if (!match)
        return writePlain(response, 404, "Not found: the approval API serves /approvals/{approvalId}");
      let approvalId: string;
      try {
        approvalId = decodeURIComponent(match[1]!);
      } catch {
        return writePlain(response, 400, "Bad request: the approval id is not valid percent-encoding");
      }
      let body: Buffer;
      try {
        body = await readBody(request, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          return writePlain(response, 413, `Request body larger than ${maxBodyBytes} bytes`);
        }
        throw error;
      }
      writeResult(
        response,
        await options.handler(toProxyEvent(request, url, approvalId, body, options.approver)),
      );
    })().catch(() => {
      // The handler answers its own errors; reaching here means the connection itself failed. The request line
      // (with its token) is deliberately not printed.
      if (!response.headersSent) writePlain(response, 500, "Internal error");
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    baseUrl: `http://${hostInUrl}:${address.port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
