import { EventEmitter } from "node:events";
import { mkdir, readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { FileApprovalStore } from "#lib/approvals/file-approval-store.ts";
import { type ApprovalNotice, callbackNotifier } from "#lib/approvals/notifier.ts";
import { reportKeys } from "#lib/run-artifacts.ts";
import { DEFAULT_MOUNT_PATH } from "#lib/settings.ts";
import type { FunctionVariables } from "../constructs/function-variables.ts";
import { STATE_MACHINE_TASKS, type StateMachineTask } from "../constructs/task-catalog.ts";
import { ApprovalPageError, decide } from "./approvals/approval-client.ts";
import { type ApprovalServer, startApprovalServer } from "./approvals/approval-server.ts";
import {
  type EmulatorConfig,
  type EmulatorLog,
  type RunningEmulator,
  startEmulator,
} from "./emulator/index.ts";
import { type LocalLambdaApi, startLocalLambdaApi } from "./runner/lambda-api.ts";
import type { LambdaHandler } from "./runner/lambda-invoker.ts";
import { LocalLockTable } from "./runner/local-locks.ts";
import {
  type ExecutionResult,
  localFunctionName,
  type RunnerOptions,
  runExecution,
} from "./runner/runner.ts";
import { type LocalStepFunctionsApi, startLocalStepFunctionsApi } from "./runner/sfn-task-api.ts";
import { TaskTokenRegistry } from "./runner/task-tokens.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const LOCAL_RUNTIME_ARN =
  "arn:aws:bedrock-agentcore:us-east-1:000000000000:runtime/agentcore_repair-LOCAL00001";

/** Who answers approval requests locally: a person at the terminal, or always yes / always no. */
export type ApprovalMode = "prompt" | "auto" | "deny";

interface LocalApprovals {
  readonly mode: ApprovalMode;
  /** Told about each request (the notice's `link` carries the decision token: show `pageUrl`, not `link`). */
  readonly onRequested?: (notice: ApprovalNotice) => void;
  /**
   * For "prompt": asks a person at the terminal. The same person may decide on the page instead (the notice's
   * link): whichever comes first wins, and `signal` aborts the question when the page won.
   */
  readonly ask?: (
    notice: ApprovalNotice,
    signal: AbortSignal,
  ) => Promise<{ readonly approve: boolean; readonly reason: string }>;
  /** For "prompt": the approval was decided on the page before the terminal answered (or the other way round). */
  readonly onDecidedElsewhere?: (notice: ApprovalNotice, outcome: string) => void;
  /** Decisions that could not be delivered (the approval page refused, the server was gone). */
  readonly onError?: (error: Error) => void;
}

interface RunSummary {
  readonly execution: string;
  readonly status: ExecutionResult["status"];
  readonly error?: string;
  readonly cause?: string;
  readonly outcome: string;
  readonly iterations: number;
  readonly resumed: boolean;
  readonly durationSeconds: number;
  readonly report: string | null;
  readonly transitions: number;
  /** The exported change (a `.patch` under the run's artifacts), when the repair produced one. */
  readonly patch: string | null;
  /** The branch deliver-change pushed to the local source repository, when the change was approved. */
  readonly branch: string | null;
}

export interface LocalStackOptions {
  /** Session storage, artifacts, approvals and locks. @default ".agentcore" */
  readonly dataDir: string;
  /** Which recorded model session the sample agent replays (its AGENT_REPLAY). @default by repository name */
  readonly agentReplay?: string;
  /**
   * Variables for the agent process only (a live model's id, URL, key or credentials endpoint: see agent-model.ts).
   * @default {}
   */
  readonly agentEnvironment?: Readonly<Record<string, string>>;
  /** Base URLs on the host that only the agent process may reach (a local model server). @default [] */
  readonly agentHostEndpoints?: readonly string[];
  /** Emulator settings merged over the local runtime's (tests: rate limits, lifecycle). */
  readonly runtime?: NonNullable<EmulatorConfig["defaults"]>;
  /** Powertools log level of the handlers. @default "WARN" */
  readonly logLevel?: string;
  readonly emulatorLog?: EmulatorLog;
  /** @default { mode: "deny" } */
  readonly approvals?: LocalApprovals;
}

export interface LocalStack {
  readonly emulator: RunningEmulator;
  readonly tokens: TaskTokenRegistry;
  readonly dataDir: string;
  /** The loopback approval API (GET shows, POST decides), as APPROVAL_BASE_URL. */
  readonly approvalsUrl: string;
  /** Changes who answers the next approval requests (tests switch between modes on one stack). */
  setApprovals(next: LocalApprovals): void;
  /** The execution's outcome as `npm start` reports it, read from the report Finalize wrote. */
  summarize(result: ExecutionResult): Promise<RunSummary>;
  run(
    input: unknown,
    options?: Partial<Omit<RunnerOptions, "functions" | "locks" | "tokens" | "definitionPath">>,
  ): Promise<ExecutionResult>;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` and the workflow tests run on: the AgentCore emulator with the sample agent as the runtime's
 * agent, local Lambda and Step Functions task APIs, and the real handlers, configured through the same environment
 * variables as in AWS (set before the handlers are imported, as Lambda sets them before the module loads).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // What has started so far, stopped in reverse if a later part fails (and by stop(), whatever fails first).
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const results = await Promise.allSettled(
      started
        .splice(0)
        .reverse()
        .map((stop) => stop()),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  try {
    return await buildLocalStack(options, started, stopAll);
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

async function buildLocalStack(
  options: LocalStackOptions,
  started: (() => Promise<void>)[],
  stopAll: () => Promise<void>,
): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const emulator = await startEmulator({
    port: 0,
    dataDir: join(dataDir, "emulator"),
    ...(options.emulatorLog ? { log: options.emulatorLog } : {}),
    config: {
      runtimes: {
        [LOCAL_RUNTIME_ARN]: {
          agent: {
            command: [process.execPath, join(ROOT, "samples/agent/server.mjs")],
            startTimeoutSeconds: 30,
          },
          // options.agentEnvironment belongs in agent.environment and options.agentHostEndpoints in
          // agent.hostEndpoints (issue 13's sandbox: only the agent process gets them, only it may reach those
          // loopback URLs). Until this emulator's config takes those fields, the variables go in the runtime's
          // environment, which commands see too (a replay has none; a live model's key or credentials endpoint
          // token then does), and the endpoints are reachable from the session as the whole host loopback is.
          environment: {
            AGENT_WORKSPACE_ROOT: DEFAULT_MOUNT_PATH,
            ...(options.agentReplay ? { AGENT_REPLAY: options.agentReplay } : {}),
            ...options.agentEnvironment,
          },
          ...options.runtime,
        },
      },
    },
  });
  started.push(() => emulator.stop());
  const tokens = new TaskTokenRegistry();
  const stepFunctions: LocalStepFunctionsApi = await startLocalStepFunctionsApi(tokens);
  started.push(() => stepFunctions.stop());
  // Filled once the handlers are imported; the endpoint must be known before, as clients read it at module load.
  const byName = new Map<string, LambdaHandler>();
  const lambdaApi: LocalLambdaApi = await startLocalLambdaApi(byName, 900_000);
  started.push(() => lambdaApi.stop());

  // Credentials are dummies on purpose: every call goes to a loopback endpoint, and the user's real ones stay unused.
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDLOCALREPAIR",
    AWS_SECRET_ACCESS_KEY: "local-not-a-secret",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: emulator.endpoint,
    AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambdaApi.endpoint,
    AGENTCORE_RUNTIME_ARN: LOCAL_RUNTIME_ARN,
    ARTIFACT_DIR: join(dataDir, "artifacts"),
    AGENTCORE_MOUNT_PATH: DEFAULT_MOUNT_PATH,
    RUN_COMMAND_FUNCTION_NAME: "agentcore-repair-run-command",
    // deliver-change: locally the approved patch becomes a branch in the local source repository (a real git
    // remote), only for sources the runner published under the data directory.
    DELIVERY_DEFAULT_MODE: "branch",
    DELIVERY_LOCAL_ROOT: join(dataDir, "sources"),
    APPROVALS_FILE: join(dataDir, "approvals.json"),
    AUDIT_FILE: join(dataDir, "audit.jsonl"),
    APPROVAL_KEY_FILE: join(dataDir, "approval-signing.key"),
    // Every execution of this runner shares one command rate gate per runtime (the DynamoDB table's stand-in).
    COMMAND_RATE_FILE: join(dataDir, "command-rate.json"),
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_TRACE_ENABLED: "false",
    POWERTOOLS_SERVICE_NAME: "agentcore-repair-local",
  });
  // Locally the person is the user at this terminal (see approval-server.ts for why that is authentication here),
  // and the deployment's allow-list names exactly them.
  const approver = `local:${userInfo().username}`;
  process.env.APPROVERS = JSON.stringify({ "*": [approver] });
  const approvalApi = (await import("../../functions/approval-api/handler.ts")).createApprovalApiHandler();
  // Decisions made on the page are announced, so a question still open at the terminal can be withdrawn.
  const decisions = new EventEmitter();
  const approvalServer: ApprovalServer = await startApprovalServer({
    approver,
    handler: async (event) => {
      const result = await approvalApi(event);
      if (event.httpMethod === "POST" && result.statusCode === 200) {
        decisions.emit("decided", event.pathParameters?.approvalId);
      }
      return result;
    },
  });
  started.push(() => approvalServer.stop());
  Object.assign(process.env, { APPROVAL_BASE_URL: approvalServer.baseUrl } satisfies FunctionVariables);
  let approvals: LocalApprovals = options.approvals ?? { mode: "deny" };
  const approvalStore = new FileApprovalStore(join(dataDir, "approvals.json"));
  const decidedOnPage = (approvalId: string, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const listener = (decided: string | undefined) => {
        if (decided !== approvalId) return;
        decisions.off("decided", listener);
        resolve();
      };
      decisions.on("decided", listener);
      signal.addEventListener("abort", () => decisions.off("decided", listener), { once: true });
    });
  const askOrPage = async (notice: ApprovalNotice, ask: NonNullable<LocalApprovals["ask"]>) => {
    const settled = new AbortController();
    try {
      const winner = await Promise.race([
        ask(notice, settled.signal).then((choice) => ({ from: "prompt" as const, choice })),
        decidedOnPage(notice.approvalId, settled.signal).then(() => ({ from: "page" as const })),
      ]);
      return winner;
    } finally {
      settled.abort();
    }
  };
  const answer = async (notice: ApprovalNotice): Promise<void> => {
    approvals.onRequested?.(notice);
    const current = approvals;
    const winner =
      current.mode === "prompt" && current.ask
        ? await askOrPage(notice, current.ask)
        : {
            from: "prompt" as const,
            choice: { approve: current.mode === "auto", reason: `decided by --approve ${current.mode}` },
          };
    if (winner.from === "page") {
      const record = await approvalStore.get(notice.approvalId);
      current.onDecidedElsewhere?.(
        notice,
        `${record?.status ?? "decided"} on the page by ${record?.decidedBy ?? "?"}`,
      );
      return;
    }
    // Through the approval page, as a person's browser would: GET the link, POST the form with its signed token.
    try {
      await decide(notice.link, winner.choice.approve ? "approve" : "deny", winner.choice.reason);
    } catch (error) {
      // The page was faster than the terminal's answer reached it: the page's decision stands.
      if (error instanceof ApprovalPageError && error.status === 409) {
        current.onDecidedElsewhere?.(notice, "already decided on the page");
        return;
      }
      throw error;
    }
  };
  const requestApproval = (
    await import("../../functions/request-approval/handler.ts")
  ).createRequestApprovalHandler({
    baseUrl: approvalServer.baseUrl,
    notifier: callbackNotifier((notice) => {
      // The task starts waiting once request-approval returns: answer afterwards, never inside the invocation.
      setImmediate(() => {
        answer(notice).catch((error: Error) => approvals.onError?.(error));
      });
    }),
  });

  const functions = {} as Record<StateMachineTask, LambdaHandler>;
  for (const task of STATE_MACHINE_TASKS) {
    const module = (await import(join(ROOT, "functions", task, "handler.ts"))) as { handler: LambdaHandler };
    functions[task] = task === "request-approval" ? (requestApproval as LambdaHandler) : module.handler;
    byName.set(localFunctionName(task), functions[task]);
  }
  const artifactDir = join(dataDir, "artifacts");
  const readJson = async (path: string): Promise<Record<string, unknown> | undefined> =>
    (JSON.parse(await readFile(path, "utf8").catch(() => "null")) as Record<string, unknown> | null) ??
    undefined;
  const locks = new LocalLockTable(join(dataDir, "locks.json"));
  const definitionPath = join(ROOT, "statemachine/repair.asl.json");

  return {
    emulator,
    tokens,
    dataDir,
    approvalsUrl: approvalServer.baseUrl,
    setApprovals(next) {
      approvals = next;
    },
    async summarize(result) {
      const keys = reportKeys(result.executionName);
      const report = await readJson(join(artifactDir, keys.json));
      const workspace = report?.workspace as { resumed?: boolean } | undefined;
      const patch = report?.patch as { key?: string } | undefined;
      const delivery = report?.delivery as { branch?: string } | undefined;
      return {
        execution: result.executionName,
        status: result.status,
        ...(result.error ? { error: result.error, cause: result.cause ?? "" } : {}),
        outcome: String(report?.outcome ?? "failed"),
        iterations: Number(report?.iterations ?? 0),
        resumed: Boolean(workspace?.resumed),
        durationSeconds: Math.round(result.durationMs / 100) / 10,
        report: report ? join(artifactDir, keys.markdown) : null,
        transitions: result.events.filter((e) => e.type === "StateEntered").length,
        patch: patch?.key ? join(artifactDir, patch.key) : null,
        branch: delivery?.branch ?? null,
      };
    },
    run: (input, runOptions = {}) =>
      runExecution(input, { ...runOptions, definitionPath, functions, locks, tokens }),
    stop: stopAll,
  };
}
