// `--model bedrock:…` through the whole local stack: the host's credentials (a static stand-in for the standard
// chain) served on loopback to the agent process the emulator starts, and a Converse stand-in acting as the model.
// The repair passes, every Converse call is signed with the host's key, and no key is in the agent's environment
// or the report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentModelSetup, parseModelOptions, setUpAgentModel } from "../../infra/local/agent-model.ts";
import { converseTurn, type StandIn, startBedrockStandIn } from "../unit/model-stand-ins.ts";
import { reportOf, startWorkflowHarness, type WorkflowHarness } from "./workflow-harness.ts";

const HOST_KEY = "AKIAHOSTWORKFLOW0001";

describe("a repair driven by a Bedrock model with the host's credentials", () => {
  let model: StandIn;
  let setup: AgentModelSetup;
  let harness: WorkflowHarness;

  beforeAll(async () => {
    model = await startBedrockStandIn();
    model.script = (body, index) => {
      if (index === 0) {
        return converseTurn("tool_use", [
          { toolUse: { toolUseId: "r1", name: "read_file", input: { path: "src/calculator.js" } } },
        ]);
      }
      if (index === 1) {
        const messages = body.messages as { content: { toolResult?: { content: { text: string }[] } }[] }[];
        const original = messages.at(-1)?.content[0]?.toolResult?.content[0]?.text ?? "";
        return converseTurn("tool_use", [
          {
            toolUse: {
              toolUseId: "w1",
              name: "write_file",
              input: { path: "src/calculator.js", content: original.replace("let i = 1;", "let i = 0;") },
            },
          },
        ]);
      }
      return converseTurn("end_turn", [{ text: "Fixed total(): the loop skipped the first amount." }]);
    };
    setup = await setUpAgentModel(parseModelOptions({ model: "bedrock:us.anthropic.claude-test-v1:0" }), {
      env: { AWS_REGION: "us-west-2", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: model.url },
      credentials: async () => ({
        accessKeyId: HOST_KEY,
        secretAccessKey: "host-secret-not-real",
        sessionToken: "host-session-token",
        expiration: new Date(Date.now() + 3_600_000),
      }),
    });
    harness = await startWorkflowHarness({
      agentEnvironment: setup.environment,
      agentHostEndpoints: setup.hostEndpoints,
    });
  });
  afterAll(async () => {
    await harness.close();
    await setup.stop();
    await model.close();
  });

  it("repairs the sample, every model call signed with the host's key", async () => {
    // Act
    const result = await harness.stack.run(await harness.request("node-calculator", "npm test"));

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    expect(model.calls).toHaveLength(3);
    for (const call of model.calls) {
      expect(String(call.headers.authorization)).toContain(`Credential=${HOST_KEY}/`);
    }
    expect(setup.credentialsServed()).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(setup.environment)).not.toContain(HOST_KEY);
    const report = JSON.stringify(await reportOf(harness, result));
    expect(report).toContain("Amazon Bedrock model us.anthropic.claude-test-v1:0");
    expect(report).not.toContain(HOST_KEY);
  }, 120_000);
});
