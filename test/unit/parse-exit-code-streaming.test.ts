import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CommandOutcome, FailureDigest } from "#lib/contracts.ts";
import { DEFAULT_DIGEST_LIMITS } from "#lib/failure-digest/failure-digest.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import { classifyOutcome } from "../../functions/parse-exit-code/parse-exit-code.ts";
import { detachedRunId } from "../../functions/run-command/detached-run.ts";
import {
  type RunCommandDependencies,
  type RunCommandInput,
  runCommand,
  runCommandInputSchema,
} from "../../functions/run-command/run-command.ts";
import {
  agentCoreClient,
  commandReply,
  eventStream,
  repairRequest,
  started,
  stderr,
  stdout,
  stopped,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";
import { fixture } from "./parse-exit-code-support.ts";

/**
 * The failure digest of a validation is read by run-command from every line of the output as it streams, so a run
 * with many failures is digested as well as one with three: these tests stream real tool outputs (many failures,
 * with and without colours) through run-command in odd-sized chunks, then hand the outcome to parse-exit-code as
 * the state machine does. The state keeps the same small head and tail as before; the digest no longer depends
 * on them.
 */

const agentCore = mockClient(BedrockAgentCoreClient);
/** Splits a text into deltas of `size` characters, as the service's event frames cut it (mid-line, mid-name). */
function deltas(text: string, size: number, stream: "stdout" | "stderr" = "stdout") {
  const events = [];
  for (let i = 0; i < text.length; i += size)
    events.push((stream === "stdout" ? stdout : stderr)(text.slice(i, i + size)));
  return events;
}

/**
 * The fixtures were captured in /tmp/fx/<project>; in a session the same project sits at /mnt/workspace/<project>.
 * The paths the tools printed are moved there, so the request's workspace path is the one they name.
 */
function inSession(capturedAt: string) {
  const repoName = capturedAt.split("/").filter(Boolean).at(-1) ?? "repo";
  return repairRequest({ repoName, workspacePath: `/mnt/workspace/${repoName}` });
}

function asInSession(text: string, capturedAt: string): string {
  return text.split(capturedAt).join(inSession(capturedAt).workspacePath);
}

describe("run-command digests the whole output of a failing validation as it streams", () => {
  let artifacts: TemporaryStore;
  let deps: RunCommandDependencies;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      // The service defaults: far less than any of these outputs.
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

  const input = (workspacePath: string, overrides: Partial<RunCommandInput> = {}): RunCommandInput =>
    parseTaskInput(runCommandInputSchema, {
      request: inSession(workspacePath),
      command: "npm test",
      purpose: "validation",
      executionName: "exec-1",
      iteration: 0,
      ...overrides,
    });

  async function validate(
    captured: string,
    options: { workspacePath: string; stream?: "stdout" | "stderr"; chunk?: number; exitCode?: number },
  ): Promise<{ outcome: CommandOutcome; digest: FailureDigest }> {
    const text = asInSession(captured, options.workspacePath);
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => ({
      ...commandReply(""),
      stream: eventStream(
        started,
        ...deltas(text, options.chunk ?? 997, options.stream),
        stopped(options.exitCode ?? 1),
      ),
    }));
    const outcome = await runCommand(deps, input(options.workspacePath));
    const verdict = classifyOutcome({ request: inSession(options.workspacePath), validation: outcome });
    return { outcome, digest: verdict.digest };
  }

  it.each([
    ["vitest-many.txt", 7],
    ["vitest-many-color.txt", 4096],
  ])(
    "vitest, 48 failures (%s): the first ten with their suites, the total, the first error",
    async (name, chunk) => {
      // Act
      const { outcome, digest } = await validate(fixture(name), {
        workspacePath: "/tmp/fx/vitest-many",
        chunk,
      });

      // Assess: the head and tail in state could not have held this
      expect(outcome.stdout.truncated).toBe(true);
      expect(digest.tool).toBe("vitest");
      expect(digest.failingCount).toBe(48);
      expect(digest.failingTests).toHaveLength(10);
      expect(digest.failingTests.slice(0, 6)).toEqual([
        "test/alpha.test.js > alpha suite > adds case 1",
        "test/alpha.test.js > alpha suite > adds case 2",
        "test/alpha.test.js > alpha suite > adds case 3",
        "test/alpha.test.js > alpha suite > adds case 4",
        "test/alpha.test.js > alpha suite > adds case 5",
        "test/alpha.test.js > alpha suite > nested in alpha > still adds in alpha",
      ]);
      expect(digest.failingTests[7]).toBe(
        "test/alpha.test.js > alpha suite > parses record 7 with spaces in its name",
      );
      expect(digest.firstErrors[0]).toMatch(/^AssertionError: expected \+0 to be 2/);
      expect(digest.locations[0]).toEqual({ file: "test/alpha.test.js", line: 6, column: 23 });
      expect(JSON.stringify(digest)).not.toContain("\u001b");
    },
  );

  it.each(["jest-many.txt", "jest-many-color.txt"])("jest on stderr, 48 failures (%s)", async (name) => {
    // Act
    const { digest } = await validate(fixture(name), {
      workspacePath: "/tmp/fx/jest-many",
      stream: "stderr",
    });

    // Assess
    expect(digest.tool).toBe("jest");
    expect(digest.failingCount).toBe(48);
    expect(digest.failingTests.slice(0, 2)).toEqual([
      "test/gamma.test.js > gamma suite › adds case 31",
      "test/gamma.test.js > gamma suite › adds case 32",
    ]);
    expect(digest.firstErrors[0]).toBe(
      "expect(received).toBe(expected) // Object.is equality\nExpected: 32\nReceived: 30",
    );
    expect(digest.locations[0]).toEqual({ file: "test/gamma.test.js", line: 6, column: 24 });
  });

  it.each(["node-test-many-tap.txt", "node-test-many-spec.txt", "node-test-many-spec-color.txt"])(
    "node:test, 48 failures in nested suites (%s): never generic, every name in its suite",
    async (name) => {
      // Act
      const { digest } = await validate(fixture(name), { workspacePath: "/tmp/fx/node-many", chunk: 333 });

      // Assess
      expect(digest.tool).toBe("node-test");
      expect(digest.failingCount).toBe(48);
      expect(digest.failingTests.slice(0, 7)).toEqual([
        "alpha suite > adds case 1",
        "alpha suite > adds case 2",
        "alpha suite > adds case 3",
        "alpha suite > adds case 4",
        "alpha suite > adds case 5",
        "alpha suite > nested in alpha > still adds in alpha",
        "alpha suite > adds case 6",
      ]);
      expect(digest.firstErrors[0]).toMatch(/Expected values to be strictly equal:\n0 !== 2/);
    },
  );

  it.each(["pytest-many.txt", "pytest-many-color.txt"])(
    "pytest, 46 failures with parametrized ids holding spaces (%s)",
    async (name) => {
      // Act
      const { digest } = await validate(fixture(name), { workspacePath: "/tmp/fx/pytest-many" });

      // Assess
      expect(digest.tool).toBe("pytest");
      expect(digest.failingCount).toBe(46);
      expect(digest.failingTests.slice(0, 3)).toEqual([
        "tests/test_prices.py::test_total[order 1 of 45]",
        "tests/test_prices.py::test_total[order 2 of 45]",
        "tests/test_prices.py::test_total[order 3 of 45]",
      ]);
      expect(digest.firstErrors[0]).toBe("assert 1 == 2\n+  where 1 = total([1, 1])");
      expect(digest.locations[0]).toEqual({ file: "tests/test_prices.py", line: 10 });
    },
  );

  it.each(["unittest-many.txt", "unittest-many-verbose.txt"])(
    "python -m unittest, 49 failures and errors (%s)",
    async (name) => {
      // Act
      const { digest } = await validate(fixture(name), { workspacePath: "/tmp/fx/unittest-many", chunk: 50 });

      // Assess
      expect(digest.tool).toBe("unittest");
      expect(digest.failingCount).toBe(49);
      expect(digest.failingTests).toHaveLength(10);
      expect(digest.failingTests.slice(0, 2)).toEqual([
        "tests.test_prices.PricesTest.test_lookup_18",
        "tests.test_prices.PricesTest.test_lookup_27",
      ]);
      expect(digest.failingTests).toContain(
        "tests.test_prices.PricesTest.test_sub_totals (amounts='2 items')",
      );
      expect(digest.firstErrors.slice(0, 2)).toEqual(["KeyError: 'sku-18'", "KeyError: 'sku-27'"]);
      expect(digest.locations.slice(0, 2)).toEqual([
        { file: "tests/test_prices.py", line: 59 },
        { file: "shop/prices.py", line: 6 },
      ]);
    },
  );

  it("go test, 45 failures: every name counted, the first ten kept", async () => {
    // Act
    const { digest } = await validate(fixture("go-test-many.txt"), { workspacePath: "/tmp/fx/go-many" });

    // Assess
    expect(digest.tool).toBe("go-test");
    expect(digest.failingCount).toBe(45);
    expect(digest.failingTests.slice(0, 3)).toEqual(["TestAdd1", "TestAdd2", "TestAdd3"]);
    expect(digest.firstErrors[0]).toBe("calc_test.go:7: Add(1, 1) = 0, want 2");
  });

  it("stays bounded in state whatever the output: a digest of at most maxDigestBytes", async () => {
    // Act
    const { outcome, digest } = await validate(fixture("node-test-many-spec-color.txt"), {
      workspacePath: "/tmp/fx/node-many",
    });

    // Assess
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThanOrEqual(
      DEFAULT_DIGEST_LIMITS.maxDigestBytes,
    );
    expect(Buffer.byteLength(JSON.stringify(outcome))).toBeLessThan(2048 + 6144 + 2 * 8192);
  });

  it("keeps an enormous single line bounded, its start read", async () => {
    // Act
    const { digest } = await validate(`error: ${"é🙂".repeat(400_000)}\n`, {
      workspacePath: "/tmp/w",
      chunk: 65_536,
    });

    // Assess
    expect(digest.tool).toBe("generic");
    expect(digest.firstErrors[0]?.startsWith("error: é🙂")).toBe(true);
    expect(digest.firstErrors[0]?.length).toBeLessThanOrEqual(DEFAULT_DIGEST_LIMITS.maxEntryChars);
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThanOrEqual(
      DEFAULT_DIGEST_LIMITS.maxDigestBytes,
    );
  });

  it("returns failure null for a validation that passed, and for other purposes", async () => {
    // Act
    const passed = await validate("Tests  5 passed (5)\n", { workspacePath: "/tmp/w", exitCode: 0 });
    agentCore.reset();
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => commandReply("FAIL x > y\n", 1));
    const proposed = await runCommand(
      deps,
      input("/tmp/w", { purpose: "proposed", command: "npm run lint" }),
    );

    // Assess: the key is always there (the state machine's ResultSelector reads it)
    expect(passed.outcome.failure).toBeNull();
    expect(passed.digest.tool).toBe("none");
    expect(proposed.failure).toBeNull();
  });

  it("digests a detached validation's output when it is read back after the run", async () => {
    // Prepare: the session answers the poll (done, exit 1) and the read of the output file
    const runId = detachedRunId({
      executionName: "exec-1",
      iteration: 0,
      purpose: "validation",
      commandHash: (await import("#lib/command-hash.ts")).commandHash("npm test"),
    });
    const text = asInSession(fixture("unittest-import-error.txt"), "/tmp/fx/py-inventory");
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake((sent: { body: { command: string } }) => {
      const script = sent.body.command;
      if (script.includes("state=unknown")) return commandReply("state=done\nexit=1 0 900\nstarted=0\n");
      if (script.startsWith("cat "))
        return { ...commandReply(""), stream: eventStream(started, ...deltas(text, 100), stopped(0)) };
      return commandReply("");
    });

    // Act
    const outcome = await runCommand(
      deps,
      input("/tmp/fx/py-inventory", { pending: { runId, pollAfterSeconds: 5 } }),
    );

    // Assess: the read command exited 0, the run exited 1: the digest is there
    expect(outcome.exitCode).toBe(1);
    expect(outcome.failure).toMatchObject({
      tool: "unittest",
      failingTests: ["tests.test_inventory"],
      failingCount: 1,
    });
  });
});

