import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { CommandReview } from "#lib/contracts.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { type PolicyConfig, parsePolicyConfig } from "#lib/policy/policy-config.ts";
import { type CommandPolicy, createCommandPolicy } from "#lib/policy/review.ts";
import { toolSpecs } from "#lib/policy/rules/index.ts";
import { renderPolicyTable } from "#lib/policy/table.ts";
import { defaultWorkspace } from "#lib/policy/workspace-paths.ts";

const HELP = `Usage: npm run --silent policy -- classify [options]
       npm run --silent policy -- table      (every tool spec as Markdown, as in docs/policy-table.md)

Judges shell commands with the command policy, without running them. Reads one command per line on stdin
(blank lines are skipped) and prints one JSON object per line:
  {"command": "...", "decision": "allow" | "approve", "classes": [...], "reasons": [...]}

Options:
  --file <f>          read a JSON array of command strings instead of stdin
  --config <f>        a repository policy config (JSON: {"allow": [...], "approve": [...]})
  --workspace <dir>   the workspace root commands start in        (default /mnt/workspace/<repo>)
  --repo <name>       repository name for the default workspace   (default: this directory's name)
  --fail-on-approve   exit 1 when any command needs approval
  -h, --help          this text

Exit status: 0 when every command was judged (1 with --fail-on-approve and an "approve"), 2 on bad usage.`;

class UsageError extends Error {}

interface CliOptions {
  readonly file: string | undefined;
  readonly config: string | undefined;
  readonly workspace: string;
  readonly failOnApprove: boolean;
}

function parseCommandLine(argv: readonly string[]): CliOptions | "help" | "table" {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      file: { type: "string" },
      config: { type: "string" },
      workspace: { type: "string" },
      repo: { type: "string" },
      "fail-on-approve": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return "help";
  if (positionals.length === 1 && positionals[0] === "table") return "table";
  if (positionals.length !== 1 || positionals[0] !== "classify") {
    throw new UsageError(
      `expected the subcommand "classify" or "table", got ${positionals.length === 0 ? "none" : positionals.join(" ")}`,
    );
  }
  if (values.workspace !== undefined && values.repo !== undefined) {
    throw new UsageError("give --workspace or --repo, not both");
  }
  return {
    file: values.file,
    config: values.config,
    workspace: values.workspace ?? defaultWorkspace(values.repo ?? basename(process.cwd())),
    failOnApprove: values["fail-on-approve"],
  };
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`${what} ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function loadCommands(path: string): Promise<string[]> {
  const data = await readJson(path, "--file");
  if (!Array.isArray(data)) throw new UsageError(`--file ${path} must hold a JSON array of strings`);
  const bad = data.findIndex((item) => typeof item !== "string");
  if (bad >= 0) throw new UsageError(`--file ${path}: item ${bad} is not a string`);
  return data as string[];
}

async function loadConfig(path: string): Promise<PolicyConfig> {
  return parsePolicyConfig(await readJson(path, "--config"), path);
}

function line(review: CommandReview): string {
  const { command, decision, classes, reasons } = review;
  return `${JSON.stringify({ command, decision, classes, reasons })}\n`;
}

async function classify(policy: CommandPolicy, options: CliOptions): Promise<boolean> {
  let anyApprove = false;
  const emit = (command: string) => {
    const review = policy.review(command);
    if (review.decision === "approve") anyApprove = true;
    process.stdout.write(line(review));
  };
  if (options.file !== undefined) {
    for (const command of await loadCommands(options.file)) emit(command);
    return anyApprove;
  }
  // Line by line as input arrives, so the CLI also works interactively and on long streams.
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    if (text.trim() !== "") emit(text);
  }
  return anyApprove;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | "help" | "table";
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (options === "table") {
    process.stdout.write(renderPolicyTable(toolSpecs));
    return 0;
  }
  try {
    const config = options.config === undefined ? undefined : await loadConfig(options.config);
    const policy = await createCommandPolicy({ workspace: options.workspace, ...(config ? { config } : {}) });
    const anyApprove = await classify(policy, options);
    return options.failOnApprove && anyApprove ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ValidationFailedError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
