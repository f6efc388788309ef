import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput, requestInStateSchema } from "#lib/task-input.ts";
import { buildReport, renderMarkdown } from "../../functions/finalize/report.ts";
import { classifyOutcome } from "../../functions/parse-exit-code/parse-exit-code.ts";
import {
  type RunCommandDependencies,
  runCommand,
  runCommandInputSchema,
} from "../../functions/run-command/run-command.ts";
import {
  agentCoreClient,
  commandReply,
  repairRequest,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";
import { fixture } from "./parse-exit-code-support.ts";

/**
 * The report says what was failing at the start (from the ledger record of the first failing validation, which
 * run-command writes with the streamed digest's summary), what passes at the end, and how many tests failed in all.
 */

const agentCore = mockClient(BedrockAgentCoreClient);

describe("the report's failing tests, from the first validation to the last", () => {
  let artifacts: TemporaryStore;
  let deps: RunCommandDependencies;
  const request = requestInStateSchema.parse(repairRequest());

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      digest: { headBytes: 2048, tailBytes: 6144 },
      config: {
        maxSyncCommandSeconds: 840,
        commandMarginSeconds: 30,
        pollIntervalSeconds: 60,
        toolCacheDir: "/tmp/rc",
      },
      remainingTimeMs: () => 900_000,
    };
  });
  afterEach(() => artifacts.remove());

  const validate = async (output: string, exitCode: number, iteration: number) => {
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply(output, exitCode));
    const outcome = await runCommand(
      deps,
      parseTaskInput(runCommandInputSchema, {
        request,
        command: "npm test",
        purpose: "validation",
        executionName: "exec-1",
        iteration,
      }),
    );
    return classifyOutcome({ request, validation: outcome });
  };

  const report = async (verdict: Awaited<ReturnType<typeof validate>>) =>
    buildReport({
      executionName: "exec-1",
      request,
      iterations: 1,
      outcome: verdict.outcome === "passed" ? "repaired" : "not-repaired",
      finishedAt: new Date("2026-01-01T00:10:00.000Z"),
      verdict,
      ledger: await readLedger(artifacts.store, "exec-1"),
    });

  it("names the first failures and the total at the start, and says they pass at the end", async () => {
    // Prepare: 48 failures at the start, then a passing run
    await validate(fixture("vitest-many.txt"), 1, 0);
    const final = await validate(" Test Files  3 passed (3)\n", 0, 1);

    // Act
    const document = await report(final);
    const markdown = renderMarkdown(document);

    // Assess
    expect(document.failingAtStart).toEqual({
      iteration: 0,
      tool: "vitest",
      failingCount: 48,
      failingTests: expect.arrayContaining(["test/alpha.test.js > alpha suite > adds case 1"]),
    });
    expect(document.failingAtStart?.failingTests).toHaveLength(10);
    expect(markdown).toContain("## Failing at the start\n\n48 failing test(s) in all (vitest, iteration 0).");
    expect(markdown).toContain("- `test/alpha.test.js > alpha suite > adds case 1`");
    expect(markdown).toContain("- … and 38 more");
    expect(markdown).toContain("Validation passes at the end: the 48 test(s) failing at the start pass.");
  });

  it("gives the total still failing at the end when the repair did not pass", async () => {
    // Prepare
    await validate(fixture("unittest-many.txt"), 1, 0);
    const final = await validate(fixture("pytest-many.txt"), 1, 1);

    // Act
    const markdown = renderMarkdown(await report(final));

    // Assess
    expect(markdown).toContain("49 failing test(s) in all (unittest, iteration 0).");
    expect(markdown).toContain("46 failing test(s) in all at the end.");
    expect(markdown).toContain("- failing: `tests/test_prices.py::test_total[order 1 of 45]`");
  });
});
