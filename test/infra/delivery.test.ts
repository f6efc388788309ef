import type { CfnElement } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { TASK_NAMES } from "../../infra/constructs/task-catalog.ts";
import {
  actionsOf,
  type BuiltStack,
  buildStack,
  EXAMPLE_IMAGE_URI,
  policyStatements,
  resourcesOf,
  roleOfFunction,
} from "./support.ts";

/**
 * The repository write credential: one secret, readable by deliver-change's role alone; the AgentCore runtime
 * (created here from an image, so its role is in the template) gets no repository credential of any kind.
 */
let built: BuiltStack;
const LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:git:3";

beforeAll(() => {
  built = buildStack({
    runtime: { agentImageUri: EXAMPLE_IMAGE_URI },
    deliveryConfigs: { "web-app": { mode: "pull-request", github: { owner: "octo", repo: "web-app" } } },
    deliveryGitLayerArn: LAYER,
    approvers: { "*": ["lead@example.com"], "web-app": ["dev@example.com"] },
  });
});

const idOf = (construct: { node: { defaultChild?: unknown } }) =>
  built.stack.getLogicalId(construct.node.defaultChild as CfnElement);

describe("the delivery credential", () => {
  it("is granted to deliver-change's role and to no other principal", () => {
    // Prepare
    const secret = idOf(built.stack.delivery.secret);
    const deliverRole = roleOfFunction(
      built.template,
      built.stack.getLogicalId(built.stack.functions["deliver-change"].node.defaultChild as CfnElement),
    );
    // Act
    const holders = policyStatements(built.template).filter(({ statement }) =>
      JSON.stringify(resourcesOf(statement)).includes(`"${secret}"`),
    );
    // Assess
    expect(holders.length).toBeGreaterThan(0);
    for (const { roles, statement } of holders) {
      expect(roles).toEqual([deliverRole]);
      expect(actionsOf(statement)).toEqual(
        expect.arrayContaining(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]),
      );
    }
    expect(built.template.findResources("AWS::SecretsManager::ResourcePolicy")).toEqual({});
  });

  it("gives the runtime's role no repository credential: no secret reads at all, no delivery settings", () => {
    // Prepare: every role that is not a task function's is the runtime's (or a CDK helper's).
    const functionRoles = new Set(
      TASK_NAMES.map((task) =>
        roleOfFunction(
          built.template,
          built.stack.getLogicalId(built.stack.functions[task].node.defaultChild as CfnElement),
        ),
      ),
    );
    const runtimes = built.template.findResources("AWS::BedrockAgentCore::Runtime");
    expect(Object.keys(runtimes)).toHaveLength(1);
    const runtime = Object.values(runtimes)[0]!;
    // Act
    const others = policyStatements(built.template).filter(({ roles }) =>
      roles.some((r) => !functionRoles.has(r)),
    );
    // Assess
    for (const { statement } of others) {
      expect(actionsOf(statement).filter((action) => action.startsWith("secretsmanager:"))).toEqual([]);
    }
    expect(JSON.stringify(runtime)).not.toContain(idOf(built.stack.delivery.secret));
    expect(JSON.stringify(runtime)).not.toMatch(/DELIVERY_|GITHUB_TOKEN|GIT_ASKPASS/);
  });

  it("configures deliver-change from the deployment and gives it git through the layer", () => {
    const id = built.stack.getLogicalId(
      built.stack.functions["deliver-change"].node.defaultChild as CfnElement,
    );
    const fn = built.template.findResources("AWS::Lambda::Function")[id]!.Properties as {
      Environment: { Variables: Record<string, unknown> };
      Layers: unknown[];
    };
    expect(JSON.parse(fn.Environment.Variables.DELIVERY_CONFIGS as string)).toEqual({
      "web-app": { mode: "pull-request", github: { owner: "octo", repo: "web-app" } },
    });
    expect(fn.Environment.Variables.DELIVERY_DEFAULT_MODE).toBe("patch");
    expect(fn.Layers).toEqual([LAYER]);
  });

  it("hands the approvers' allow-list to the approval API", () => {
    const id = built.stack.getLogicalId(
      built.stack.functions["approval-api"].node.defaultChild as CfnElement,
    );
    const fn = built.template.findResources("AWS::Lambda::Function")[id]!.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(JSON.parse(fn.Environment.Variables.APPROVERS as string)).toEqual({
      "*": ["lead@example.com"],
      "web-app": ["dev@example.com"],
    });
  });

  it("refuses at synthesis a branch delivery without git in deliver-change's runtime", () => {
    expect(() => buildStack({ deliveryConfigs: { "web-app": { mode: "branch" } } })).toThrow(
      /web-app \(branch\).*gitLayerArn/,
    );
  });
});
