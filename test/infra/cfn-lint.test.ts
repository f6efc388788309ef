import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addStack, EXAMPLE_IMAGE_URI, newTestApp } from "./support.ts";

/**
 * The synthesized templates pass cfn-lint (CloudFormation schemas, the ASL embedded in DefinitionString, the
 * DefinitionSubstitutions). Four templates: the default `npm run synth` (runtime ARN as a stack parameter) and the
 * one that creates the runtime (AWS::BedrockAgentCore::Runtime with FilesystemConfigurations) in each network
 * posture: isolated (VPC, endpoints, CodeArtifact), allow-list (plus NAT and Network Firewall), public.
 *
 * W3005 is ignored: CDK always writes an explicit DependsOn on a role's policy next to the GetAtt of the role,
 * and cfn-lint warns that the GetAtt already implies the role half of it.
 */

const cfnLintVersion = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
const cfnLintAvailable = cfnLintVersion.error === undefined && cfnLintVersion.status === 0;
// Set REQUIRE_CFN_LINT=1 where cfn-lint must run (CI, this machine): its absence then fails instead of skipping.
const cfnLintRequired = process.env.REQUIRE_CFN_LINT === "1";

let outdir: string;
const templates: string[] = [];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "agentcore-repair-cfn-lint-"));
  for (const [name, props] of [
    ["parameter", {}],
    ["created-runtime-isolated", { runtime: { agentImageUri: EXAMPLE_IMAGE_URI } }],
    ["created-runtime-allow-list", { runtime: { agentImageUri: EXAMPLE_IMAGE_URI, egress: "allow-list" } }],
    ["created-runtime-public", { runtime: { agentImageUri: EXAMPLE_IMAGE_URI, egress: "public" } }],
  ] as const) {
    const app = newTestApp(join(outdir, name));
    const stack = addStack(app, props);
    const assembly = app.synth();
    templates.push(join(assembly.directory, stack.templateFile));
  }
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe("cfn-lint", () => {
  it("finds cfn-lint when the environment requires it", () => {
    if (cfnLintRequired)
      expect(cfnLintAvailable, "REQUIRE_CFN_LINT=1 but cfn-lint is not on PATH").toBe(true);
    expect(templates).toHaveLength(4);
  });

  it.skipIf(!cfnLintAvailable)(
    `reports no error or warning on the synthesized templates (${cfnLintAvailable ? cfnLintVersion.stdout.trim() : "skipped: cfn-lint is not on PATH"})`,
    () => {
      const result = spawnSync("cfn-lint", ["--ignore-checks", "W3005", "--", ...templates], {
        encoding: "utf8",
        timeout: 120_000,
      });

      // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational findings.
      expect(result.error).toBeUndefined();
      expect([0, 8], `cfn-lint exited ${result.status}:\n${result.stdout}\n${result.stderr}`).toContain(
        result.status,
      );
    },
    120_000,
  );
});
