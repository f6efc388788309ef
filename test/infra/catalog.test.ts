import { describe, expect, it } from "vitest";
import {
  LIMIT_BOUNDS,
  VALIDATION_COMMAND_MAX_BYTES,
} from "../../functions/normalize-request/input-schema.ts";
import { runtimeNameFor } from "../../infra/constructs/agent-runtime.ts";
import { REPAIR_REQUEST_SCHEMA } from "../../infra/constructs/start-api.ts";
import {
  lambdaTimeoutSeconds,
  STATE_MACHINE_TASKS,
  substitutionKey,
  TASK_NAMES,
} from "../../infra/constructs/task-catalog.ts";

describe("the task catalog", () => {
  it("derives the substitution keys the ASL uses", () => {
    expect(STATE_MACHINE_TASKS.map(substitutionKey)).toEqual([
      "NormalizeRequestFunctionArn",
      "PrepareWorkspaceFunctionArn",
      "RunCommandFunctionArn",
      "ParseExitCodeFunctionArn",
      "InvokeAgentFunctionArn",
      "ReviewCommandsFunctionArn",
      "RequestApprovalFunctionArn",
      "FinalizeFunctionArn",
    ]);
    expect(TASK_NAMES).toContain("approval-api");
    expect(STATE_MACHINE_TASKS).not.toContain("approval-api");
  });

  it("gives command tasks the command timeout plus a margin, capped at Lambda's 900 s", () => {
    expect(lambdaTimeoutSeconds("run-command", 300)).toBe(360);
    expect(lambdaTimeoutSeconds("prepare-workspace", 1)).toBe(61);
    expect(lambdaTimeoutSeconds("review-commands", 1)).toBe(900);
    expect(lambdaTimeoutSeconds("prepare-workspace", 840)).toBe(900);
    expect(lambdaTimeoutSeconds("run-command", 3600)).toBe(900);
    expect(lambdaTimeoutSeconds("invoke-agent", 30)).toBe(900);
    expect(lambdaTimeoutSeconds("normalize-request", 3600)).toBe(20);
  });

  it("rejects a command timeout outside the request contract, naming the limits", () => {
    for (const bad of [0, 3601, 1.5, Number.NaN]) {
      expect(() => lambdaTimeoutSeconds("run-command", bad)).toThrow(
        `commandTimeoutSeconds is ${bad}; it must be a whole number of seconds from 1 to 3600`,
      );
    }
  });
});

describe("the start API's request model", () => {
  const properties = REPAIR_REQUEST_SCHEMA.properties ?? {};
  const limits = properties.limits?.properties ?? {};

  it("uses normalize-request's bounds for the limits", () => {
    for (const [name, bounds] of Object.entries(LIMIT_BOUNDS)) {
      expect({ min: limits[name]?.minimum, max: limits[name]?.maximum }, name).toEqual(bounds);
    }
    expect(Object.keys(limits).sort()).toEqual(Object.keys(LIMIT_BOUNDS).sort());
  });

  it("never rejects a validation command normalize-request would accept", () => {
    expect(properties.validationCommand?.maxLength).toBeGreaterThanOrEqual(VALIDATION_COMMAND_MAX_BYTES);
  });

  it("leaves requestedBy and trigger to the API, which fills them from the caller's identity", () => {
    expect(REPAIR_REQUEST_SCHEMA.additionalProperties).toBe(false);
    expect(properties).not.toHaveProperty("requestedBy");
    expect(properties).not.toHaveProperty("trigger");
  });
});

describe("runtime names", () => {
  it("turns a stack name into a valid AgentCore runtime name", () => {
    expect(runtimeNameFor("AgentCoreRepair")).toBe("AgentCoreRepair_agent");
    expect(runtimeNameFor("repair-prod-1")).toBe("repair_prod_1_agent");
    expect(runtimeNameFor("9lives")).toBe("lives_agent");
    expect(runtimeNameFor("x".repeat(80))).toMatch(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
  });
});
