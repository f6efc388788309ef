import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  InvokeAgentRuntimeCommand,
  InvokeAgentRuntimeCommandCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertSessionId, createAgentCoreClient } from "#lib/agentcore-client.ts";
import { ValidationFailedError } from "#lib/errors.ts";

const runtimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";
const validSession = "repair-session-0123456789abcdef0123456789";

describe("assertSessionId", () => {
  it("accepts 33 to 256 characters", () => {
    expect(assertSessionId("s".repeat(33))).toBe("s".repeat(33));
    expect(assertSessionId("s".repeat(256))).toBe("s".repeat(256));
  });

  it.each([
    [undefined, /missing/],
    ["", /missing/],
    ["s".repeat(32), /32 characters; it must be 33-256/],
    ["s".repeat(257), /257 characters/],
  ])("rejects %j naming runtimeSessionId", (value, problem) => {
    expect(() => assertSessionId(value)).toThrow(ValidationFailedError);
    expect(() => assertSessionId(value)).toThrow(/runtimeSessionId/);
    expect(() => assertSessionId(value)).toThrow(problem);
  });
});

describe("the client's session-id guard", () => {
  let server: Server;
  let endpoint: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    // Records what arrives and answers 404, so the test sees whether a request left the client at all.
    server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      response.writeHead(404, {
        "content-type": "application/json",
        "x-amzn-errortype": "ResourceNotFoundException",
      });
      response.end(JSON.stringify({ message: "no such session" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const client = () => createAgentCoreClient({ endpoint, region: "us-east-1", maxAttempts: 1 });

  it.each([
    [
      "InvokeAgentRuntimeCommand",
      () => new InvokeAgentRuntimeCommandCommand({ agentRuntimeArn: runtimeArn, body: { command: "id" } }),
    ],
    ["StopRuntimeSession", () => new StopRuntimeSessionCommand({ agentRuntimeArn: runtimeArn } as never)],
    [
      "InvokeAgentRuntime",
      () => new InvokeAgentRuntimeCommand({ agentRuntimeArn: runtimeArn, payload: Buffer.from("{}") }),
    ],
  ])("stops %s without a session id before anything is sent", async (_name, build) => {
    // Prepare
    const before = seen.length;
    // Act
    const attempt = client().send(build() as never);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(attempt).rejects.toThrow(/runtimeSessionId/);
    expect(seen.length).toBe(before);
  });

  it("stops a too-short session id too", async () => {
    const attempt = client().send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: runtimeArn,
        runtimeSessionId: "short",
        body: { command: "id" },
      }),
    );
    await expect(attempt).rejects.toThrow(/5 characters/);
  });

  it("lets a call with a valid session id through, carrying that id", async () => {
    // Act
    const attempt = client().send(
      new InvokeAgentRuntimeCommandCommand({
        agentRuntimeArn: runtimeArn,
        runtimeSessionId: validSession,
        body: { command: "id" },
      }),
    );
    // Assess: the fake service answered, so the request left with our id
    await expect(attempt).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect(seen.at(-1)?.["x-amzn-bedrock-agentcore-runtime-session-id"]).toBe(validSession);
  });
});
