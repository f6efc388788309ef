import { describe, expect, it } from "vitest";
import { loadApprovalSettings } from "#lib/approvals/approval-settings.ts";

const LOCAL = {
  APPROVALS_FILE: "/tmp/x/approvals.json",
  AUDIT_FILE: "/tmp/x/audit.jsonl",
  APPROVAL_KEY_FILE: "/tmp/x/approval.key",
};

const AWS = {
  APPROVALS_TABLE: "approvals",
  AUDIT_TABLE: "audit",
  APPROVAL_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:k",
  EVENT_BUS_NAME: "agentcore-repair",
  APPROVAL_TOPIC_ARN: "arn:aws:sns:us-east-1:1:approvals",
  APPROVAL_BASE_URL: "https://abc.execute-api.us-east-1.amazonaws.com/approvals/",
};

describe("approval settings", () => {
  it("reads the AWS environment", () => {
    // Act
    const settings = loadApprovalSettings(AWS);
    // Assess
    expect(settings).toEqual({
      approvals: { kind: "dynamodb", table: "approvals" },
      audit: { kind: "dynamodb", table: "audit" },
      signingKey: { kind: "secrets-manager", secretArn: AWS.APPROVAL_SECRET_ARN },
      eventBusName: "agentcore-repair",
      topicArn: AWS.APPROVAL_TOPIC_ARN,
      baseUrl: "https://abc.execute-api.us-east-1.amazonaws.com/approvals",
      ttlSeconds: 3600,
    });
  });

  it("reads the local environment, with a loopback http base URL", () => {
    // Act
    const settings = loadApprovalSettings({
      ...LOCAL,
      APPROVAL_BASE_URL: "http://127.0.0.1:4321",
      APPROVAL_TTL_SECONDS: "120",
    });
    // Assess
    expect(settings).toMatchObject({
      approvals: { kind: "file", path: LOCAL.APPROVALS_FILE },
      audit: { kind: "file", path: LOCAL.AUDIT_FILE },
      signingKey: { kind: "file", path: LOCAL.APPROVAL_KEY_FILE },
      baseUrl: "http://127.0.0.1:4321",
      ttlSeconds: 120,
    });
  });

  it("names every problem at once", () => {
    // Act
    const attempt = () =>
      loadApprovalSettings({
        APPROVALS_TABLE: "t",
        APPROVALS_FILE: "/tmp/a.json",
        AUDIT_FILE: "relative.jsonl",
        APPROVAL_TTL_SECONDS: "7200",
        APPROVAL_BASE_URL: "http://approvals.example.com",
      });
    // Assess
    expect(attempt).toThrow(/APPROVALS_TABLE: both APPROVALS_TABLE and APPROVALS_FILE are set/);
    expect(attempt).toThrow(/AUDIT_FILE: "relative.jsonl" must be an absolute path/);
    expect(attempt).toThrow(/APPROVAL_SECRET_ARN: neither APPROVAL_SECRET_ARN \(AWS\) nor APPROVAL_KEY_FILE/);
    expect(attempt).toThrow(/APPROVAL_TTL_SECONDS: "7200" is not an integer between 60 and 3600/);
    expect(attempt).toThrow(/APPROVAL_BASE_URL: .*must use https/);
  });
});
