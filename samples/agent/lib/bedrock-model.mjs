// @ts-check
/**
 * BEDROCK mode: a live model through the Amazon Bedrock Converse API with tool use. Chosen when AGENT_MODEL_ID is
 * set. The SDK is loaded only in this mode, so the replay mode runs with node alone. The endpoint follows the SDK's
 * usual configuration (region from AWS_REGION, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` for a private or test endpoint).
 */
import { ModelError } from "./errors.mjs";

/** @typedef {import("./types.mjs").Model} Model */
/** @typedef {import("./types.mjs").ContentBlock} ContentBlock */

/** Stop reasons after which the model's turn can be used: it either wants tools or has finished. */
const USABLE_STOP_REASONS = new Set(["tool_use", "end_turn", "stop_sequence"]);

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
        const name = error instanceof Error ? error.name : "Error";
        const message = error instanceof Error ? error.message : String(error);
        throw new ModelError(`Bedrock Converse with model ${modelId} failed: ${name}: ${message}`);
      }
      const message = output.output && "message" in output.output ? output.output.message : undefined;
      const stopReason = output.stopReason ?? "end_turn";
      if (!message?.content) {
        throw new ModelError(
          `Bedrock Converse with model ${modelId} returned no message (stopReason ${stopReason})`,
        );
      }
      if (!USABLE_STOP_REASONS.has(stopReason)) {
        throw new ModelError(
          `Bedrock Converse with model ${modelId} stopped with ${stopReason}; the turn is incomplete or was filtered`,
        );
      }
      return {
        content: /** @type {ContentBlock[]} */ (/** @type {unknown} */ (message.content)),
        stopReason,
      };
    },
  };
}
