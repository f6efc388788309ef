import {
  approvalEnvironment,
  awsNotifier,
  ledgerStoreFromEnvironment,
} from "#lib/approvals/approval-dependencies.ts";
import { defineTask } from "#lib/define-task.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import {
  type ApprovalRequested,
  type RequestApprovalDependencies,
  requestApproval,
  requestApprovalInputSchema,
} from "./request-approval.ts";

/**
 * Fills what the caller did not inject from the environment. In AWS nothing is injected. Locally the runner
 * injects at least the notifier (how a person is asked) and the base URL of its loopback approval server.
 */
function resolveDependencies(overrides: Partial<RequestApprovalDependencies>): RequestApprovalDependencies {
  const needsEnvironment =
    !overrides.store ||
    !overrides.audit ||
    !overrides.signingKey ||
    !overrides.notifier ||
    !overrides.baseUrl;
  const environment =
    needsEnvironment || overrides.ttlSeconds === undefined ? approvalEnvironment() : undefined;
  const notifier = overrides.notifier ?? (environment ? awsNotifier(environment.settings) : undefined);
  const baseUrl = overrides.baseUrl ?? environment?.settings.baseUrl;
  if (!notifier) {
    throw new ValidationFailedError([
      {
        field: "EVENT_BUS_NAME",
        problem: "no notifier: set EVENT_BUS_NAME and/or APPROVAL_TOPIC_ARN, or inject one",
      },
    ]);
  }
  if (!baseUrl) {
    throw new ValidationFailedError([
      { field: "APPROVAL_BASE_URL", problem: "is not set (the link needs it)" },
    ]);
  }
  const ledger = "ledger" in overrides ? overrides.ledger : ledgerStoreFromEnvironment();
  const artifacts = overrides.artifacts ?? ledger ?? ledgerStoreFromEnvironment();
  return {
    store: overrides.store ?? environment!.store,
    audit: overrides.audit ?? environment!.audit,
    signingKey: overrides.signingKey ?? environment!.signingKey,
    ttlSeconds: overrides.ttlSeconds ?? environment!.settings.ttlSeconds,
    now: overrides.now ?? (() => new Date()),
    notifier,
    baseUrl,
    ...(ledger ? { ledger } : {}),
    ...(artifacts ? { artifacts } : {}),
  };
}

/** A request-approval Lambda handler; `overrides` replace what the environment would provide. */
export const createRequestApprovalHandler = defineTask({
  name: "request-approval",
  // The event holds the task token: it is parsed, never logged.
  input: requestApprovalInputSchema,
  keys: (input) => ({
    executionName: input.executionName,
    sessionId: input.request.sessionId,
    commandHash: input.command?.commandHash ?? input.change?.patchSha256,
  }),
  dependencies: resolveDependencies,
  run: (dependencies, input): Promise<ApprovalRequested> => requestApproval(dependencies, input),
});

export const handler = createRequestApprovalHandler();
