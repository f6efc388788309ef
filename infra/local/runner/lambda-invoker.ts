import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/** A task failure shaped as Step Functions reports a Lambda error: Error = errorType, Cause = the JSON body. */
export class LambdaTaskError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes a handler in-process the way `arn:aws:states:::lambda:invoke` does: the event is the Payload, the result
 * comes back in the optimized integration's envelope, and a thrown error becomes Error = its name (the contract the
 * ASL catches) with the Lambda-style JSON Cause. A handler that runs past its Lambda timeout fails as
 * `Sandbox.Timedout`, as in AWS.
 */
export async function invokeLocally(
  functionName: string,
  handler: LambdaHandler,
  payload: unknown,
  timeoutMs: number,
): Promise<{ ExecutedVersion: string; Payload: unknown; StatusCode: number }> {
  // A deep copy: a handler must not see (or mutate) the interpreter's own objects, as across a real network hop.
  const event = JSON.parse(JSON.stringify(payload ?? {})) as never;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new LambdaTaskError("Sandbox.Timedout", `Task timed out after ${timeoutMs / 1000} seconds`)),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([handler(event, lambdaContext(functionName, timeoutMs)), timeout]);
    return {
      ExecutedVersion: "$LATEST",
      Payload: JSON.parse(JSON.stringify(result ?? null)),
      StatusCode: 200,
    };
  } catch (error) {
    if (error instanceof LambdaTaskError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    throw new LambdaTaskError(err.name || "Error", err.message);
  } finally {
    clearTimeout(timer);
  }
}
