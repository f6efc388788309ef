import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { shellQuote } from "#lib/shell-quote.ts";
import {
  type AgentModelSetup,
  CliInputError,
  type ModelChoice,
  parseModelOptions,
  recordingExists,
  setUpAgentModel,
} from "../agent-model.ts";
import { localizeSources, snapshotWorkspace } from "../git-source.ts";
import { type ApprovalMode, ROOT, startLocalStack } from "../local-stack.ts";
import { causeMessage, describeEvent, describeSnapshot, endStateOf, repoNameOf } from "../progress.ts";
import type { ExecutionResult } from "../runner/runner.ts";

const HELP = `Usage: npm start -- [options]

Runs a real repair locally: the state machine (statemachine/repair.asl.json) with the project's Lambda handlers,
against the local AgentCore Runtime emulator, with the sample agent driven by a recorded session or a live model.

Options:
  --event <file>          an EventBridge event, API body or console input  (default samples/events/repair-requested.json)
  --workspace <dir>       repair this directory instead, absolute or relative, git or not: a snapshot of its files as
                          you see them (uncommitted changes included, ignored files and node_modules/virtualenvs left
                          out) is repaired; your directory is never changed
  --command <cmd>         validation command with --workspace              (default "npm test")
  --model <provider:id>   a live model: bedrock:<model id or inference profile> (this machine's AWS credentials)
                          or openai:<model> with --model-url              (default: replay a recorded session)
  --model-url <url>       the OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (Ollama)
  --model-key-env <var>   the environment variable holding its API key     (default OPENAI_API_KEY, if set)
  --model-stream          ask the OpenAI-compatible endpoint for streamed answers
  --approve <mode>        prompt | auto | deny: who answers approval requests
                          (default: prompt on a terminal, deny otherwise)
  --max-iterations <n>    agent iterations before giving up
  --replay <name>         the recorded session the sample agent replays   (default: the repository's name)
  --data-dir <dir>        session storage, artifacts, approvals, locks      (default .agentcore)
  --json                  print one JSON summary at the end instead of progress
  -h, --help              this text

Exit codes: 0 repaired · 1 not repaired · 2 could not run (bad option, unreadable workspace, the local stack did
not start) · 3 no model could repair (no recording for this repository and no --model).
Running the same request again resumes its session: the repository is as the agent left it. With --workspace, a
directory that changed since the last run gets a fresh session.`;

/** Exit codes (README, "npm start"). */
const EXIT = { repaired: 0, notRepaired: 1, couldNotRun: 2, noModel: 3 } as const;

// The SDK warns once per process that Node 20 support ends in 2027 (README, "Requirements").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Sets limits.maxIterations wherever the event keeps its request fields (detail, API body, or top level). */
function withMaxIterations(event: unknown, maxIterations: number): unknown {
  const patch = (value: Record<string, unknown>) => ({
    ...value,
    limits: { ...((value.limits as object | undefined) ?? {}), maxIterations },
  });
  const parsed = event as Record<string, unknown>;
  if (typeof parsed.detail === "object" && parsed.detail !== null && "validationCommand" in parsed.detail) {
    return { ...parsed, detail: patch(parsed.detail as Record<string, unknown>) };
  }
  if (typeof parsed.body === "string") {
    return { ...parsed, body: JSON.stringify(patch(JSON.parse(parsed.body) as Record<string, unknown>)) };
  }
  return "validationCommand" in parsed ? patch(parsed) : parsed;
}

interface Options {
  readonly event?: string;
  readonly workspace?: string;
  readonly command: string;
  readonly approve: ApprovalMode;
  readonly maxIterations?: number;
  readonly model: ModelChoice;
  readonly dataDir: string;
  readonly json: boolean;
}

function readOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      event: { type: "string" },
      workspace: { type: "string" },
      command: { type: "string" },
      approve: { type: "string" },
      "max-iterations": { type: "string" },
      replay: { type: "string" },
      model: { type: "string" },
      "model-url": { type: "string" },
      "model-key-env": { type: "string" },
      "model-stream": { type: "boolean", default: false },
      "data-dir": { type: "string", default: ".agentcore" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const approve = values.approve ?? (process.stdin.isTTY ? "prompt" : "deny");
  if (approve !== "prompt" && approve !== "auto" && approve !== "deny") {
    throw new CliInputError(`--approve must be prompt, auto or deny, got "${approve}".`);
  }
  if (approve === "prompt" && !process.stdin.isTTY)
    throw new CliInputError("--approve prompt needs a terminal; use auto or deny.");
  if (values.workspace !== undefined && values.event !== undefined)
    throw new CliInputError("--workspace and --event exclude each other: give one repository to repair.");
  if (values.command !== undefined && values.workspace === undefined)
    throw new CliInputError("--command goes with --workspace (an event names its own validation command).");
  if (values.workspace === "") throw new CliInputError("--workspace needs a directory.");
  const model = parseModelOptions({
    model: values.model,
    modelUrl: values["model-url"],
    modelKeyEnv: values["model-key-env"],
    modelStream: values["model-stream"],
    replay: values.replay,
  });
  const maxIterations = values["max-iterations"] === undefined ? undefined : Number(values["max-iterations"]);
  if (
    maxIterations !== undefined &&
    (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 20)
  ) {
    throw new CliInputError(
      `--max-iterations must be an integer from 1 to 20, got "${values["max-iterations"]}".`,
    );
  }
  return {
    ...(values.event ? { event: values.event } : {}),
    ...(values.workspace ? { workspace: values.workspace } : {}),
    command: values.command ?? "npm test",
    approve,
    ...(maxIterations ? { maxIterations } : {}),
    model,
    dataDir: resolve(values["data-dir"]),
    json: values.json,
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) return EXIT.repaired;
  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  let event: unknown;
  if (options.workspace) {
    // The request names the snapshot's commit: a directory that changed gets a new session, an unchanged one
    // resumes (the session id derives from the source, revision included).
    const snapshot = await snapshotWorkspace(options.workspace, options.dataDir);
    for (const line of describeSnapshot(snapshot)) say(line);
    event = {
      repository: { path: snapshot.path, revision: snapshot.revision },
      validationCommand: options.command,
      requestedBy: "local:cli",
    };
  } else {
    event = await readEvent(options.event ?? join(ROOT, "samples/events/repair-requested.json"));
    event = await localizeSources(event, ROOT, options.dataDir);
  }
  if (options.maxIterations !== undefined) event = withMaxIterations(event, options.maxIterations);

  // Before the stack starts: it points this process's AWS settings at loopback with dummy keys.
  const model: AgentModelSetup = await setUpAgentModel(options.model);
  say(`model: ${model.description}`);
  const stack = await startLocalStack({
    dataDir: options.dataDir,
    // The handlers' JSON logs stay off the terminal (the progress and the report say what happened); set
    // POWERTOOLS_LOG_LEVEL to see them.
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
    agentEnvironment: model.environment,
    agentHostEndpoints: model.hostEndpoints,
    approvals: {
      mode: options.approve,
      onRequested: (notice) => {
        say(`  ⏸ approval requested for: ${notice.command}`);
        // A diff has no command classes: its page lists the files, stats and flags instead.
        if (notice.classes.length > 0) say(`    classes: ${notice.classes.join(", ")}`);
        // The terminal is this person's notification channel: the full link, token included (decide here or there).
        say(`    decide here or on the page: ${notice.link}`);
      },
      onDecidedElsewhere: (_notice, outcome) => say(`\n    ${outcome}`),
      ask: async (notice, signal) => {
        const terminal = createInterface({ input: process.stdin, output: process.stdout });
        try {
          const answer = (await terminal.question(`    approve \`${notice.command}\`? [y/N] `, { signal }))
            .trim()
            .toLowerCase();
          const approve = answer === "y" || answer === "yes";
          const reason = approve
            ? "approved at the terminal"
            : (await terminal.question("    reason: ", { signal })).trim();
          return { approve, reason: reason || "denied at the terminal" };
        } finally {
          terminal.close();
        }
      },
    },
  }).catch(async (error: unknown) => {
    await model.stop();
    throw error;
  });
  say(`AgentCore emulator ${stack.emulator.endpoint} · approvals ${stack.approvalsUrl} (${options.approve})`);
  let result: ExecutionResult;
  try {
    result = await stack.run(event, {
      onEvent: (executionEvent) => {
        for (const line of describeEvent(executionEvent)) say(line);
      },
    });
  } finally {
    await stack.stop();
    await model.stop();
  }
  const summary = await stack.summarize(result);
  const needsModel = await noModelCouldRepair(options.model, result);
  const exitCode =
    result.status === "SUCCEEDED" ? EXIT.repaired : needsModel ? EXIT.noModel : EXIT.notRepaired;
  const closing =
    result.status === "SUCCEEDED"
      ? undefined
      : needsModel
        ? `No model could repair ${needsModel}: there is no recorded session for it and no live model was given; ` +
          "pass --model bedrock:<model id> (uses your AWS credentials) or --model openai:<model> --model-url <base URL> " +
          "(e.g. Ollama at http://127.0.0.1:11434/v1)."
        : `The repair ended in "${endStateOf(result) ?? summary.error}": ${causeMessage(summary.cause)}`;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ...summary, exitCode, ...(closing ? { message: closing } : {}) })}\n`,
    );
  } else {
    say("");
    const headline = result.status === "SUCCEEDED" ? "✓ repaired" : `✗ not repaired (${summary.error})`;
    const resumed = summary.resumed ? " · resumed the session's workspace" : "";
    say(`${headline} in ${summary.durationSeconds} s · ${summary.iterations} agent iteration(s)${resumed}`);
    if (summary.report) say(`report: ${summary.report}`);
    if (summary.patch) say(`patch: ${summary.patch}`);
    if (summary.branch) say(`branch: ${summary.branch} (in the source repository under ${options.dataDir})`);
    if (summary.patch && options.workspace) {
      // Your directory is never changed: these are yours to run.
      const directory = shellQuote(resolve(options.workspace));
      say(`apply it to your directory:  git -C ${directory} apply ${shellQuote(summary.patch)}`);
      say(`or commit it there:          git -C ${directory} am ${shellQuote(summary.patch)}`);
    }
    if (closing) say(closing);
  }
  return exitCode;
}

/** Reads the event file, with a sentence for a missing file or bad JSON. */
async function readEvent(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new CliInputError(`--event ${path}: cannot read the file (${error.code ?? error.message}).`);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliInputError(`--event ${path} is not JSON: ${(error as Error).message}.`);
  }
}

/**
 * The repository's name when the agent failed only because nothing could drive it: replay mode and no recording
 * of that name. Any other failure is a failed repair.
 */
async function noModelCouldRepair(choice: ModelChoice, result: ExecutionResult): Promise<string | undefined> {
  if (choice.provider !== "replay" || result.status === "SUCCEEDED" || result.error !== "AgentError")
    return undefined;
  const repoName = repoNameOf(result);
  if (!repoName) return undefined;
  const recording = choice.recording ?? repoName;
  return (await recordingExists(join(ROOT, "samples/agent/replays"), recording)) ? undefined : repoName;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A sentence, never a stack: bad input names the option; anything else says what could not be done.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`npm start: ${message}\n`);
    process.exit(EXIT.couldNotRun);
  },
);