describe("hundreds of failures from a real node --test run", () => {
  let project: string;
  const FAILURES = 210;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "digest-hundreds-"));
    const tests = [
      'import { describe, it } from "node:test";',
      'import assert from "node:assert/strict";',
      ...Array.from({ length: FAILURES / 30 }, (_, s) => [
        `describe("suite ${s}", () => {`,
        ...Array.from({ length: 30 }, (_, t) => `  it("case ${s}.${t}", () => assert.equal(${t}, -1));`),
        "});",
      ]).flat(),
    ].join("\n");
    await writeFile(join(project, "many.test.mjs"), tests);
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it.each(["spec", "tap"])("names the first ten in their suites and counts all %s", async (reporter) => {
    // Prepare: the real tool's output
    const run = spawnSync(process.execPath, ["--test", `--test-reporter=${reporter}`], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status).toBe(1);
    const artifacts = await temporaryStore();
    agentCore.reset();
    agentCore.on(InvokeAgentRuntimeCommandCommand).callsFake(() => ({
      ...commandReply(""),
      stream: eventStream(started, ...deltas(asInSession(run.stdout, project), 4093), stopped(1)),
    }));

    // Act
    const outcome = await runCommand(
      {
        agentCore: agentCoreClient(),
        store: artifacts.store,
        digest: { headBytes: 2048, tailBytes: 6144 },
        config: {
          maxSyncCommandSeconds: 840,
          commandMarginSeconds: 30,
          pollIntervalSeconds: 60,
          toolCacheDir: "/t",
        },
        remainingTimeMs: () => 900_000,
      },
      parseTaskInput(runCommandInputSchema, {
        request: inSession(project),
        command: "node --test",
        purpose: "validation",
        executionName: "exec-1",
        iteration: 0,
      }),
    );
    await artifacts.remove();

    // Assess
    const digest = classifyOutcome({ request: inSession(project), validation: outcome }).digest;
    expect(run.stdout.length).toBeGreaterThan(100_000);
    expect(digest.tool).toBe("node-test");
    expect(digest.failingCount).toBe(FAILURES);
    expect(digest.failingTests).toEqual(Array.from({ length: 10 }, (_, t) => `suite 0 > case 0.${t}`));
    expect(digest.locations[0]).toMatchObject({ file: "many.test.mjs" });
    expect(digest.firstErrors[0]).toMatch(/Expected values to be strictly equal:\n0 !== -1/);
  });
});
