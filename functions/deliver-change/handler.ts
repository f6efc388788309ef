import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Octokit } from "@octokit/rest";
import { bindInvocationKeys, flushMetrics, logger, tracer } from "#lib/observability.ts";
import { taskDependencies } from "#lib/task-dependencies.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type DeliverChangeDependencies,
  type DeliveryResult,
  deliverChange,
  deliverChangeInputSchema,
} from "./deliver-change.ts";
import { loadDeliverySettings } from "./delivery-config.ts";
import { secretsManagerDeliverySecret } from "./delivery-credential.ts";

/** Octokit without its request log (it would print URLs and status lines we log ourselves, bounded). */
export function octokitFor(auth: string, apiUrl: string): Octokit {
  return new Octokit({
    auth,
    baseUrl: apiUrl,
    userAgent: "agentcore-repair",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

let dependencies: DeliverChangeDependencies | undefined;

function resolveDependencies(): DeliverChangeDependencies {
  if (dependencies) return dependencies;
  const settings = loadDeliverySettings();
  const secretArn = settings.secretArn;
  dependencies = {
    artifacts: taskDependencies().store,
    settings,
    ...(secretArn
      ? {
          secret: secretsManagerDeliverySecret(
            tracer.captureAWSv3Client(new SecretsManagerClient({})),
            secretArn,
          ),
        }
      : {}),
    octokitFor,
    now: () => new Date(),
  };
  return dependencies;
}

/** Lambda entry: parse the state, deliver the approved patch, return `$.delivery`. */
export const handler = async (event: unknown): Promise<DeliveryResult> => {
  try {
    bindInvocationKeys({});
    const input = parseTaskInput(deliverChangeInputSchema, event);
    bindInvocationKeys({ executionName: input.executionName, sessionId: input.request.sessionId });
    return await deliverChange(resolveDependencies(), input);
  } catch (error) {
    logger.error("deliver-change failed", error as Error);
    throw error;
  } finally {
    flushMetrics();
  }
};
