import { App } from "aws-cdk-lib";
import { readAppSettings } from "./context.ts";
import { applyNagChecks } from "./nag.ts";
import { RepairStack } from "./stack.ts";

/**
 * `npx cdk synth` / `npx cdk deploy` entry point (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: no
 * account lookups, no Docker (functions bundle with the local esbuild). Settings come from context; see
 * infra/README.md.
 */
const app = new App();
const settings = readAppSettings((key) => app.node.tryGetContext(key));

new RepairStack(app, settings.stackName, {
  ...settings.stackProps,
  description:
    "agentcore-repair: repair failing validations with an agent on Amazon Bedrock AgentCore Runtime",
  // Environment-agnostic unless the CLI knows the target account and region; nothing is looked up at synth.
  ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
    : {}),
});

applyNagChecks(app);
app.synth();
