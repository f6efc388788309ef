import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ValidationFailedError } from "../errors.ts";
import { DynamoBucketStore } from "./dynamodb-store.ts";
import { FileBucketStore } from "./file-store.ts";
import { COMMAND_QUOTA_TPS, RateGate, settingsFromQuota } from "./token-bucket.ts";

/**
 * The gate every InvokeAgentRuntimeCommand call passes (command-runner.ts), built from the environment:
 * - COMMAND_RATE_TABLE: the DynamoDB table of buckets (AWS), or COMMAND_RATE_FILE: a JSON file (local mode);
 *   neither: no gate (a single execution, unit tests);
 * - COMMAND_QUOTA_TPS: the runtime's InvokeAgentRuntimeCommand quota @default 25 (the service default);
 * - COMMAND_RATE_MAX_WAIT_MS: the longest a call waits for its token @default 10000 (well within the 30 s
 *   COMMAND_MARGIN_SECONDS a synchronous command keeps free in its Lambda invocation).
 */
export function commandRateGateFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RateGate | undefined {
  const table = env.COMMAND_RATE_TABLE?.trim();
  const file = env.COMMAND_RATE_FILE?.trim();
  if (!table && !file) return undefined;
  const quota = readNumber(env, "COMMAND_QUOTA_TPS", COMMAND_QUOTA_TPS, { min: 0.1, max: 10_000 });
  const maxWaitMs = readNumber(env, "COMMAND_RATE_MAX_WAIT_MS", 10_000, { min: 0, max: 60_000 });
  const store = table
    ? new DynamoBucketStore(new DynamoDBClient({}), table)
    : new FileBucketStore(file ?? "");
  return new RateGate(store, settingsFromQuota(quota, maxWaitMs));
}

function readNumber(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  limits: { min: number; max: number },
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < limits.min || value > limits.max) {
    throw new ValidationFailedError([
      {
        field: name,
        problem: `is ${JSON.stringify(raw)}; it must be a number from ${limits.min} to ${limits.max}`,
      },
    ]);
  }
  return value;
}
