import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { shellQuote } from "../../../functions/lib/shell-quote.ts";
import { localizeSources } from "../git-source.ts";
import { type ApprovalMode, ROOT, startLocalStack } from "../local-stack.ts";
import { describeEvent } from "../progress.ts";
import type { ExecutionResult } from "../runner/runner.ts";

const HELP = `Usage: npm start -- [options]

Runs a real repair locally: the state machine (statemachine/repair.asl.json) with the project's Lambda handlers,
against the local AgentCore Runtime emulator, with the sample agent replaying a recorded model session.

Options:
  --event <file>          an EventBridge event, API body or console input  (default samples/events/repair-requested.json)
  --workspace <dir>       repair this directory instead (copied to a git snapshot; your directory is never changed)
  --command <cmd>         validation command with --workspace              (default "npm test")
  --approve <mode>        prompt | auto | deny: who answers approval requests
                          (default: prompt on a terminal, deny otherwise)
  --max-iterations <n>    agent iterations before giving up
  --replay <name>         the recorded session the sample agent replays   (default: the repository's name)
  --data-dir <dir>        session storage, artifacts, approvals, locks      (default .agentcore)
  --json                  print one JSON summary at the end instead of progress
  -h, --help              this text

Exits 0 only when the repair passed. Running the same request again resumes its session: the repository is as
the agent left it.`;

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
  readonly replay?: string;
  readonly dataDir: string;
  readonly json: boolean;
}

function readOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      event: { type: "string" },
      workspace: { type: "string" },
      command: { type: "string", default: "npm test" },
      approve: { type: "string" },
      "max-iterations": { type: "string" },
      replay: { type: "string" },
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
    throw new Error(`--approve must be prompt, auto or deny, got ${approve}`);
  }
  if (approve === "prompt" && !process.stdin.isTTY)
    throw new Error("--approve prompt needs a terminal; use auto or deny");
  const maxIterations = values["max-iterations"] === undefined ? undefined : Number(values["max-iterations"]);
  if (
    maxIterations !== undefined &&
    (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 20)
  ) {
    throw new Error(`--max-iterations must be an integer from 1 to 20, got ${values["max-iterations"]}`);
  }
  return {
    ...(values.event ? { event: values.event } : {}),
    ...(values.workspace ? { workspace: values.workspace } : {}),
    command: values.command,
    approve,
    ...(maxIterations ? { maxIterations } : {}),
    ...(values.replay ? { replay: values.replay } : {}),
    dataDir: resolve(values["data-dir"]),
    json: values.json,
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) return 0;
  let event: unknown = options.workspace
    ? {
        repository: { path: options.workspace },
        validationCommand: options.command,
        requestedBy: "local:cli",
      }
    : JSON.parse(await readFile(options.event ?? join(ROOT, "samples/events/repair-requested.json"), "utf8"));
  if (options.maxIterations !== undefined) event = withMaxIterations(event, options.maxIterations);
  event = await localizeSources(event, options.workspace ? process.cwd() : ROOT, options.dataDir);

  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  const stack = await startLocalStack({
    dataDir: options.dataDir,
    ...(options.replay ? { agentReplay: options.replay } : {}),
    approvals: {
      mode: options.approve,
      onRequested: (notice) => {
        say(`  ⏸ approval requested for: ${notice.command}`);
        say(`    classes: ${notice.classes.join(", ")}`);
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
  }
  const summary = await stack.summarize(result);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
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
  }
  return result.status === "SUCCEEDED" ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
