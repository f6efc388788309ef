import "./promise-polyfill.ts";
import { randomUUID } from "node:crypto";
import { ExecutionError, StateMachine } from "aws-local-stepfunctions";
import {
  STATE_MACHINE_TASKS,
  type StateMachineTask,
  substitutionKey,
} from "../../constructs/task-catalog.ts";
import { loadDefinition, type MachineDefinition } from "./definition.ts";
import { invokeLocally, type LambdaHandler, LambdaTaskError } from "./lambda-invoker.ts";
import type { LocalLockTable } from "./local-locks.ts";
import type { TaskTokenRegistry } from "./task-tokens.ts";

const LOCAL_ACCOUNT = "000000000000";
const LOCKS_TABLE = "agentcore-repair-locks";

/** The local Lambda function of a task: `agentcore-repair-<folder>`, what the local Lambda API answers to. */
export function localFunctionName(task: StateMachineTask): string {
  return `agentcore-repair-${task}`;
}

/** The same substitutions the CDK stack passes as DefinitionSubstitutions, with local values. */
export function localSubstitutions(): Record<string, string> {
  const substitutions: Record<string, string> = { LocksTableName: LOCKS_TABLE };
  for (const task of STATE_MACHINE_TASKS) {
    substitutions[substitutionKey(task)] =
      `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:${localFunctionName(task)}`;
  }
  return substitutions;
}

/**
 * The definition is read, substituted, checked and validated (asl-validator, through aws-local-stepfunctions) once
 * per process: validation costs ~250 ms, which would otherwise be paid by every execution.
 */
const compiled = new Map<string, Promise<{ definition: MachineDefinition; machine: StateMachine }>>();

function compiledMachine(path: string): Promise<{ definition: MachineDefinition; machine: StateMachine }> {
  let entry = compiled.get(path);
  if (!entry) {
    entry = loadDefinition(path, localSubstitutions()).then((definition) => ({
      definition,
      machine: new StateMachine(definition as never, {
        validationOptions: { checkPaths: true, checkArn: false },
      }),
    }));
    entry.catch(() => compiled.delete(path));
    compiled.set(path, entry);
  }
  return entry;
}

export type ExecutionEvent = Readonly<Record<string, unknown>> & {
  readonly type: string;
  readonly timestamp: number;
};

export interface RunnerOptions {
  readonly definitionPath: string;
  /** The handler of each state machine task, by its folder name (infra/constructs/task-catalog.ts). */
  readonly functions: Readonly<Record<StateMachineTask, LambdaHandler>>;
  readonly locks: LocalLockTable;
  readonly tokens: TaskTokenRegistry;
  /** Lambda timeout given to each handler (its context's remaining time). @default 900000 */
  readonly lambdaTimeoutMs?: number;
  /** Pause before each retry, instead of the ASL's backoff (tests). @default the ASL's own */
  readonly retryIntervalMs?: number;
  /** Duration of every Wait state, instead of the ASL's (tests). @default the ASL's own */
  readonly waitMs?: number;
  readonly executionName?: string;
  readonly onEvent?: (event: ExecutionEvent) => void;
}

export interface ExecutionResult {
  readonly executionName: string;
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly ExecutionEvent[];
  readonly durationMs: number;
}

