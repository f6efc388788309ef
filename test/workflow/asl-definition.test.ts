import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { ERROR_NAMES } from "#lib/contracts.ts";
import { loadDefinition, UnsupportedDefinitionError } from "../../infra/local/runner/definition.ts";
import { localSubstitutions } from "../../infra/local/runner/runner.ts";

const ASL_PATH = resolve(import.meta.dirname, "../../statemachine/repair.asl.json");
const raw = readFileSync(ASL_PATH, "utf8");

type State = Record<string, unknown> & { Type: string };
const definition = JSON.parse(raw) as { States: Record<string, State> };
const states = Object.entries(definition.States);
const tasks = states.filter(([, s]) => s.Type === "Task");

describe("statemachine/repair.asl.json", () => {
  it("passes asl-validator once substituted", async () => {
    const substituted = await loadDefinition(ASL_PATH, localSubstitutions());
    const { isValid, errors } = aslValidator(substituted as never);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it("uses only substitutions the runner and the stack provide", () => {
    const used = new Set([...raw.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(localSubstitutions()).sort());
  });

  it("is JSONPath only: no JSONata, Arguments, Output or Assign anywhere", () => {
    expect(raw).not.toMatch(/"(QueryLanguage|Arguments|Output|Assign|Condition)"\s*:/);
  });

  it("names every state as a sentence a person reads in the console", () => {
    for (const [name] of states) expect(name).toMatch(/^[A-Z][a-z]+( [A-Za-z?]+)+\??$/);
  });

  it("gives every Task a TimeoutSeconds", () => {
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds, name).toEqual(expect.any(Number));
    }
  });

  it("makes command-running Tasks outlast the longest Lambda invocation (900 s)", () => {
    for (const name of [
      "Prepare the workspace",
      "Run validation",
      "Check the detached validation",
      "Invoke the agent",
      "Review the proposed commands",
    ]) {
      expect(definition.States[name]?.TimeoutSeconds, name).toBeGreaterThan(900);
    }
  });

  it("gives the approval wait its own timeout and heartbeat", () => {
    const wait = definition.States["Wait for approval"]!;
    expect(wait.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(wait.HeartbeatSeconds).toEqual(expect.any(Number));
    expect(wait.TimeoutSeconds as number).toBeGreaterThan(wait.HeartbeatSeconds as number);
    expect(JSON.stringify(wait.Parameters)).toContain("$$.Task.Token");
  });

  it("catches specific error names before States.ALL, which always comes last", () => {
    for (const [name, state] of states) {
      const catchers = (state.Catch as { ErrorEquals: string[] }[] | undefined) ?? [];
      catchers.forEach((catcher, index) => {
        if (catcher.ErrorEquals.includes("States.ALL")) {
          expect(catcher.ErrorEquals, name).toEqual(["States.ALL"]);
          expect(index, name).toBe(catchers.length - 1);
        }
      });
    }
  });

  it("retries and catches only error names the tasks can throw (or Step Functions' own)", () => {
    const known = new Set<string>(ERROR_NAMES);
    for (const [name, state] of states) {
      const lists = [
        ...((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []),
        ...((state.Catch as { ErrorEquals: string[] }[] | undefined) ?? []),
      ].flatMap((r) => r.ErrorEquals);
      for (const error of lists) {
        expect(known.has(error) || /^(States|Lambda|DynamoDB)\./.test(error), `${name}: ${error}`).toBe(true);
      }
    }
  });

  it("retries throttling and transient errors with backoff, a cap and full jitter", () => {
    for (const [name, state] of tasks) {
      const retries = (state.Retry as Record<string, unknown>[] | undefined) ?? [];
      for (const retry of retries) {
        if (
          (retry.ErrorEquals as string[]).some((e) =>
            ["ThrottledError", "TransientError", "SessionBusyError"].includes(e),
          )
        ) {
          expect(retry, name).toMatchObject({ JitterStrategy: "FULL", MaxDelaySeconds: expect.any(Number) });
          expect(retry.BackoffRate as number, name).toBeGreaterThan(1);
        }
      }
    }
  });

  it("never retries the review: a retried review could run a command (maybe a mutating one) twice", () => {
    const review = definition.States["Review the proposed commands"]!;
    expect(review.Retry).toBeUndefined();
  });

  it("takes the repository lock on repository + revision, and may take over only an expired lock", () => {
    const lock = definition.States["Take the repository lock"]!.Parameters as Record<string, unknown>;
    expect(lock.ConditionExpression).toBe("attribute_not_exists(pk) OR expiresAt < :now");
    expect(JSON.stringify(lock.Item)).toContain("$.request.lockKey");
    for (const name of ["Release the repository lock", "Release the repository lock after a failed report"]) {
      expect(JSON.stringify(definition.States[name]?.Parameters)).toContain("$.request.lockKey");
    }
  });

  it("ends every failure path in a named Fail state with Error and Cause", () => {
    const fails = states.filter(([, s]) => s.Type === "Fail");
    expect(fails.length).toBeGreaterThanOrEqual(8);
    for (const [name, state] of fails) {
      expect(state.Error, name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(String(state.Cause).length, name).toBeGreaterThan(20);
    }
  });

  it("stops the session on every path after it may have started: catches lead to Finalize", () => {
    for (const name of [
      "Prepare the workspace",
      "Run validation",
      "Parse the exit code",
      "Invoke the agent",
      "Review the proposed commands",
    ]) {
      const catchers = definition.States[name]?.Catch as { Next: string }[];
      for (const catcher of catchers) expect(catcher.Next, name).toBe("Finalize the repair");
    }
  });
});

describe("the local runner's definition loader", () => {
  it("refuses a JSONata state with a message that says what to do", async () => {
    const path = resolve(import.meta.dirname, "../fixtures/jsonata.asl.json");
    await expect(loadDefinition(path, {})).rejects.toThrow(UnsupportedDefinitionError);
    await expect(loadDefinition(path, {})).rejects.toThrow(/JSONata and Assign.*Write the state in JSONPath/);
  });

  it("refuses a definition with a substitution it has no value for", async () => {
    await expect(loadDefinition(ASL_PATH, {})).rejects.toThrow(
      /no value for substitution \$\{NormalizeRequestFunctionArn\}/,
    );
  });
});
