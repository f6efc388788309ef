import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll } from "vitest";
import { PROJECT_ROOT, RepairStack, type RepairStackProps } from "../../infra/stack.ts";

/**
 * Shared setup of the infra tests: one app per test file, bundling skipped (no esbuild run, no Docker) and CDK's
 * built-in CloudFormation validation off (cfn-lint.test.ts lints the template with cfn-lint itself).
 */

/** The workflow the stack deploys (the stack's default, named so tests can read it). */
export const REPAIR_ASL = join(PROJECT_ROOT, "statemachine", "repair.asl.json");

export const EXAMPLE_RUNTIME_ARN =
  "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";
export const EXAMPLE_IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/repair-agent:v1";

export interface BuiltStack {
  readonly app: App;
  readonly stack: RepairStack;
  readonly template: Template;
}

// Cloud assemblies go to temporary directories that are removed when the test file ends.
const temporaryOutdirs: string[] = [];
afterAll(() => {
  for (const outdir of temporaryOutdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
});

export function newTestApp(outdir?: string): App {
  const target = outdir ?? mkdtempSync(join(tmpdir(), "agentcore-repair-cdk-"));
  if (!outdir) temporaryOutdirs.push(target);
  return new App({
    context: { "aws:cdk:bundling-stacks": [] },
    builtinCloudFormationValidation: false,
    outdir: target,
  });
}

/** Adds the stack to the app without synthesizing (nag.test.ts synthesizes itself to catch the report). */
export function addStack(app: App, props: RepairStackProps = {}): RepairStack {
  return new RepairStack(app, "AgentCoreRepair", props);
}

export function buildStack(props: RepairStackProps = {}, app: App = newTestApp()): BuiltStack {
  const stack = addStack(app, props);
  return { app, stack, template: Template.fromStack(stack) };
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export interface OwnedStatement {
  /** Logical ids of the roles the policy is attached to. */
  readonly roles: readonly string[];
  readonly policyLogicalId: string;
  readonly statement: PolicyStatementJson;
}

/** Every statement of every AWS::IAM::Policy, with the roles it applies to. */
export function policyStatements(template: Template): OwnedStatement[] {
  const found: OwnedStatement[] = [];
  for (const [policyLogicalId, policy] of Object.entries(template.findResources("AWS::IAM::Policy"))) {
    const properties = policy.Properties as {
      PolicyDocument: { Statement: PolicyStatementJson[] };
      Roles?: { Ref: string }[];
    };
    const roles = (properties.Roles ?? []).map((role) => role.Ref);
    for (const statement of properties.PolicyDocument.Statement)
      found.push({ roles, policyLogicalId, statement });
  }
  return found;
}

export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatementJson): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The logical id of the role a Lambda function runs as. */
export function roleOfFunction(template: Template, functionLogicalId: string): string {
  const fn = template.findResources("AWS::Lambda::Function")[functionLogicalId];
  const role = (fn?.Properties as { Role?: { "Fn::GetAtt": [string, string] } } | undefined)?.Role;
  if (!role) throw new Error(`${functionLogicalId} is not a Lambda function with a role in this template`);
  return role["Fn::GetAtt"][0];
}
