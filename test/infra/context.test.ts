import { describe, expect, it } from "vitest";
import { readAppSettings } from "../../infra/context.ts";

function reader(context: Record<string, unknown>) {
  return (key: string) => context[key];
}

describe("reading deployment settings from CDK context", () => {
  it("defaults to the AgentCoreRepair stack with the runtime ARN left to a stack parameter", () => {
    const settings = readAppSettings(reader({}));

    expect(settings).toEqual({ stackName: "AgentCoreRepair", stackProps: { runtime: {} } });
  });

  it("accepts command-line strings and cdk.json values alike", () => {
    const fromCommandLine = readAppSettings(
      reader({
        runtimeArn: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-AbCdEf1234",
        commandTimeoutSeconds: "600",
        approvalTtlSeconds: "1200",
        codeBuildProjects: '{"web-app":{"validationCommand":"npm test"}}',
        approverEmails: "a@example.com, b@example.com",
        policyConfigs: '{"web-app":{"allow":["make lint"]}}',
        retainData: "false",
      }),
    );
    const fromCdkJson = readAppSettings(
      reader({
        runtimeArn: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-AbCdEf1234",
        commandTimeoutSeconds: 600,
        approvalTtlSeconds: 1200,
        codeBuildProjects: { "web-app": { validationCommand: "npm test" } },
        approverEmails: ["a@example.com", "b@example.com"],
        policyConfigs: { "web-app": { allow: ["make lint"] } },
        retainData: false,
      }),
    );

    expect(fromCommandLine).toEqual(fromCdkJson);
    expect(fromCdkJson.stackProps).toMatchObject({
      runtime: { runtimeArn: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-AbCdEf1234" },
      commandTimeoutSeconds: 600,
      approvalTtlSeconds: 1200,
      codeBuildProjects: { "web-app": { validationCommand: "npm test" } },
      approverEmails: ["a@example.com", "b@example.com"],
      policyConfigs: { "web-app": { allow: ["make lint"] } },
      retainData: false,
    });
  });

  it("names the context key of a bad value", () => {
    expect(() => readAppSettings(reader({ commandTimeoutSeconds: "five minutes" }))).toThrow(
      'context commandTimeoutSeconds must be a whole number, got "five minutes"',
    );
    expect(() => readAppSettings(reader({ codeBuildProjects: "{not json" }))).toThrow(
      /^context codeBuildProjects is not valid JSON/,
    );
    expect(() => readAppSettings(reader({ codeBuildProjects: '{"web-app": "npm test"}' }))).toThrow(
      "context codeBuildProjects.web-app must be an object {validationCommand?, repository?}",
    );
    expect(() => readAppSettings(reader({ retainData: "yes" }))).toThrow(
      'context retainData must be true or false, got "yes"',
    );
  });
});
