import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { redact } from "./redaction.ts";

/**
 * Logger, Tracer and Metrics, created once per cold start and shared by every task. Every string that reaches a
 * log line passes through redaction in the JSON replacer, so a secret in an error message or a field is masked
 * even if a caller forgot to.
 */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "agentcore-repair";

export const logger = new Logger({
  serviceName,
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === "string" ? redact(value) : value),
});

export const tracer = new Tracer({ serviceName });

const newMetrics = (): Metrics => new Metrics({ namespace: "AgentCoreRepair", serviceName });

/** The invocation's metrics (throttles), published by `flushMetrics`. */
export const metrics = newMetrics();

export interface InvocationKeys {
  readonly executionName?: string;
  readonly sessionId?: string;
  readonly commandHash?: string;
}

const KEY_NAMES = ["executionName", "sessionId", "commandHash"] as const;

/**
 * Sets the correlation keys of this invocation; keys absent from `keys` are removed so a warm container never
 * carries the previous execution's keys into the next one.
 */
export function bindInvocationKeys(keys: InvocationKeys): void {
  logger.removePersistentKeys([...KEY_NAMES]);
  const present: Record<string, string> = {};
  for (const name of KEY_NAMES) {
    const value = keys[name];
    if (value !== undefined) present[name] = value;
  }
  logger.appendPersistentKeys(present);
}

export interface CommandMetrics {
  readonly purpose: string;
  readonly status: "COMPLETED" | "TIMED_OUT" | "STREAM_BROKEN";
  readonly exitCode?: number;
  readonly durationMs: number;
  readonly outputBytes: number;
}

/**
 * Publishes one command's metrics at once under its own Purpose dimension: with the shared instance, two commands
 * in one invocation would both be reported under the last purpose (and Powertools warns of a dimension added twice).
 */
export function recordCommandMetrics(command: CommandMetrics): void {
  const one = newMetrics();
  one.addDimension("Purpose", command.purpose);
  one.addMetric("CommandsRun", MetricUnit.Count, 1);
  one.addMetric("CommandDuration", MetricUnit.Milliseconds, command.durationMs);
  one.addMetric("CommandOutputBytes", MetricUnit.Bytes, command.outputBytes);
  if (command.status === "TIMED_OUT") one.addMetric("CommandsTimedOut", MetricUnit.Count, 1);
  if (command.status === "STREAM_BROKEN") one.addMetric("CommandStreamsBroken", MetricUnit.Count, 1);
  if (command.exitCode !== undefined) {
    one.addMetric("CommandsFailed", MetricUnit.Count, command.exitCode === 0 ? 0 : 1);
    one.addMetadata("exitCode", String(command.exitCode));
  }
  one.publishStoredMetrics();
}

export function recordThrottle(operation: string): void {
  metrics.addMetadata("throttledOperation", operation);
  metrics.addMetric("Throttles", MetricUnit.Count, 1);
}

/** Publishes what this invocation recorded; handlers call it in `finally`. */
export function flushMetrics(): void {
  // Tasks that recorded nothing (normalize, parse) publish nothing, instead of a warning per invocation.
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
