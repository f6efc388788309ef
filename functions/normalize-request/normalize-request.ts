import type { RepairLimits, RepairRequest, RepositorySource } from "#lib/contracts.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { LIMIT_DEFAULTS, type RepairInput } from "./input-schema.ts";
import { readRepairInput } from "./read-trigger.ts";
import {
  canonicalRevision,
  classifyRepositoryUrl,
  normalizeLocalPath,
  stripHeadsPrefix,
} from "./repository-rules.ts";
import { deriveRepoName, requestIdentity } from "./request-identity.ts";
import type { NormalizeSettings } from "./settings.ts";

export interface NormalizeDependencies {
  readonly settings: NormalizeSettings;
  /** The clock, injected so acceptedAt is testable. */
  readonly now: () => Date;
}

function sourceOf(repository: RepairInput["repository"]): RepositorySource {
  const revision = repository.revision !== undefined ? canonicalRevision(repository.revision) : undefined;
  const branch = repository.branch !== undefined ? stripHeadsPrefix(repository.branch) : undefined;
  const located =
    repository.url !== undefined
      ? classifyRepositoryUrl(repository.url)
      : { kind: "local" as const, path: normalizeLocalPath(repository.path ?? "") };
  if (located.kind === "git") {
    return {
      kind: "git",
      url: located.url,
      ...(revision !== undefined ? { revision } : {}),
      ...(branch !== undefined ? { branch } : {}),
    };
  }
  // A local source has no remote branches to choose from: a branch names the revision to check out.
  const localRevision = revision ?? branch;
  return {
    kind: "local",
    path: located.path,
    ...(localRevision !== undefined ? { revision: localRevision } : {}),
  };
}

function limitsOf(limits: RepairInput["limits"]): RepairLimits {
  return {
    maxIterations: limits?.maxIterations ?? LIMIT_DEFAULTS.maxIterations,
    commandTimeoutSeconds: limits?.commandTimeoutSeconds ?? LIMIT_DEFAULTS.commandTimeoutSeconds,
    budgetSeconds: limits?.budgetSeconds ?? LIMIT_DEFAULTS.budgetSeconds,
  };
}

/**
 * Turns any accepted trigger into the canonical RepairRequest, or throws ValidationFailedError naming every bad
 * field. Pure apart from the injected clock: same input and settings, same request.
 */
/** A lock outlives the budget by this much before TTL frees it (a crashed execution never released it). */
const LOCK_GRACE_SECONDS = 3600;

export function normalizeRequest(event: unknown, deps: NormalizeDependencies): RepairRequest {
  const { trigger, input } = readRepairInput(event, deps.settings);
  const runtimeArn = input.runtimeArn ?? deps.settings.defaultRuntimeArn;
  // The deployment's IAM allows exactly its own runtime: another ARN would only fail later, as AccessDenied.
  if (
    input.runtimeArn !== undefined &&
    deps.settings.defaultRuntimeArn !== undefined &&
    input.runtimeArn !== deps.settings.defaultRuntimeArn
  ) {
    throw new ValidationFailedError([
      {
        field: "runtimeArn",
        problem: `must be this deployment's runtime (${deps.settings.defaultRuntimeArn}) or left out`,
      },
    ]);
  }
  // Unreachable when the schemas did their job (they require runtimeArn without a default); kept so the type
  // is honest.
  if (runtimeArn === undefined) {
    throw new ValidationFailedError([
      { field: "runtimeArn", problem: "is required: give it in the request or set AGENTCORE_RUNTIME_ARN" },
    ]);
  }
  const qualifier = input.qualifier ?? deps.settings.defaultQualifier;
  const source = sourceOf(input.repository);
  const { requestId, lockKey, sessionId } = requestIdentity(source, input.validationCommand);
  const repoName = deriveRepoName(source);
  const limits = limitsOf(input.limits);
  const maxTimeout = deps.settings.maxCommandTimeoutSeconds;
  if (maxTimeout !== undefined && limits.commandTimeoutSeconds > maxTimeout) {
    throw new ValidationFailedError([
      {
        field: "limits.commandTimeoutSeconds",
        problem: `is ${limits.commandTimeoutSeconds} s; this deployment allows at most ${maxTimeout} s (COMMAND_TIMEOUT_SECONDS)`,
      },
    ]);
  }
  const acceptedAt = deps.now();
  const deadline = new Date(acceptedAt.getTime() + limits.budgetSeconds * 1000);
  return {
    requestId,
    lockKey,
    sessionId,
    runtimeArn,
    ...(qualifier !== undefined ? { qualifier } : {}),
    source,
    repoName,
    workspacePath: `${deps.settings.mountPath}/${repoName}`,
    validationCommand: input.validationCommand,
    limits,
    trigger,
    ...(input.requestedBy !== undefined ? { requestedBy: input.requestedBy } : {}),
    acceptedAt: acceptedAt.toISOString(),
    acceptedAtEpoch: String(Math.floor(acceptedAt.getTime() / 1000)),
    deadline: deadline.toISOString(),
    lockExpiresAt: String(Math.ceil(deadline.getTime() / 1000) + LOCK_GRACE_SECONDS),
  };
}
