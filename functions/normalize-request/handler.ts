import type { RepairRequest } from "../lib/contracts.ts";
import { ValidationFailedError } from "../lib/errors.ts";
import { bindInvocationKeys, logger } from "../lib/observability.ts";
import { normalizeRequest } from "./normalize-request.ts";
import { settingsFromEnvironment } from "./settings.ts";

/**
 * "Normalize the request": the execution's input (an EventBridge event, an API body or a console input) becomes
 * the canonical RepairRequest stored at `$.request`. Bad input throws ValidationFailedError, which the state
 * machine never retries.
 */
export const handler = async (event: unknown): Promise<RepairRequest> => {
  // Clear the previous invocation's keys first, so a rejection is never logged under another session.
  bindInvocationKeys({});
  try {
    // Read per invocation: it is cheap, and a bad setting is reported as a named error, not an init crash.
    const settings = settingsFromEnvironment(process.env);
    const request = normalizeRequest(event, { settings, now: () => new Date() });
    bindInvocationKeys({ sessionId: request.sessionId });
    logger.info("Repair request accepted", {
      requestId: request.requestId,
      trigger: request.trigger,
      repoName: request.repoName,
      sourceKind: request.source.kind,
    });
    return request;
  } catch (error) {
    if (error instanceof ValidationFailedError) {
      // The problems were written to be shown: they name fields and limits and never hold a credential.
      logger.warn("Repair request rejected", { fields: error.fields });
    }
    throw error;
  }
};
