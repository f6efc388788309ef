#!/usr/bin/env node
// @ts-check
/**
 * The sample repair agent: an AgentCore Runtime container serving `GET /ping` and `POST /invocations` on
 * $HOST:$PORT (loopback and 8080 by default; the container image sets HOST=0.0.0.0). See README.md. It imports nothing from the workflow's code: it is a separate
 * deployable that talks to the world over HTTP only.
 */
import { readAgentConfig } from "./lib/config.mjs";
import { createAgentApp } from "./lib/http-app.mjs";
import { log } from "./lib/log.mjs";

let config;
try {
  config = readAgentConfig(process.env);
} catch (error) {
  log("error", "invalid configuration", { message: error instanceof Error ? error.message : String(error) });
  process.exit(2);
}

const { server } = createAgentApp(config);
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  // The model mode is stated up front: a replay must never be mistaken for a live model.
  log("info", "sample agent listening", {
    host: config.host,
    port,
    model: config.modelMode,
    ...(config.modelMode === "replay"
      ? { replayDir: config.replayDir, replay: config.replayName ?? "(the invocation's repoName)" }
      : { modelId: config.modelId, ...(config.modelUrl ? { modelUrl: config.modelUrl } : {}) }),
  });
});

const shutdown = (/** @type {string} */ signal) => {
  log("info", "shutting down", { signal });
  server.close(() => process.exit(0));
  // Open SSE streams would keep close() waiting; the runtime gives a stopping session little time anyway.
  server.closeAllConnections();
};
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
