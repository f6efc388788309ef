import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CommandOutcome } from "#lib/contracts.ts";
import {
  CommandStreamBrokenError,
  CommandTimedOutError,
  PlatformError,
  type RepairError,
  ThrottledError,
  TransientError,
} from "#lib/errors.ts";
import {
  lambdaRunCommandInvoker,
  type RunCommandRequest,
  runCommandLambdaClient,
} from "#lib/run-command-invoker.ts";
import { repairRequest } from "../agentcore-fakes.ts";

const lambda = mockClient(LambdaClient);
const FUNCTION = "agentcore-repair-run-command";

const digest = { head: "ok\n", tail: "", bytes: 3, lines: 1, truncated: false };
const outcome = {
  commandHash: "a".repeat(64),
  command: "npm run lint",
  purpose: "proposed",
  status: "COMPLETED",
  exitCode: 0,
  durationMs: 120,
  stdout: digest,
  stderr: { ...digest, head: "", bytes: 0, lines: 0 },
  artifactUri: "s3://bucket/runs/x.log",
} satisfies CommandOutcome;

const request: RunCommandRequest = {
  request: repairRequest(),
  command: "npm run lint",
  purpose: "proposed",
  timeoutSeconds: 300,
  executionName: "exec-1",
  iteration: 1,
};

const payload = (value: unknown) => ({
  StatusCode: 200,
  Payload: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)) as never,
});
const failureOf = (attempt: Promise<unknown>) =>
  attempt.then(
    () => undefined,
    (error: unknown) => error as RepairError,
  );

describe("lambdaRunCommandInvoker", () => {
  beforeEach(() => lambda.reset());
  const invoke = () => lambdaRunCommandInvoker(FUNCTION, new LambdaClient({ region: "us-east-1" }))(request);

  it("returns run-command's outcome, with `pending: null` read as finished", async () => {
    lambda.on(InvokeCommand).resolves(payload({ ...outcome, pending: null }));
    expect(await invoke()).toEqual(outcome);
    const sent = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(sent.FunctionName).toBe(FUNCTION);
    expect(JSON.parse(Buffer.from(sent.Payload as Uint8Array).toString("utf8"))).toMatchObject({
      command: "npm run lint",
      purpose: "proposed",
    });
  });

  it.each([
    [
      "TooManyRequestsException",
      new TooManyRequestsException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }),
      ThrottledError,
    ],
    [
      "ServiceException (500)",
      new ServiceException({ message: "internal", $metadata: { httpStatusCode: 500 } }),
      TransientError,
    ],
    [
      "a connection refused before the request left",
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }),
      TransientError,
    ],
    [
      "a connection timeout before the request left",
      Object.assign(
        new Error("the request socket did not establish a connection with the server within 1000 ms."),
        { name: "TimeoutError" },
      ),
      TransientError,
    ],
    [
      "a timeout waiting for the reply",
      Object.assign(new Error("the request socket timed out after 60000 ms of inactivity"), {
        name: "TimeoutError",
      }),
      CommandStreamBrokenError,
    ],
    [
      "an abort after the request left",
      Object.assign(new Error("Request aborted"), { name: "AbortError" }),
      CommandStreamBrokenError,
    ],
    [
      "a connection reset while waiting",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      CommandStreamBrokenError,
    ],
    [
      "ResourceNotFoundException",
      new ResourceNotFoundException({ message: "Function not found", $metadata: { httpStatusCode: 404 } }),
      PlatformError,
    ],
  ])("maps %s to its named error", async (_case, error, named) => {
    // Prepare
    lambda.on(InvokeCommand).rejects(error);
    // Act
    const failure = await failureOf(invoke());
    // Assess
    expect(failure).toBeInstanceOf(named);
    expect(failure?.details).toMatchObject({ functionName: FUNCTION });
  });

  it("says that a command whose reply was lost may have run", async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await expect(invoke()).rejects.toThrow(/the command may have run, its outcome is unknown/);
  });

  it("rebuilds the named error run-command raised", async () => {
    lambda.on(InvokeCommand).resolves({
      ...payload({ errorType: "CommandTimedOutError", errorMessage: "ran past 300 s" }),
      FunctionError: "Unhandled",
    });
    const failure = await failureOf(invoke());
    expect(failure).toBeInstanceOf(CommandTimedOutError);
    expect(failure?.message).toContain("ran past 300 s");
  });

  it("reads run-command running out of time as an unknown outcome", async () => {
    lambda.on(InvokeCommand).resolves({
      ...payload({ errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 900.00 seconds" }),
      FunctionError: "Unhandled",
    });
    expect(await failureOf(invoke())).toBeInstanceOf(CommandStreamBrokenError);
  });

  it("refuses a payload that is not a CommandOutcome, naming the fields", async () => {
    // Prepare
    const { exitCode: _dropped, ...withoutExitCode } = outcome;
    lambda.on(InvokeCommand).resolves(payload({ ...withoutExitCode, status: "RUNNING" }));
    // Act
    const failure = await failureOf(invoke());
    // Assess
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure?.message).toMatch(/not a CommandOutcome: .*status: .*exitCode: /s);
    expect(failure?.details.fields).toEqual([
      expect.stringMatching(/^status: /),
      expect.stringMatching(/^exitCode: /),
    ]);
  });

  it("refuses a payload that is not JSON", async () => {
    lambda.on(InvokeCommand).resolves(payload("<html>bad gateway</html>"));
    const failure = await failureOf(invoke());
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure?.message).toContain("not JSON");
  });

  it("refuses a proposed command that came back detached", async () => {
    lambda
      .on(InvokeCommand)
      .resolves(
        payload({ ...outcome, exitCode: -1, pending: { runId: "b".repeat(20), pollAfterSeconds: 60 } }),
      );
    const failure = await failureOf(invoke());
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure?.message).toContain("proposed commands must run synchronously");
  });
});

describe("runCommandLambdaClient's retries", () => {
  // These go through the real client's middleware (retries included), not the mock.
  beforeAll(() => lambda.restore());

  /** A client whose HTTP layer fails every request with `error`, counting the attempts. */
  function clientFailingWith(error: Error) {
    const attempts = { count: 0 };
    const client = runCommandLambdaClient(FUNCTION, {
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
      requestHandler: {
        handle: async () => {
          attempts.count++;
          throw error;
        },
      },
    });
    return { client, attempts };
  }

  it("never sends the invoke again once it may have reached the function", async () => {
    // Prepare
    const { client, attempts } = clientFailingWith(
      Object.assign(new Error("the request socket timed out after 60000 ms of inactivity"), {
        name: "TimeoutError",
      }),
    );
    // Act
    const failure = await failureOf(lambdaRunCommandInvoker(FUNCTION, client)(request));
    // Assess
    expect(failure).toBeInstanceOf(CommandStreamBrokenError);
    expect(attempts.count).toBe(1);
  });

  it("retries a connection that was never made, then reports it as transient", async () => {
    // Prepare
    const { client, attempts } = clientFailingWith(
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }),
    );
    // Act
    const failure = await failureOf(lambdaRunCommandInvoker(FUNCTION, client)(request));
    // Assess
    expect(failure).toBeInstanceOf(TransientError);
    expect(attempts.count).toBe(3);
  });
});
