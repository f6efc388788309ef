// `npm run agent:check`: the agent contract (samples/agent/contract.schema.json) against a running agent. The
// sample agent passes; an agent that breaks the contract is told which check and which field.
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAgentConformance } from "../../infra/local/agent-conformance.ts";
import { REPO_ROOT, type RunningAgent, startAgent } from "../unit/sample-agent-harness.ts";

const run = promisify(execFile);

describe("agent:check", () => {
  let agent: RunningAgent;
  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(async () => {
    await agent.stop();
  });

  it("passes the sample agent, through the npm script's command", async () => {
    // Act: what `npm run agent:check -- --url …` runs
    const { stdout } = await run(
      join(REPO_ROOT, "node_modules/.bin/tsx"),
      [join(REPO_ROOT, "infra/local/cli/agent-check.ts"), "--url", agent.baseUrl],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );

    // Assess: every check passed; the scratch project was repaired from its recording, with progress events
    expect(stdout).toContain("✓ GET /ping: GET /ping answers");
    expect(stdout).toContain(
      "✓ refuses a body that is not JSON: refused with HTTP 400 InvalidInvocationError.",
    );
    expect(stdout).toContain(
      '✓ POST /invocations (JSON): replied: [model: replay of recorded session "agent-check", iteration 1',
    );
    expect(stdout).toMatch(
      /✓ POST \/invocations \(event stream\): [1-9]\d* progress event\(s\), then replied: \[model: replay/,
    );
    expect(stdout).toContain(`The agent at ${agent.baseUrl} conforms to the contract (5 checks).`);
  });

  it("names the check and the field an agent gets wrong, and exits 1", async () => {
    // Prepare: an agent that accepts anything and replies without a summary
    const broken = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        if (request.url === "/ping") {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ status: "Fine" }));
          return;
        }
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ changedFiles: "src/a.js" }));
      });
    });
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    try {
      // Act
      const results = await checkAgentConformance({ url, timeoutSeconds: 10 });
      const cli = await run(
        join(REPO_ROOT, "node_modules/.bin/tsx"),
        [join(REPO_ROOT, "infra/local/cli/agent-check.ts"), "--url", url],
        { cwd: REPO_ROOT, timeout: 60_000 },
      ).catch((error: { code: number; stdout: string }) => error);

      // Assess
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      expect(byName["GET /ping"]).toMatchObject({
        ok: false,
        detail: expect.stringContaining("/status must be equal to one of the allowed values"),
      });
      expect(byName["refuses a body that is not JSON"]).toMatchObject({
        ok: false,
        detail: expect.stringContaining("answered HTTP 200; a bad body must get a 4xx"),
      });
      expect(byName["POST /invocations (JSON)"]).toMatchObject({
        ok: false,
        detail: expect.stringContaining("must have required property 'summary'"),
      });
      expect(byName["POST /invocations (JSON)"]?.detail).toContain("/changedFiles must be array");
      expect("code" in cli ? cli.code : 0).toBe(1);
      expect(cli.stdout).toContain(`The agent at ${url} does not conform: 5 of 5 checks failed.`);
    } finally {
      broken.closeAllConnections();
      await new Promise((resolve) => broken.close(resolve));
    }
  });

  it("says in a sentence that a URL is unusable", async () => {
    await expect(checkAgentConformance({ url: "not a url" })).rejects.toThrow(
      '--url must be an http:// or https:// URL, got "not a url"',
    );
    // A port nothing listens on: bound, then closed.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await checkAgentConformance({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 5 });
    expect(unreachable).toEqual([
      {
        name: "GET /ping",
        ok: false,
        detail: `GET /ping could not be reached at http://127.0.0.1:${port}/ping: connect ECONNREFUSED 127.0.0.1:${port}.`,
      },
    ]);
  });
});
