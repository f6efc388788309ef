import { z } from "zod";
import { defineTask } from "#lib/define-task.ts";
import { logger } from "#lib/observability.ts";
import { classifyOutcome } from "./parse-exit-code.ts";

interface StateKeys {
  readonly request?: { readonly sessionId?: unknown };
  readonly validation?: { readonly commandHash?: unknown };
}

function keysOf(state: unknown): { sessionId?: string; commandHash?: string } {
  if (typeof state !== "object" || state === null) return {};
  const { request, validation } = state as StateKeys;
  return {
    ...(typeof request?.sessionId === "string" ? { sessionId: request.sessionId } : {}),
    ...(typeof validation?.commandHash === "string" ? { commandHash: validation.commandHash } : {}),
  };
}

/**
 * "Parse the exit code": reads `$.validation` (and `$.request` for the workspace path) from the whole state and
 * returns the Verdict stored at `$.verdict`. It never throws for a bad outcome: that is a platform-error verdict.
 */
export const createHandler = defineTask({
  name: "parse-exit-code",
  input: z.unknown(),
  keys: keysOf,
  dependencies: () => ({}),
  run: async (_dependencies, state) => {
    const verdict = classifyOutcome(state);
    logger.info("Validation outcome classified", {
      outcome: verdict.outcome,
      exitCode: verdict.exitCode,
      tool: verdict.digest.tool,
      failingTests: verdict.digest.failingTests.length,
    });
    return verdict;
  },
});

export const handler = createHandler();
