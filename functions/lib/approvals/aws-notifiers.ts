import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { PlatformError, ThrottledError, TransientError } from "../errors.ts";
import { awsFailure } from "./aws-failure.ts";
import { type ApprovalNotice, type ApprovalNotifier, approvalMessageText } from "./notifier.ts";

const APPROVAL_EVENT_SOURCE = "agentcore.repair";
const APPROVAL_EVENT_DETAIL_TYPE = "Approval Requested";

/** The EventBridge event's detail: the notice without the tokened link (see below). */
type ApprovalRequestedDetail = Omit<ApprovalNotice, "link">;

/**
 * Publishes "Approval Requested" on the repair bus (env EVENT_BUS_NAME) for automation: dashboards, chat bots,
 * ticketing. The event deliberately carries `pageUrl` and NOT the tokened link: an event is copied to every
 * matching rule's targets, to archives and replays, and often into log groups, none of which should hold a
 * capability that lets its reader approve a command. Only the person's own channel (SNS) gets the token.
 */
export class EventBridgeNotifier implements ApprovalNotifier {
  readonly #client: EventBridgeClient;
  readonly #busName: string;

  constructor(client: EventBridgeClient, busName: string) {
    this.#client = client;
    this.#busName = busName;
  }

  async notify(notice: ApprovalNotice): Promise<void> {
    const detail: ApprovalRequestedDetail = {
      approvalId: notice.approvalId,
      pageUrl: notice.pageUrl,
      executionName: notice.executionName,
      sessionId: notice.sessionId,
      repoName: notice.repoName,
      command: notice.command,
      commandHash: notice.commandHash,
      classes: notice.classes,
      reasons: notice.reasons,
      requester: notice.requester,
      expiresAt: notice.expiresAt,
    };
    let failed: { ErrorCode?: string; ErrorMessage?: string } | undefined;
    try {
      const output = await this.#client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.#busName,
              Source: APPROVAL_EVENT_SOURCE,
              DetailType: APPROVAL_EVENT_DETAIL_TYPE,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) failed = output.Entries?.find((entry) => entry.ErrorCode) ?? {};
    } catch (error) {
      throw awsFailure("PutEvents (Approval Requested)", error);
    }
    if (failed) {
      const code = failed.ErrorCode ?? "unknown";
      const message = `PutEvents (Approval Requested) rejected the event on bus ${this.#busName}: ${code}`;
      if (code.includes("Throttl")) throw new ThrottledError(message, { errorCode: code });
      if (code === "InternalFailure") throw new TransientError(message, { errorCode: code });
      throw new PlatformError(message, { errorCode: code });
    }
  }
}

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
function subjectFor(notice: ApprovalNotice): string {
  const subject = `Approval needed: ${notice.classes.join(", ")} command in ${notice.repoName}`;
  return subject.replace(/[^\x20-\x7e]/g, "?").slice(0, 100);
}

/** Sends the person the message with the tokened link (env APPROVAL_TOPIC_ARN; e-mail subscriptions). */
export class SnsNotifier implements ApprovalNotifier {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.#client = client;
    this.#topicArn = topicArn;
  }

  async notify(notice: ApprovalNotice): Promise<void> {
    try {
      await this.#client.send(
        new PublishCommand({
          TopicArn: this.#topicArn,
          Subject: subjectFor(notice),
          Message: approvalMessageText(notice),
        }),
      );
    } catch (error) {
      // SNS errors may quote parameters, and the message holds the token: keep only the error's name.
      throw awsFailure("Publish (approval request)", error, { keepMessage: false });
    }
  }
}