interface TaskInput {
  readonly FunctionName?: string;
  readonly Payload?: { readonly taskToken?: string } & Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * Runs the workflow's ASL file with aws-local-stepfunctions, every Task resolved to the project's own handlers
 * in-process with the Lambda invoke envelope and AWS-shaped errors, task tokens included.
 */
export async function runExecution(input: unknown, options: RunnerOptions): Promise<ExecutionResult> {
  const { definition, machine } = await compiledMachine(options.definitionPath);
  const byFunctionName = new Map<string, LambdaHandler>();
  for (const task of STATE_MACHINE_TASKS)
    byFunctionName.set(localFunctionName(task), options.functions[task]);
  const lambdaTimeoutMs = options.lambdaTimeoutMs ?? 900_000;

  const invokeTask = async (taskInput: TaskInput) => {
    const name =
      String(taskInput.FunctionName ?? "")
        .split(":")
        .pop() ?? "";
    const handler = byFunctionName.get(name);
    if (!handler)
      throw new LambdaTaskError("Lambda.ResourceNotFoundException", `Function not found: ${name}`);
    return invokeLocally(name, handler, taskInput.Payload, lambdaTimeoutMs);
  };

  const handlers: Record<string, (input: never) => Promise<never>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const waitTimeOverrides: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (options.retryIntervalMs !== undefined && "Retry" in state)
      retryIntervalOverrides[stateName] = options.retryIntervalMs;
    if (options.waitMs !== undefined && state.Type === "Wait") waitTimeOverrides[stateName] = options.waitMs;
    if (state.Type !== "Task") continue;
    const resource = String(state.Resource);
    const timeoutMs = Number(state.TimeoutSeconds ?? 99_999_999) * 1000;
    if (resource === "arn:aws:states:::lambda:invoke") {
      handlers[stateName] = (async (taskInput: TaskInput) => invokeTask(taskInput)) as never;
    } else if (resource === "arn:aws:states:::lambda:invoke.waitForTaskToken") {
      handlers[stateName] = (async (taskInput: TaskInput) => {
        const token = taskInput.Payload?.taskToken;
        if (typeof token !== "string") {
          throw new LambdaTaskError(
            "States.Runtime",
            `${stateName}: the Payload must carry taskToken ($$.Task.Token)`,
          );
        }
        const decision = options.tokens.wait(token);
        try {
          await invokeTask(taskInput);
        } catch (error) {
          // Nobody was asked: the token must not stay waiting (nor its promise unsettled).
          options.tokens.forget(token);
          decision.catch(() => undefined);
          throw error;
        }
        const timer = setTimeout(() => options.tokens.forget(token), timeoutMs);
        try {
          return await decision;
        } finally {
          clearTimeout(timer);
        }
      }) as never;
    } else if (resource === "arn:aws:states:::dynamodb:putItem") {
      handlers[stateName] = ((taskInput: never) => options.locks.putItem(taskInput)) as never;
    } else if (resource === "arn:aws:states:::dynamodb:deleteItem") {
      handlers[stateName] = ((taskInput: never) => options.locks.deleteItem(taskInput)) as never;
    } else {
      throw new Error(
        `The local runner cannot run state "${stateName}": resource ${resource} has no local integration`,
      );
    }
  }

  const executionName = options.executionName ?? randomUUID();
  const startTime = new Date().toISOString();
  const tokens = options.tokens;
  const context = {
    Execution: {
      Id: `arn:aws:states:us-east-1:${LOCAL_ACCOUNT}:execution:agentcore-repair:${executionName}`,
      Name: executionName,
      StartTime: startTime,
      Input: input,
      RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/agentcore-repair-local`,
    },
    StateMachine: {
      Id: `arn:aws:states:us-east-1:${LOCAL_ACCOUNT}:stateMachine:agentcore-repair`,
      Name: "agentcore-repair",
    },
    // A fresh, single-use token each time a state reads $$.Task.Token, as Step Functions issues them.
    Task: {
      get Token() {
        return tokens.newToken();
      },
    },
    State: {
      get EnteredTime() {
        return new Date().toISOString();
      },
    },
  };

  const started = performance.now();
  const execution = machine.run(input as never, {
    context: context as never,
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides, waitTimeOverrides },
  });
  const events: ExecutionEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      const recorded = event as unknown as ExecutionEvent;
      events.push(recorded);
      options.onEvent?.(recorded);
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { executionName, status: "SUCCEEDED", output, events, durationMs: performance.now() - started };
  } catch (error) {
    await collecting.catch(() => undefined);
    if (!(error instanceof ExecutionError)) throw error;
    const failed = events.findLast((e) => e.type === "ExecutionFailed");
    return {
      executionName,
      status: "FAILED",
      error: String(failed?.Error ?? (error.cause as Error | undefined)?.name ?? "States.Runtime"),
      cause: String(failed?.Cause ?? error.message),
      events,
      durationMs: performance.now() - started,
    };
  }
}
