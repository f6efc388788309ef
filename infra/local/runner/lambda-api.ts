import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { invokeLocally, type LambdaHandler } from "./lambda-invoker.ts";

export interface LocalLambdaApi {
  /** Give it to the SDK as AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const INVOKE_ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda's Invoke API on loopback, for the one function-to-function call of the workflow (review-commands asks
 * run-command to run a command: only run-command may call InvokeAgentRuntimeCommand). The caller uses the real
 * LambdaClient; a handler error comes back as AWS sends it: 200, `X-Amz-Function-Error: Unhandled`, and
 * `{errorType, errorMessage}`.
 */
export async function startLocalLambdaApi(
  functions: ReadonlyMap<string, LambdaHandler>,
  timeoutMs: number,
): Promise<LocalLambdaApi> {
  const server: Server = createServer((req, res) => {
    const match = INVOKE_ROUTE.exec(new URL(req.url ?? "/", "http://local").pathname);
    const name =
      decodeURIComponent(match?.[1] ?? "")
        .split(":")
        .pop() ?? "";
    const handler = functions.get(name);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !handler) {
        res.writeHead(404, {
          "content-type": "application/json",
          "x-amzn-errortype": "ResourceNotFoundException",
        });
        res.end(JSON.stringify({ message: `Function not found: ${name}` }));
        return;
      }
      let payload: unknown = {};
      try {
        if (chunks.length > 0) payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      } catch {
        res.writeHead(400, {
          "content-type": "application/json",
          "x-amzn-errortype": "InvalidRequestContentException",
        });
        res.end(JSON.stringify({ message: "Could not parse request body into json" }));
        return;
      }
      invokeLocally(name, handler, payload, timeoutMs).then(
        (result) => {
          res.writeHead(200, { "content-type": "application/json", "x-amz-executed-version": "$LATEST" });
          res.end(JSON.stringify(result.Payload));
        },
        (error: Error) => {
          const body = JSON.parse(error.message) as { errorType: string; errorMessage: string };
          res.writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" });
          res.end(JSON.stringify({ errorType: body.errorType, errorMessage: body.errorMessage, trace: [] }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
