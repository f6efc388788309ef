import { describe, expect, it } from "vitest";
import {
  APPROVAL_TTL_DEFAULT_SECONDS,
  APPROVAL_TTL_MAX_SECONDS,
  APPROVAL_TTL_MIN_SECONDS,
} from "#lib/approvals/approval-settings.ts";
import { loadConfig } from "#lib/config.ts";
import {
  LIMIT_BOUNDS,
  VALIDATION_COMMAND_MAX_BYTES,
} from "../../functions/normalize-request/input-schema.ts";
import { runtimeNameFor } from "../../infra/constructs/agent-runtime.ts";
import { APPROVAL_TTL_SECONDS, assertApprovalTtl } from "../../infra/constructs/approval-api.ts";
import { REPAIR_REQUEST_SCHEMA } from "../../infra/constructs/start-api.ts";
import {
  COMMAND_TIMEOUT_LIMITS,
  LONGEST_SYNC_COMMAND_SECONDS,
  lambdaTimeoutSeconds,
  STATE_MACHINE_TASKS,
  substitutionKey,
  syncCommandSettings,
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
      "ExportChangeFunctionArn",
      "DeliverChangeFunctionArn",
      "FinalizeFunctionArn",
    ]);
    expect(TASK_NAMES).toContain("approval-api");
    expect(STATE_MACHINE_TASKS).not.toContain("approval-api");
  });

  it("gives command tasks the command timeout plus margin and overhead (30 s each), capped at Lambda's 900 s", () => {
    expect(lambdaTimeoutSeconds("run-command", 300)).toBe(360);
    expect(lambdaTimeoutSeconds("prepare-workspace", 1)).toBe(61);
    expect(lambdaTimeoutSeconds("review-commands", 1)).toBe(900);
    expect(lambdaTimeoutSeconds("prepare-workspace", 840)).toBe(900);
    expect(lambdaTimeoutSeconds("run-command", 3600)).toBe(900);
    expect(lambdaTimeoutSeconds("invoke-agent", 30)).toBe(900);
    expect(lambdaTimeoutSeconds("normalize-request", 3600)).toBe(20);
  });

  it("sets MAX_SYNC_COMMAND_SECONDS so that every command timeout up to 840 s runs synchronously", () => {
    // Prepare
    const timeouts: number[] = [];
    for (let seconds = COMMAND_TIMEOUT_LIMITS.min; seconds <= COMMAND_TIMEOUT_LIMITS.max; seconds++)
      timeouts.push(seconds);

    // Act
    const settings = timeouts.map((seconds) => ({ seconds, ...syncCommandSettings(seconds) }));

    // Assess
    expect(LONGEST_SYNC_COMMAND_SECONDS).toBe(840);
    for (const {
      seconds,
      lambdaTimeoutSeconds: timeout,
      maxSyncCommandSeconds,
      commandMarginSeconds,
    } of settings) {
      expect(commandMarginSeconds).toBe(30);
      expect(timeout - maxSyncCommandSeconds, `${seconds} s`).toBe(30);
      const sync = seconds + commandMarginSeconds <= maxSyncCommandSeconds;
      expect(sync, `${seconds} s`).toBe(seconds <= LONGEST_SYNC_COMMAND_SECONDS);
    }
    expect(syncCommandSettings(300)).toEqual({
      lambdaTimeoutSeconds: 360,
      maxSyncCommandSeconds: 330,
      commandMarginSeconds: 30,
    });
    expect(syncCommandSettings(3600).maxSyncCommandSeconds).toBe(870);
  });

  it("derives values functions/lib/config.ts accepts", () => {
    for (const seconds of [1, 300, 840, 3600]) {
      const { maxSyncCommandSeconds, commandMarginSeconds } = syncCommandSettings(seconds);

      const config = loadConfig({
        ARTIFACT_BUCKET: "artifacts",
        MAX_SYNC_COMMAND_SECONDS: String(maxSyncCommandSeconds),
        COMMAND_MARGIN_SECONDS: String(commandMarginSeconds),
      });

      expect(config.maxSyncCommandSeconds).toBe(maxSyncCommandSeconds);
      expect(config.commandMarginSeconds).toBe(commandMarginSeconds);
    }
  });

  it("rejects a command timeout outside the request contract, naming the limits", () => {
    for (const bad of [0, 3601, 1.5, Number.NaN]) {
      expect(() => lambdaTimeoutSeconds("run-command", bad)).toThrow(
        `commandTimeoutSeconds is ${bad}; it must be a whole number of seconds from 1 to 3600`,
      );
    }
  });
});

describe("the approval lifetime", () => {
  it("has the limits and default request-approval enforces", () => {
    expect(APPROVAL_TTL_SECONDS).toEqual({
      min: APPROVAL_TTL_MIN_SECONDS,
      max: APPROVAL_TTL_MAX_SECONDS,
      default: APPROVAL_TTL_DEFAULT_SECONDS,
    });
  });

  it("rejects a lifetime outside them, naming the limits", () => {
    for (const bad of [59, 3601, 90.5]) {
      expect(() => assertApprovalTtl(bad)).toThrow(
        `approvalTtlSeconds is ${bad}; it must be a whole number of seconds from 60 to 3600`,
      );
    }
    expect(() => assertApprovalTtl(600)).not.toThrow();
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
