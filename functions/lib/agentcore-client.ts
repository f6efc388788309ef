import {
  BedrockAgentCoreClient,
  type BedrockAgentCoreClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-bedrock-agentcore";
import type {
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  InitializeMiddleware,
} from "@smithy/types";
import { ValidationFailedError } from "./errors.ts";
import { tracer } from "./observability.ts";

/**
 * The AgentCore data-plane client. `runtimeSessionId` is an idempotency token in the service model, so the SDK
 * silently invents a random UUID when it is missing: the command would run in a brand-new session and the
 * workspace held by session storage would be lost without any error. The guard below makes that impossible.
 */

export const SESSION_ID_MIN = 33;
export const SESSION_ID_MAX = 256;

/** Throws ValidationFailedError naming `runtimeSessionId` unless `value` is a 33-256 character string. */
export function assertSessionId(value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationFailedError([
      {
        field: "runtimeSessionId",
        problem: "is missing; every AgentCore call must name its session explicitly (33-256 characters)",
      },
    ]);
  }
  if (value.length < SESSION_ID_MIN || value.length > SESSION_ID_MAX) {
    throw new ValidationFailedError([
      {
        field: "runtimeSessionId",
        problem: `is ${value.length} characters; it must be ${SESSION_ID_MIN}-${SESSION_ID_MAX}`,
      },
    ]);
  }
  return value;
}

/** The operations that act on a runtime session; their input must carry an explicit session id. */
const SESSION_COMMANDS = new Set([
  "InvokeAgentRuntimeCommand",
  "InvokeAgentRuntimeCommandCommand",
  "StopRuntimeSessionCommand",
]);

const sessionIdGuard: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
  (next, context) =>
  async (
    args: InitializeHandlerArguments<ServiceInputTypes>,
  ): Promise<InitializeHandlerOutput<ServiceOutputTypes>> => {
    if (context.commandName !== undefined && SESSION_COMMANDS.has(context.commandName)) {
      assertSessionId((args.input as { runtimeSessionId?: unknown }).runtimeSessionId);
    }
    return next(args);
  };

/**
 * Builds a client with the session-id guard installed. The endpoint comes from `config.endpoint`, else the SDK
 * reads `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` itself (the emulator), else the regional AWS endpoint.
 */
export function createAgentCoreClient(config: BedrockAgentCoreClientConfig = {}): BedrockAgentCoreClient {
  const client = new BedrockAgentCoreClient(config);
  // "initialize" runs before serialization, i.e. before the SDK fills in a missing idempotency token.
  client.middlewareStack.add(sessionIdGuard, {
    step: "initialize",
    name: "repairSessionIdGuard",
    priority: "high",
    override: true,
  });
  return client;
}

let containerClient: BedrockAgentCoreClient | undefined;

/**
 * The one client of this Lambda container, traced (X-Ray subsegments per call), built on first use: importing a
 * constant from this module builds nothing.
 */
export function agentCoreClient(): BedrockAgentCoreClient {
  containerClient ??= tracer.captureAWSv3Client(createAgentCoreClient());
  return containerClient;
}
