import type { Context } from "aws-lambda";
import type { z } from "zod";
import { ValidationFailedError } from "./errors.ts";
import { bindInvocationKeys, flushMetrics, type InvocationKeys, logger, tracer } from "./observability.ts";
import { parseTaskInput } from "./task-input.ts";

/**
 * The one shell every Lambda entry runs in, so the handlers cannot drift apart again: the previous invocation's
 * log keys are cleared before anything is parsed (a rejection in a warm container is never logged under another
 * execution), the Lambda context (request id, cold start) is added to the logs, a trace subsegment wraps the
 * invocation, a failure is logged once, and the metrics are flushed whatever happens.
 */

/** What the invocation knows beyond its input. */
export interface Invocation {
  /** The Lambda context; absent when a test calls the handler with the event alone. */
  readonly context?: Context;
  /** Milliseconds before Lambda stops this invocation (the Lambda maximum, 900 s, without a context). */
  readonly remainingTimeMs: () => number;
}

const LAMBDA_MAX_MS = 900_000;

/**
 * Runs `body` inside the shared observability of an invocation: keys cleared, context added, a `## <name>` trace
 * subsegment open while it runs, metrics flushed after. Task handlers get it through `defineTask`; the approval
 * API, an API Gateway handler answering with pages rather than throwing, calls it directly.
 */
export async function observeInvocation<Result>(
  name: string,
  context: Context | undefined,
  body: (invocation: Invocation) => Promise<Result>,
): Promise<Result> {
  bindInvocationKeys({});
  if (context) logger.addContext(context);
  const tracing = tracer.isTracingEnabled();
  const parent = tracing ? tracer.getSegment() : undefined;
  const segment = parent?.addNewSubsegment(`## ${name}`);
  if (segment) {
    tracer.setSegment(segment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
  }
  try {
    return await body({
      ...(context ? { context } : {}),
      remainingTimeMs: () => (context ? context.getRemainingTimeInMillis() : LAMBDA_MAX_MS),
    });
  } finally {
    if (segment && parent) {
      segment.close();
      tracer.setSegment(parent);
    }
    flushMetrics();
  }
}

/** The keys most tasks log under: the execution and the session of `$.request`. */
function defaultKeys(input: unknown): InvocationKeys {
  if (typeof input !== "object" || input === null) return {};
  const { executionName, request } = input as { executionName?: unknown; request?: { sessionId?: unknown } };
  return {
    ...(typeof executionName === "string" ? { executionName } : {}),
    ...(typeof request?.sessionId === "string" ? { sessionId: request.sessionId } : {}),
  };
}

export interface TaskDefinition<Schema extends z.ZodType, Dependencies, Output> {
  /** The function's folder name (`run-command`): names the log lines and the trace subsegment. */
  readonly name: string;
  /** The state the task reads; a mismatch is a ValidationFailedError naming each field by its path. */
  readonly input: Schema;
  /** The log keys of this invocation, bound once the input parsed. @default executionName and request.sessionId */
  readonly keys?: (input: z.infer<Schema>) => InvocationKeys;
  /**
   * Builds what the core needs, on the first invocation that gets this far, and keeps it for the warm container;
   * a build that throws is not kept. `overrides` are what the caller injected (local runner, tests).
   */
  readonly dependencies: (overrides: Partial<Dependencies>) => Dependencies;
  /** The task itself. */
  readonly run: (
    dependencies: Dependencies,
    input: z.infer<Schema>,
    invocation: Invocation,
  ) => Promise<Output>;
}

/** A Lambda handler as Lambda (and the local runner) calls it. */
type TaskHandler<Output> = (event: unknown, context?: Context) => Promise<Output>;

/** Makes a handler; each call has its own cached dependencies (a fresh container, as far as they go). */
export type TaskHandlerFactory<Dependencies, Output> = (
  overrides?: Partial<Dependencies>,
) => TaskHandler<Output>;

/** Defines a task: its handler file is `export const createHandler = defineTask({...})` plus `handler`. */
export function defineTask<Schema extends z.ZodType, Dependencies, Output>(
  definition: TaskDefinition<Schema, Dependencies, Output>,
): TaskHandlerFactory<Dependencies, Output> {
  return (overrides = {}) => {
    let dependencies: Dependencies | undefined;
    return (event, context) =>
      observeInvocation(definition.name, context, async (invocation) => {
        try {
          const input = parseTaskInput(definition.input, event);
          bindInvocationKeys((definition.keys ?? defaultKeys)(input));
          dependencies ??= definition.dependencies(overrides);
          return await definition.run(dependencies, input, invocation);
        } catch (error) {
          if (error instanceof ValidationFailedError) {
            // The problems were written to be shown: they name fields and limits and never hold a credential.
            logger.warn(`${definition.name} rejected its input`, { fields: error.fields });
          } else {
            logger.error(`${definition.name} failed`, error as Error);
          }
          throw error;
        }
      });
  };
}
