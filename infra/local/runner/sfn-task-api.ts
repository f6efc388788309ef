import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TaskTokenRegistry } from "./task-tokens.ts";

export interface LocalStepFunctionsApi {
  /** Give it to the SDK as AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const OPERATIONS = ["SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"] as const;

/**
 * The three task-token calls of Step Functions (awsJson1_0: `POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`) on
 * loopback, so the approval API uses the real SFNClient locally exactly as in AWS. An unknown or used token
 * answers `TaskTimedOut`, as the service does.
 */
export async function startLocalStepFunctionsApi(tokens: TaskTokenRegistry): Promise<LocalStepFunctionsApi> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = (status: number, body: unknown, errorType?: string) => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.0",
          ...(errorType ? { "x-amzn-errortype": errorType } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const operation = String(req.headers["x-amz-target"] ?? "").replace("AWSStepFunctions.", "");
      if (!(OPERATIONS as readonly string[]).includes(operation)) {
        return reply(
          400,
          { __type: "UnknownOperationException", message: `Not served locally: ${operation}` },
          "UnknownOperationException",
        );
      }
      let input: { taskToken?: string; output?: string; error?: string; cause?: string };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as typeof input;
      } catch {
        return reply(
          400,
          { __type: "SerializationException", message: "body is not JSON" },
          "SerializationException",
        );
      }
      try {
        const token = input.taskToken ?? "";
        if (operation === "SendTaskSuccess")
          tokens.sendTaskSuccess(token, JSON.parse(input.output ?? "null"));
        else if (operation === "SendTaskFailure")
          tokens.sendTaskFailure(token, input.error ?? "", input.cause ?? "");
        else tokens.sendTaskHeartbeat(token);
        reply(200, {});
      } catch (error) {
        reply(400, { __type: "TaskTimedOut", message: (error as Error).message }, "TaskTimedOut");
      }
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
