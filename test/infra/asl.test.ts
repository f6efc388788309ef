import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  assertSubstitutionsComplete,
  assertTaskTimeoutsExceedLambda,
  findPlaceholders,
  listTaskReferences,
  parseDefinition,
  unusedSubstitutions,
} from "../../infra/constructs/asl-definition.ts";
import {
  COMMAND_RUNNER_TASKS,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  lambdaTimeoutSeconds,
  STATE_MACHINE_TASKS,
  substitutionKey,
} from "../../infra/constructs/task-catalog.ts";
import { LOCKS_TABLE_SUBSTITUTION } from "../../infra/stack.ts";
import { addStack, newTestApp, REPAIR_ASL } from "./support.ts";

type AslValidator = (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)("asl-validator") as AslValidator;

const SUBSTITUTION_KEYS = [...STATE_MACHINE_TASKS.map(substitutionKey), LOCKS_TABLE_SUBSTITUTION];
const DEFAULT_TIMEOUTS = Object.fromEntries(
  STATE_MACHINE_TASKS.map((task) => [
    substitutionKey(task),
    lambdaTimeoutSeconds(task, DEFAULT_COMMAND_TIMEOUT_SECONDS),
  ]),
);

const scratch = mkdtempSync(join(tmpdir(), "agentcore-repair-asl-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeDefinition(name: string, definition: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof definition === "string" ? definition : JSON.stringify(definition, null, 2));
  return path;
}

function task(functionKey: string, timeoutSeconds?: number, extra: Record<string, unknown> = {}) {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: `\${${functionKey}}`, "Payload.$": "$" },
    ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
    End: true,
    ...extra,
  };
}

describe("statemachine/repair.asl.json", () => {
  const path = REPAIR_ASL;

  it("passes asl-validator (schema, transitions, paths)", () => {
    const result = aslValidator(JSON.parse(readFileSync(path, "utf8")));

    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("uses only the substitutions the stack provides, and every one of them", () => {
    const text = readFileSync(path, "utf8");

    expect(() => assertSubstitutionsComplete(text, SUBSTITUTION_KEYS, path)).not.toThrow();
    expect(unusedSubstitutions(text, SUBSTITUTION_KEYS)).toEqual([]);
  });

  it("gives the command tasks a TimeoutSeconds that outlasts their Lambda at the default command timeout", () => {
    const machine = parseDefinition(readFileSync(path, "utf8"), path);
    const commandKeys = new Set(COMMAND_RUNNER_TASKS.map(substitutionKey));

    const commandTasks = listTaskReferences(machine).filter((ref) => commandKeys.has(ref.substitutionKey));

    expect(commandTasks.map((ref) => ref.substitutionKey)).toContain(substitutionKey("run-command"));
    for (const ref of commandTasks) expect(ref.timeoutSeconds, ref.statePath).toBeDefined();
    expect(() => assertTaskTimeoutsExceedLambda(machine, DEFAULT_TIMEOUTS, path)).not.toThrow();
  });
});

describe("static checks on a definition", () => {
  it("lists each placeholder once, in order of appearance", () => {
    expect(findPlaceholders('{"a":"${B}","b":"${A}:$LATEST","c":"${B}"}')).toEqual(["B", "A"]);
  });

  it("names the placeholder the stack does not substitute, and the ones it does", () => {
    const text = JSON.stringify({ StartAt: "A", States: { A: task("RunComandFunctionArn") } });

    expect(() => assertSubstitutionsComplete(text, SUBSTITUTION_KEYS, "repair.asl.json")).toThrow(
      /repair\.asl\.json uses \$\{RunComandFunctionArn\}, which the stack does not substitute\. Known substitutions: .*RunCommandFunctionArn/,
    );
  });

  it("rejects a definition that is not JSON, naming the file", () => {
    expect(() => parseDefinition('{"StartAt": "A",', "broken.asl.json")).toThrow(
      /^broken\.asl\.json is not valid JSON/,
    );
    expect(() => parseDefinition("[]", "list.asl.json")).toThrow(/list\.asl\.json must hold a JSON object/);
  });

  it("finds Lambda tasks inside Parallel branches and Map processors, and the callback tasks", () => {
    const machine = parseDefinition(
      JSON.stringify({
        StartAt: "Fan out",
        States: {
          "Fan out": {
            Type: "Parallel",
            Branches: [{ StartAt: "Run it", States: { "Run it": task("RunCommandFunctionArn", 960) } }],
            Next: "Each",
          },
          Each: {
            Type: "Map",
            ItemProcessor: {
              StartAt: "Ask",
              States: {
                Ask: task("RequestApprovalFunctionArn", 3600, {
                  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
                }),
              },
            },
            End: true,
          },
        },
      }),
      "nested.asl.json",
    );

    expect(listTaskReferences(machine)).toEqual([
      {
        statePath: "Fan out > Run it",
        substitutionKey: "RunCommandFunctionArn",
        timeoutSeconds: 960,
        waitsForTaskToken: false,
      },
      {
        statePath: "Each > Ask",
        substitutionKey: "RequestApprovalFunctionArn",
        timeoutSeconds: 3600,
        waitsForTaskToken: true,
      },
    ]);
  });

  it("rejects a Task timeout that does not exceed its Lambda's, naming the state and both numbers", () => {
    const machine = parseDefinition(
      JSON.stringify({
        StartAt: "Run validation",
        States: { "Run validation": task("RunCommandFunctionArn", 360) },
      }),
      "short.asl.json",
    );

    expect(() =>
      assertTaskTimeoutsExceedLambda(machine, { RunCommandFunctionArn: 360 }, "short.asl.json"),
    ).toThrow(
      'short.asl.json: state "Run validation" has TimeoutSeconds 360, which does not exceed the 360 s Lambda timeout of ${RunCommandFunctionArn}',
    );
    expect(() =>
      assertTaskTimeoutsExceedLambda(machine, { RunCommandFunctionArn: 359 }, "short.asl.json"),
    ).not.toThrow();
  });
});

describe("synthesis refuses a definition the stack cannot deploy", () => {
  it("fails on a placeholder that names no task function", () => {
    const definitionPath = writeDefinition("unknown-placeholder.asl.json", {
      StartAt: "Run validation",
      States: { "Run validation": task("RunValidationFunctionArn", 960) },
    });

    expect(() => addStack(newTestApp(), { definitionPath })).toThrow(
      /uses \$\{RunValidationFunctionArn\}, which the stack does not substitute/,
    );
  });

  it("fails when the command timeout makes a Lambda outlive its Task", () => {
    const definitionPath = writeDefinition("timeouts.asl.json", {
      StartAt: "Run validation",
      States: { "Run validation": task("RunCommandFunctionArn", 400) },
    });

    expect(() => addStack(newTestApp(), { definitionPath, commandTimeoutSeconds: 600 })).toThrow(
      /state "Run validation" has TimeoutSeconds 400, which does not exceed the 660 s Lambda timeout/,
    );
  });

  it("fails on a missing definition file, naming it", () => {
    const definitionPath = join(scratch, "absent.asl.json");

    expect(() => addStack(newTestApp(), { definitionPath })).toThrow(
      `Cannot read the state machine definition ${definitionPath}`,
    );
  });
});
