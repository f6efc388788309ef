import { afterEach, describe, expect, it } from "vitest";
import type { RepairRequest } from "#lib/contracts.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import { runCommandInputSchema } from "../../../functions/run-command/run-command.ts";
import { repairRequest } from "../agentcore-fakes.ts";

/** `$.request` as every command-running task reads it: the workspace must be the repository under the mount. */

const parse = (request: Partial<RepairRequest>) =>
  parseTaskInput(runCommandInputSchema, {
    request: repairRequest(request),
    command: "npm test",
    purpose: "validation",
    executionName: "exec-1",
    iteration: 0,
  });

function problemsOf(request: Partial<RepairRequest>): { field: string; problem: string }[] {
  try {
    parse(request);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return [...(error as ValidationFailedError).fields];
  }
  return [];
}

describe("the request's workspacePath", () => {
  const saved = { agentcore: process.env.AGENTCORE_MOUNT_PATH, repair: process.env.REPAIR_MOUNT_PATH };
  afterEach(() => {
    for (const [name, value] of [
      ["AGENTCORE_MOUNT_PATH", saved.agentcore],
      ["REPAIR_MOUNT_PATH", saved.repair],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("is accepted when it is /mnt/workspace/<repoName>", () => {
    expect(parse({}).request.workspacePath).toBe("/mnt/workspace/widgets");
  });

  it.each([
    ["climbs out with ..", "/mnt/workspace/widgets/../other"],
    ["climbs out of the mount", "/mnt/workspace/../etc"],
    ["names another repository", "/mnt/workspace/gadgets"],
    ["is a directory inside the repository", "/mnt/workspace/widgets/src"],
    ["has a trailing slash", "/mnt/workspace/widgets/"],
    ["is the mount path itself", "/mnt/workspace"],
  ])("is refused, naming request.workspacePath, when it %s", (_case, workspacePath) => {
    expect(problemsOf({ workspacePath })).toEqual([
      {
        field: "request.workspacePath",
        problem: `is "${workspacePath}"; it must be exactly "/mnt/workspace/widgets" (the mount path, then repoName)`,
      },
    ]);
  });

  it("follows AGENTCORE_MOUNT_PATH", () => {
    // Prepare
    process.env.AGENTCORE_MOUNT_PATH = "/mnt/data/";
    // Act / Assess
    expect(parse({ workspacePath: "/mnt/data/widgets" }).request.workspacePath).toBe("/mnt/data/widgets");
    expect(problemsOf({ workspacePath: "/mnt/workspace/widgets" }).map((p) => p.field)).toEqual([
      "request.workspacePath",
    ]);
  });
});
