import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import {
  type EmulatorConfig,
  jsonLinesLog,
  loadConfigFile,
  type RunningEmulator,
  startEmulator,
} from "../emulator/index.ts";

const HELP = `Usage: npm run emulator -- [options]

A local Amazon Bedrock AgentCore Runtime data plane (InvokeAgentRuntime, InvokeAgentRuntimeCommand,
StopRuntimeSession) that the unmodified AWS SDK talks to. Point a client at it with
  AWS_ENDPOINT_URL_BEDROCK_AGENTCORE=http://127.0.0.1:<port>   (or the client's \`endpoint\` option)

Options:
  --port <n>        TCP port on 127.0.0.1; 0 picks a free one          (default 8787)
  --host <addr>     address to listen on                              (default 127.0.0.1)
  --data-dir <dir>  session storage and metadata; survives restarts   (default .agentcore)
  --config <file>   JSON: runtimes, mount path, agent command, environment, lifecycle,
                    rate limits, strict mode, storage quota (see README "Emulator config")
  --region <r>      region for runtime ids given without an ARN       (default $AWS_REGION or us-east-1)
  --log <file|->    JSON-lines log of every call and command (never output) (default -: stderr)
  -h, --help        this text

Prints "AgentCore emulator listening on http://127.0.0.1:<port>" on stdout once ready.
Each session gets a private mount namespace (Linux; root or unprivileged user namespaces).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: ".agentcore" },
      config: { type: "string" },
      region: { type: "string" },
      log: { type: "string", default: "-" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`--port must be an integer 0-65535, got ${values.port}\n`);
    return 2;
  }
  const config: EmulatorConfig = values.config ? await loadConfigFile(values.config) : {};
  const logStream = values.log === "-" ? process.stderr : createWriteStream(values.log, { flags: "a" });
  const emulator: RunningEmulator = await startEmulator({
    port,
    host: values.host,
    dataDir: values["data-dir"],
    config,
    ...(values.region ? { region: values.region } : {}),
    log: jsonLinesLog((line) => logStream.write(line)),
  });
  process.stdout.write(`AgentCore emulator listening on ${emulator.endpoint}\n`);
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
  await emulator.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`agentcore emulator: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
