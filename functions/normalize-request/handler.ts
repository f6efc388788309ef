import { z } from "zod";
import { defineTask } from "#lib/define-task.ts";
import { bindInvocationKeys, logger } from "#lib/observability.ts";
import { normalizeRequest } from "./normalize-request.ts";
import { settingsFromEnvironment } from "./settings.ts";

/**
 * "Normalize the request": the execution's input (an EventBridge event, an API body or a console input) becomes
 * the canonical RepairRequest stored at `$.request`. Bad input throws ValidationFailedError, which the state
 * machine never retries.
 */
export const createHandler = defineTask({
  name: "normalize-request",
  // normalizeRequest parses the event itself: it accepts several shapes and names fields in their own terms.
  input: z.unknown(),
  keys: () => ({}),
  dependencies: (overrides: { now?: () => Date }) => ({ now: overrides.now ?? (() => new Date()) }),
  run: async ({ now }, event) => {
    // Read per invocation: it is cheap, and a bad setting is reported as a named error, not an init crash.
    const request = normalizeRequest(event, { settings: settingsFromEnvironment(process.env), now });
    bindInvocationKeys({ sessionId: request.sessionId });
    logger.info("Repair request accepted", {
      requestId: request.requestId,
      trigger: request.trigger,
      repoName: request.repoName,
      sourceKind: request.source.kind,
    });
    return request;
  },
});

export const handler = createHandler();
