import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startEmulator } from "../emulator/index.ts";

/**
 * Interim `npm start` (until the local runner lands): starts the emulator in-process and runs one command through
 * the real SDK in a session, streaming its output, to show the local AgentCore Runtime working end to end.
 */
const RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agentcore_repair-LOCAL00001";
const SESSION_ID = "agentcore-repair-demo-session-0000000000001";

// The SDK warns once per process that Node 20 support ends in 2027 (README, "Requirements").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const emulator = await startEmulator({ port: 0, dataDir: ".agentcore" });
process.stdout.write(`AgentCore emulator listening on ${emulator.endpoint}\n`);
const client = new BedrockAgentCoreClient({
  region: "us-east-1",
  endpoint: emulator.endpoint,
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const command =
  'echo "session storage at $(pwd)"; date -u >> runs.log; echo "runs so far: $(wc -l < runs.log)"';
process.stdout.write(`$ ${command}\n`);
const response = await client.send(
  new InvokeAgentRuntimeCommandCommand({
    agentRuntimeArn: RUNTIME_ARN,
    runtimeSessionId: SESSION_ID,
    body: { command, timeout: 60 },
  }),
);
let exitCode = 1;
for await (const event of response.stream ?? []) {
  const chunk = event.chunk;
  if (chunk?.contentDelta?.stdout) process.stdout.write(chunk.contentDelta.stdout);
  if (chunk?.contentDelta?.stderr) process.stderr.write(chunk.contentDelta.stderr);
  if (chunk?.contentStop) {
    exitCode = chunk.contentStop.exitCode ?? 1;
    process.stdout.write(`exit ${exitCode} (${chunk.contentStop.status})\n`);
  }
}
client.destroy();
await emulator.stop();
process.exit(exitCode);
