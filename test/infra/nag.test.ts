import type { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { applyNagChecks, listAcknowledgements, MIN_REASON_LENGTH } from "../../infra/nag.ts";
import type { RepairStackProps } from "../../infra/stack.ts";
import { addStack, EXAMPLE_IMAGE_URI, EXAMPLE_RUNTIME_ARN, newTestApp } from "./support.ts";

/**
 * cdk-nag AwsSolutions on the app in each runtime mode (their IAM findings differ: a literal ARN, a stack
 * parameter, a runtime created here) and, for the created runtime, each network posture (egress=isolated, the
 * default; allow-list; public). Each app is synthesized once, with the nag plugin registered the way
 * infra/app.ts registers it: `app.synth()` throws on any unacknowledged finding.
 */
const MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const MODES: Record<string, RepairStackProps> = {
  "runtime ARN as a stack parameter": {},
  "existing runtime ARN from context": { runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN } },
  "runtime created from an image": { runtime: { agentImageUri: EXAMPLE_IMAGE_URI, agentModelId: MODEL_ID } },
  "created runtime, egress=allow-list": {
    runtime: { agentImageUri: EXAMPLE_IMAGE_URI, agentModelId: MODEL_ID, egress: "allow-list" },
  },
  "created runtime, egress=public": {
    runtime: { agentImageUri: EXAMPLE_IMAGE_URI, agentModelId: MODEL_ID, egress: "public" },
  },
};

interface Finding {
  readonly rule: string;
  readonly paths: readonly string[];
}

function findings(app: App, ignoreAcknowledgements: boolean): Finding[] {
  const checks = new AwsSolutionsChecks(app);
  if (ignoreAcknowledgements) {
    // Report what the rules find before acknowledgements apply, to catch acknowledgements that match nothing.
    (checks as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  return checks.validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? "(unknown)"),
  }));
}

const apps = new Map<string, App>();
const synthErrors = new Map<string, unknown>();

beforeAll(() => {
  for (const [mode, props] of Object.entries(MODES)) {
    const app = newTestApp();
    applyNagChecks(app);
    addStack(app, props);
    try {
      app.synth();
    } catch (error) {
      synthErrors.set(mode, error);
    }
    apps.set(mode, app);
  }
});

describe.each(Object.keys(MODES))("cdk-nag AwsSolutions, %s", (mode) => {
  it("synthesizes with the nag plugin registered, leaving no unacknowledged finding", () => {
    const app = apps.get(mode)!;

    const remaining = findings(app, false);

    expect(remaining).toEqual([]);
    expect(synthErrors.get(mode)).toBeUndefined();
  });

  it("gives every acknowledgement a reason", () => {
    const acknowledgements = listAcknowledgements(apps.get(mode)!);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect(
        acknowledgement.reason.trim().length,
        `${acknowledgement.path} ${acknowledgement.id}`,
      ).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
    }
  });

  it("acknowledges only findings that exist, on the construct that has them", () => {
    const app = apps.get(mode)!;
    const raw = findings(app, true);

    // CDK records its own acknowledgements of its built-in CloudFormation checks (CloudFormation-Validate::...);
    // only cdk-nag's are ours to keep honest.
    const stale = listAcknowledgements(app).filter(
      (ack) =>
        ack.id.startsWith("AwsSolutions-") &&
        !raw.some(
          (finding) =>
            finding.rule === ack.id &&
            finding.paths.some((path) => path === ack.path || path.startsWith(`${ack.path}/`)),
        ),
    );

    expect(stale).toEqual([]);
  });
});

describe("the runtime created from an image", () => {
  let template: Template;
  beforeAll(() => {
    const app = apps.get("runtime created from an image")!;
    template = Template.fromStack(app.node.findChild("AgentCoreRepair") as never);
  });

  it("mounts session storage at /mnt/workspace, with lifecycle settings, from the given image", () => {
    template.hasResourceProperties("AWS::BedrockAgentCore::Runtime", {
      AgentRuntimeArtifact: { ContainerConfiguration: { ContainerUri: EXAMPLE_IMAGE_URI } },
      FilesystemConfigurations: [{ SessionStorage: { MountPath: "/mnt/workspace" } }],
      LifecycleConfiguration: { IdleRuntimeSessionTimeout: 900, MaxLifetime: 28800 },
      EnvironmentVariables: {
        AGENT_WORKSPACE_ROOT: "/mnt/workspace",
        AGENT_MODEL_ID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      },
      RoleArn: { "Fn::GetAtt": [Match.stringLikeRegexp("ExecutionRole"), "Arn"] },
    });
  });

  it("lets its execution role pull only the agent image's repository", () => {
    // Inline in the role (infra/constructs/agent-runtime.ts runtimeRoleStatements), so the runtime never starts
    // before its rights exist; test/infra/session-boundary.test.ts holds the whole list.
    template.hasResourceProperties("AWS::IAM::Role", {
      Policies: [
        {
          PolicyName: "Session",
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Sid: "AgentImagePull",
                Action: [
                  "ecr:BatchGetImage",
                  "ecr:GetDownloadUrlForLayer",
                  "ecr:BatchCheckLayerAvailability",
                ],
                Resource: "arn:aws:ecr:us-east-1:123456789012:repository/repair-agent",
              }),
            ]),
          },
        },
      ],
    });
  });

  it("scopes the command grant to the created runtime's ARN and its endpoints", () => {
    const [runtimeId] = Object.keys(template.findResources("AWS::BedrockAgentCore::Runtime"));
    const runtimeArn = { "Fn::GetAtt": [runtimeId, "AgentRuntimeArn"] };
    template.hasResourceProperties("AWS::IAM::Policy", {
      Roles: [{ Ref: Match.stringLikeRegexp("^CommandRunnerRole") }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: "bedrock-agentcore:InvokeAgentRuntimeCommand",
            Effect: "Allow",
            Resource: [runtimeArn, { "Fn::Join": ["", [runtimeArn, "/*"]] }],
          },
        ]),
      },
    });
  });
});
