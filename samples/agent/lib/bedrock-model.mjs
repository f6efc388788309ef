// @ts-check
/**
 * BEDROCK mode: a live model through the Amazon Bedrock Converse API with tool use. Chosen when AGENT_MODEL=bedrock:<id> (or AGENT_MODEL_ID) is
 * set. The SDK is loaded only in this mode, so the replay mode runs with node alone. The endpoint follows the SDK's
 * usual configuration (region from AWS_REGION, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` for a private or test endpoint).
 */
import { ModelError } from "./errors.mjs";

/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */

/** Stop reasons after which the model's turn can be used: it either wants tools or has finished. */
const USABLE_STOP_REASONS = new Set(["tool_use", "end_turn", "stop_sequence"]);

/** Stop reasons that mean the model (or a guardrail in front of it) would not do the task. */
const REFUSAL_STOP_REASONS = new Set(["guardrail_intervened", "content_filtered"]);

/**
 * A failed Converse call as a ModelError saying why, by the service's error name (after the SDK's own retries).
 * @param {unknown} error
 * @param {string} modelId
 */
function modelErrorOf(error, modelId) {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const what = `Bedrock Converse with model ${modelId}`;
  if (name === "ThrottlingException" || name === "ServiceQuotaExceededException") {
    return new ModelError(
      `${what} is still throttled after the SDK's retries: ${name}: ${message}`,
      "throttled",
    );
  }
  if (
    name === "ValidationException" &&
    /too long|too many tokens|context (length|window)|max.*tokens/i.test(message)
  ) {
    return new ModelError(
      `the conversation is longer than ${modelId} accepts: ${message}; use a model with a larger context window`,
      "context-too-long",
    );
  }
  if (
    name === "AccessDeniedException" ||
    name === "UnrecognizedClientException" ||
    name === "CredentialsProviderError"
  ) {
    return new ModelError(
      `${what} was refused: ${name}: ${message}; check the credentials and model access`,
      "unauthorized",
    );
  }
  if (
    /ServiceUnavailable|InternalServer|ModelNotReady|ModelTimeout|TimeoutError|ECONNREFUSED/.test(
      `${name} ${message}`,
    )
  ) {
    return new ModelError(`${what} failed: ${name}: ${message}`, "unavailable");
  }
  return new ModelError(`${what} failed: ${name}: ${message}`, "bad-response");
}

/**
 * @param {{ modelId: string, region?: string | undefined, maxTokens: number }} options
 * @returns {Promise<Model>}
 */
export async function createBedrockModel({ modelId, region, maxTokens }) {
  const { BedrockRuntimeClient, ConverseCommand } = await import("@aws-sdk/client-bedrock-runtime");
  // A tool loop re-sends the whole conversation; the SDK's standard retries cover throttling between turns.
  const client = new BedrockRuntimeClient(region ? { region, maxAttempts: 4 } : { maxAttempts: 4 });
  return {
    mode: "bedrock",
    label: `Amazon Bedrock model ${modelId} (live, Converse API)`,
    async next({ system, messages, toolSpecs }) {
      let output;
      try {
        output = await client.send(
          new ConverseCommand({
            modelId,
            system: [{ text: system }],
            // The loop's messages already have the Converse shape; the SDK's types are stricter unions.
            messages: /** @type {import("@aws-sdk/client-bedrock-runtime").Message[]} */ (
              /** @type {unknown} */ (messages)
            ),
            toolConfig: {
              tools: toolSpecs.map((spec) => ({
                toolSpec: {
                  name: spec.name,
                  description: spec.description,
                  inputSchema: {
                    json: /** @type {import("@smithy/types").DocumentType} */ (spec.inputSchema),
                  },
                },
              })),
            },
            inferenceConfig: { maxTokens, temperature: 0 },
          }),
        );
      } catch (error) {
        throw modelErrorOf(error, modelId);
      }
      const message = output.output && "message" in output.output ? output.output.message : undefined;
      const stopReason = output.stopReason ?? "end_turn";
      if (!message?.content) {
        throw new ModelError(
          `Bedrock Converse with model ${modelId} returned no message (stopReason ${stopReason})`,
        );
      }
      if (REFUSAL_STOP_REASONS.has(stopReason)) {
        throw new ModelError(
          `Bedrock model ${modelId} declined the task (stopReason ${stopReason}): a guardrail or content filter stopped it`,
          "refused",
        );
      }
      if (stopReason === "model_context_window_exceeded") {
        throw new ModelError(
          `the conversation outgrew the context window of Bedrock model ${modelId} (stopReason ${stopReason}); use a model with a larger one`,
          "context-too-long",
        );
      }
      if (!USABLE_STOP_REASONS.has(stopReason)) {
        throw new ModelError(
          `Bedrock model ${modelId} stopped with ${stopReason}; the turn is incomplete (raise AGENT_MAX_TOKENS for max_tokens)`,
          "incomplete",
        );
      }
      return {
        content: /** @type {ContentBlock[]} */ (/** @type {unknown} */ (message.content)),
        stopReason,
      };
    },
  };
}
