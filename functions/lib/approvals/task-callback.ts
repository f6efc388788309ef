import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorName, awsFailure } from "./aws-failure.ts";

/**
 * Answering the waiting "Wait for approval" task. In AWS, SendTaskSuccess / SendTaskFailure; locally the runner's
 * task-token registry, which has the same two methods. The outputs below are what review-commands reads at
 * `$.approval` (the success output, or the Catch's `{Error, Cause}` with `Cause` = the JSON cause).
 */

/** SendTaskSuccess output: the person approved this exact command. */
export interface ApprovalGranted {
  readonly decision: "approved";
  readonly approvalId: string;
  readonly commandHash: string;
  /** For an approval of a diff: the SHA-256 of the approved patch (the same value as commandHash). */
  readonly patchSha256?: string;
  readonly decidedBy: string;
  /** ISO-8601. */
  readonly decidedAt: string;
}

/** SendTaskFailure cause (JSON) with error ApprovalDeniedError. */
export interface ApprovalDeniedCause {
  readonly approvalId: string;
  readonly commandHash: string;
  readonly reason: string;
  readonly decidedBy: string;
}

/** SendTaskFailure cause (JSON) with error ApprovalExpiredError. */
export interface ApprovalExpiredCause {
  readonly approvalId: string;
  readonly commandHash: string;
  readonly reason: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

export type ApprovalFailureError = "ApprovalDeniedError" | "ApprovalExpiredError";

export interface TaskCallback {
  sendTaskSuccess(taskToken: string, output: ApprovalGranted): Promise<void> | void;
  sendTaskFailure(taskToken: string, error: ApprovalFailureError, cause: string): Promise<void> | void;
}

/** The task no longer waits (timed out, its execution stopped, or the token was used): nothing can be told. */
const TASK_GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

export function isTaskGone(error: unknown): boolean {
  return TASK_GONE.has(awsErrorName(error));
}

/** Step Functions itself. Its error messages may quote the task token, so only error names are ever kept. */
export class SfnTaskCallback implements TaskCallback {
  readonly #client: SFNClient;

  constructor(client: SFNClient) {
    this.#client = client;
  }

  async sendTaskSuccess(taskToken: string, output: ApprovalGranted): Promise<void> {
    try {
      await this.#client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (error) {
      throw isTaskGone(error) ? error : awsFailure("SendTaskSuccess", error, { keepMessage: false });
    }
  }

  async sendTaskFailure(taskToken: string, error: ApprovalFailureError, cause: string): Promise<void> {
    try {
      await this.#client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    } catch (failure) {
      throw isTaskGone(failure) ? failure : awsFailure("SendTaskFailure", failure, { keepMessage: false });
    }
  }
}
