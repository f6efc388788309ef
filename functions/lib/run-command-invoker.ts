import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { CommandOutcome, CommandPurpose, RepairRequest } from "./contracts.ts";
import * as errors from "./errors.ts";
import { PlatformError, type RepairError } from "./errors.ts";
import { tracer } from "./observability.ts";

/**
 * Runs a command through the run-command function. Only run-command's role may call InvokeAgentRuntimeCommand
 * (least privilege: one role to audit for the shell door); a task that needs a command run asks it, and gets its
 * named errors back as the same classes.
 */
export interface RunCommandRequest {
  readonly request: RepairRequest;
  readonly command: string;
  readonly purpose: CommandPurpose;
  readonly timeoutSeconds: number;
  readonly executionName: string;
  readonly iteration: number;
}

export type RunCommandInvoker = (input: RunCommandRequest) => Promise<CommandOutcome>;

const errorClasses: Readonly<Record<string, new (message: string) => RepairError>> = {
  ThrottledError: errors.ThrottledError,
  TransientError: errors.TransientError,
  SessionBusyError: errors.SessionBusyError,
  SessionNotFoundError: errors.SessionNotFoundError,
  CommandTimedOutError: errors.CommandTimedOutError,
  CommandStreamBrokenError: errors.CommandStreamBrokenError,
  AgentError: errors.AgentError,
  PlatformError: errors.PlatformError,
};

/** Rebuilds the named error a function raised from its `{errorType, errorMessage}` body. */
export function errorFromFunction(body: string): RepairError {
  let parsed: { errorType?: string; errorMessage?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: reported as a platform error below.
  }
  const message = `run-command failed: ${parsed.errorMessage ?? body.slice(0, 500)}`;
  const ErrorClass = errorClasses[parsed.errorType ?? ""];
  if (parsed.errorType === "ValidationFailedError") {
    return new errors.ValidationFailedError([
      { field: "command", problem: parsed.errorMessage ?? "invalid" },
    ]);
  }
  return ErrorClass
    ? new ErrorClass(message)
    : new PlatformError(message, { errorType: parsed.errorType ?? "unknown" });
}

export function lambdaRunCommandInvoker(functionName: string, client?: LambdaClient): RunCommandInvoker {
  const lambda = client ?? tracer.captureAWSv3Client(new LambdaClient({}));
  return async (input) => {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(input)) }),
    );
    const body = Buffer.from(response.Payload ?? new Uint8Array()).toString("utf8");
    if (response.FunctionError) throw errorFromFunction(body);
    return JSON.parse(body) as CommandOutcome;
  };
}
