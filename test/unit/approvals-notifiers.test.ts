import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { EventBridgeNotifier, SnsNotifier } from "#lib/approvals/aws-notifiers.ts";
import { allNotifiers } from "#lib/approvals/notifier.ts";
import { readLedger } from "#lib/ledger.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import {
  type ApprovalHarness,
  createApprovalHarness,
  tokenOf,
  waitForApprovalPayload,
} from "./approvals-support.ts";

const events = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
let harness: ApprovalHarness | undefined;

afterEach(async () => {
  events.reset();
  sns.reset();
  await harness?.dispose();
  harness = undefined;
});

function awsNotifiers() {
  return allNotifiers([
    new EventBridgeNotifier(new EventBridgeClient({}), "repair-bus"),
    new SnsNotifier(new SNSClient({}), "arn:aws:sns:us-east-1:123456789012:approvals"),
  ]);
}

describe("notifications in AWS", () => {
  it("sends the tokened link by SNS only; the EventBridge event carries the page URL without the token", async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "1" }] });
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    const captured: string[] = [];
    harness = await createApprovalHarness({
      notifier: allNotifiers([awsNotifiers(), { notify: async (notice) => void captured.push(notice.link) }]),
    });
    // Act
    const { approvalId } = await harness.requestApproval(
      waitForApprovalPayload({ command: "git push https://example.com/repo.git HEAD:fix" }),
    );
    // Assess
    const token = tokenOf(captured[0]!);
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      EventBusName: "repair-bus",
      Source: "agentcore.repair",
      DetailType: "Approval Requested",
    });
    expect(entry.Detail).not.toContain(token);
    expect(entry.Detail).not.toContain(token.split(".")[1]);
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      approvalId,
      pageUrl: `https://approvals.example.test/approvals/approvals/${approvalId}`,
      repoName: "sample-repo",
      classes: ["vcs-remote"],
      expiresAt: "2026-03-01T11:00:00.000Z",
    });
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.TopicArn).toBe("arn:aws:sns:us-east-1:123456789012:approvals");
    expect(publish.Message).toContain(`/approvals/${approvalId}?token=${token}`);
    expect(publish.Message).toContain("git push https://example.com/repo.git HEAD:fix");
    expect(publish.Subject!.length).toBeLessThanOrEqual(100);
    expect(publish.Subject).toBe("Approval needed: vcs-remote command in sample-repo");
  });

  it("fails the request when EventBridge rejects the event, naming the error code", async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "slow" }],
    });
    harness = await createApprovalHarness({ notifier: awsNotifiers() });
    // Act
    const attempt = harness.requestApproval(waitForApprovalPayload());
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "ThrottledError" });
    await expect(attempt).rejects.toThrow(/repair-bus: ThrottlingException/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("keeps an SNS failure's message out of the error (it may quote the message with the link)", async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    sns.on(PublishCommand).rejects(
      Object.assign(new Error("Invalid parameter: Message=...token..."), {
        name: "InvalidParameterException",
      }),
    );
    harness = await createApprovalHarness({ notifier: awsNotifiers() });
    // Act
    const failure = (await harness.requestApproval(waitForApprovalPayload()).then(
      () => new Error("the request succeeded"),
      (error: unknown) => error,
    )) as Error;
    // Assess
    expect(failure).toMatchObject({ name: "PlatformError" });
    expect(failure.message).toBe("Publish (approval request) failed with InvalidParameterException");
  });
});

describe("ledger", () => {
  it("appends an approval 'requested' line with the approval's id and deadline", async () => {
    // Prepare
    const artifacts = await mkdtemp(join(tmpdir(), "ledger-"));
    const ledger = new LocalArtifactStore(artifacts);
    harness = await createApprovalHarness({ ledger });
    const payload = waitForApprovalPayload({
      command: "npm publish --tag next",
    });
    // Act
    const { approvalId } = await harness.requestApproval(payload);
    const contents = await readLedger(ledger, "exec-0001");
    // Assess
    expect(contents.records).toEqual([
      {
        kind: "approval",
        at: "2026-03-01T10:00:00.000Z",
        iteration: 1,
        commandHash: payload.command.commandHash,
        command: "npm publish --tag next",
        decision: "requested",
        approvalId,
        expiresAt: "2026-03-01T11:00:00.000Z",
      },
    ]);
    await rm(artifacts, { recursive: true, force: true });
  });
});
