import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ValidationFailedError } from "#lib/errors.ts";
import { repairRequest } from "./agentcore-fakes.ts";

/**
 * The review-commands Lambda entry as the state machine calls it. Each test imports a fresh copy of the handler
 * (and of the modules it caches in: policies, the bash grammar, task dependencies), as a cold container would.
 */

const VARIABLES = [
  "ARTIFACT_DIR",
  "APPROVALS_FILE",
  "AUDIT_FILE",
  "APPROVAL_KEY_FILE",
  "RUN_COMMAND_FUNCTION_NAME",
  "POLICY_CONFIGS",
  "POLICY_BASH_WASM",
  "POLICY_EGRESS_ALLOW_LIST",
] as const;

async function freshHandler() {
  vi.resetModules();
  return (await import("../../functions/review-commands/handler.ts")).handler;
}

/** A turn that proposed nothing: the review builds the policy and returns without running anything. */
const event = () => ({
  request: repairRequest(),
  executionName: "exec-review",
  iteration: 1,
  agent: { iteration: 1, summary: "nothing to run", changedFiles: [], proposedCommands: [] },
  review: { iteration: 0, nextIndex: 0, records: [], awaitingApproval: null },
  approval: null,
});

describe("the review-commands handler", () => {
  let directory: string;
  const saved: Partial<Record<(typeof VARIABLES)[number], string>> = {};

  beforeEach(async () => {
    for (const name of VARIABLES) saved[name] = process.env[name];
    directory = await mkdtemp(join(tmpdir(), "review-handler-"));
    Object.assign(process.env, {
      ARTIFACT_DIR: join(directory, "artifacts"),
      APPROVALS_FILE: join(directory, "approvals.json"),
      AUDIT_FILE: join(directory, "audit.jsonl"),
      APPROVAL_KEY_FILE: join(directory, "signing.key"),
      RUN_COMMAND_FUNCTION_NAME: "agentcore-repair-run-command",
    });
    delete process.env.POLICY_CONFIGS;
    delete process.env.POLICY_BASH_WASM;
    delete process.env.POLICY_EGRESS_ALLOW_LIST;
  });
  afterEach(async () => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await rm(directory, { recursive: true, force: true });
  });

  it("reviews a turn", async () => {
    const handler = await freshHandler();
    const result = await handler(event());
    expect(result).toMatchObject({ iteration: 1, records: [], awaitingApproval: null });
  });

  it("requires RUN_COMMAND_FUNCTION_NAME instead of guessing a function name", async () => {
    // Prepare
    delete process.env.RUN_COMMAND_FUNCTION_NAME;
    const handler = await freshHandler();
    // Act
    const error = (await handler(event()).catch((e: unknown) => e)) as ValidationFailedError;
    // Assess
    expect(error.name).toBe("ValidationFailedError");
    expect(error.fields.map((f) => f.field)).toEqual(["RUN_COMMAND_FUNCTION_NAME"]);
  });

  it.each([
    ["null", "null"],
    ["an array", '[{"allow":[]}]'],
    ["a string", '"widgets"'],
    ["not JSON", "{widgets"],
  ])("refuses POLICY_CONFIGS that is %s, naming it", async (_case, value) => {
    // Prepare
    process.env.POLICY_CONFIGS = value;
    const handler = await freshHandler();
    // Act
    const error = (await handler(event()).catch((e: unknown) => e)) as ValidationFailedError;
    // Assess
    expect(error.name).toBe("ValidationFailedError");
    expect(error.fields).toEqual([
      { field: "POLICY_CONFIGS", problem: "is not a JSON object keyed by repository name" },
    ]);
  });

  it("refuses a POLICY_EGRESS_ALLOW_LIST entry that is not a host, naming the variable", async () => {
    // Prepare
    process.env.POLICY_EGRESS_ALLOW_LIST = "registry.npmjs.org, https://evil.example/path";
    const handler = await freshHandler();
    // Act
    const error = (await handler(event()).catch((e: unknown) => e)) as ValidationFailedError;
    // Assess
    expect(error.name).toBe("ValidationFailedError");
    expect(error.fields[0]?.field).toBe("POLICY_EGRESS_ALLOW_LIST");
    expect(error.fields[0]?.problem).toMatch(/POLICY_EGRESS_ALLOW_LIST\[1\] must be a host name/);
  });

  it("builds the policy again on the next invocation when building it failed", async () => {
    // Prepare: the grammar cannot be found on the first invocation of this warm container
    process.env.POLICY_BASH_WASM = join(directory, "missing.wasm");
    const handler = await freshHandler();
    const first = await handler(event()).catch((e: unknown) => e);
    // Act: the environment is fixed; the same container is invoked again
    delete process.env.POLICY_BASH_WASM;
    const second = await handler(event());
    // Assess
    expect(first).toMatchObject({ name: "PlatformError" });
    expect(second).toMatchObject({ iteration: 1, awaitingApproval: null });
  });
});
