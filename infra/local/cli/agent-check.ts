import { parseArgs } from "node:util";
import { checkAgentConformance } from "../agent-conformance.ts";

const HELP = `Usage: npm run agent:check -- --url <http://host:port> [options]

Checks a running agent against the agent contract (samples/agent/contract.schema.json): GET /ping, refusals of bad
bodies, and one invocation answered as JSON and as an event stream (a reply or a named error both conform).

Options:
  --url <url>              the agent's base URL (required), e.g. http://127.0.0.1:8080
  --workspace-path <path>  the repository path as the agent sees it (default: a small failing project in a new
                           temporary directory here, right for an agent running on this machine)
  --timeout <seconds>      per request (default 120)
  --json                   one JSON array of {name, ok, detail} instead of lines
  -h, --help               this text

Exits 0 when every check passes, 1 when one fails, 2 for bad options.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      "workspace-path": { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.url) throw new Error("--url is required: the agent's base URL, e.g. http://127.0.0.1:8080");
  const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600) {
    throw new Error(`--timeout must be an integer from 1 to 3600 seconds, got "${values.timeout}"`);
  }
  const results = await checkAgentConformance({
    url: values.url,
    timeoutSeconds: timeout,
    ...(values["workspace-path"] ? { workspacePath: values["workspace-path"] } : {}),
  });
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else {
    for (const result of results)
      process.stdout.write(`${result.ok ? "✓" : "✗"} ${result.name}: ${result.detail}\n`);
    const failed = results.filter((r) => !r.ok).length;
    process.stdout.write(
      failed === 0
        ? `The agent at ${values.url} conforms to the contract (${results.length} checks).\n`
        : `The agent at ${values.url} does not conform: ${failed} of ${results.length} checks failed.\n`,
    );
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`agent:check: ${error instanceof Error ? error.message : String(error)}.\n`);
    process.exit(2);
  },
);
