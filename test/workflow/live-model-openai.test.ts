// A live model through the whole local stack: `--model openai:… --model-url …` as npm start sets it up, the
// AgentCore emulator starting the sample agent with the model's settings, and a stand-in chat-completions server
// acting as the model (it reads the file the agent hands back and writes the fix). The repair passes, and the
// key reached the model server (from the agent process) without appearing in the report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentModelSetup, parseModelOptions, setUpAgentModel } from "../../infra/local/agent-model.ts";
import { chatAnswer, type StandIn, startOpenAiStandIn } from "../unit/model-stand-ins.ts";
import { reportOf, startWorkflowHarness, statesEntered, type WorkflowHarness } from "./workflow-harness.ts";

const KEY = "sk-workflow-test-key-0001";

describe("a repair driven by an OpenAI-compatible model", () => {
  let model: StandIn;
  let setup: AgentModelSetup;
  let harness: WorkflowHarness;

  beforeAll(async () => {
    model = await startOpenAiStandIn();
    // The model: read the calculator, then write it back fixed from what the read returned, then summarize.
    model.script = (body, index) => {
      const messages = body.messages as { role: string; content: string | null }[];
      if (index === 0) {
        return chatAnswer("Reading the code.", [
          { id: "r1", name: "read_file", arguments: JSON.stringify({ path: "src/calculator.js" }) },
        ]);
      }
      if (index === 1) {
        const original = messages.find((m) => m.role === "tool")?.content ?? "";
        const content = original.replace("let i = 1;", "let i = 0;");
        return chatAnswer(null, [
          { id: "w1", name: "write_file", arguments: JSON.stringify({ path: "src/calculator.js", content }) },
        ]);
      }
      return chatAnswer("Fixed total(): the loop skipped the first amount.");
    };
    setup = await setUpAgentModel(
      parseModelOptions({
        model: "openai:stand-in-coder",
        modelUrl: `${model.url}/v1`,
        modelKeyEnv: "TEST_MODEL_KEY",
      }),
      { env: { TEST_MODEL_KEY: KEY } },
    );
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

  it("repairs the sample with the live model's edits", async () => {
    // Act
    const result = await harness.stack.run(await harness.request("node-calculator", "npm test"));

    // Assess: the path, the model's three turns, and the key only on the wire to the model
    expect(result.status).toBe("SUCCEEDED");
    expect(statesEntered(result)).toContain("Invoke the agent");
    expect(model.calls).toHaveLength(3);
    expect(model.calls[0]?.path).toBe("/v1/chat/completions");
    expect(model.calls[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    const report = await reportOf(harness, result);
    expect(JSON.stringify(report)).toContain("OpenAI-compatible model stand-in-coder");
    expect(JSON.stringify(report)).not.toContain(KEY);
  }, 120_000);
});
