// The sample agent's tools stay inside the workspace: recorded sessions that try to escape (../, absolute paths,
// symlinks, .git) are refused by the tools, the replay stops with an error, and nothing outside is touched.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  invocationFor,
  invokeAgent,
  parseReply,
  type RunningAgent,
  startAgent,
} from "./sample-agent-harness.ts";

interface RecordedCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly expect?: Record<string, unknown>;
}

/** A one-iteration recording: one turn with the given tool calls, then a final text. */
function recording(name: string, calls: readonly RecordedCall[]) {
  return {
    replay: name,
    description: `test recording: ${name}`,
    iterations: [{ iteration: 1, turns: [{ text: "trying", toolUses: calls }, { text: `done: ${name}` }] }],
  };
}

const CASES: Record<string, readonly RecordedCall[]> = {
  "escape-dotdot": [{ name: "write_file", input: { path: "../escaped.txt", content: "x" } }],
  "escape-absolute": [{ name: "read_file", input: { path: "OUTSIDE/secret.txt" } }],
  "escape-symlinked-directory": [
    { name: "write_file", input: { path: "linked-dir/planted.txt", content: "x" } },
  ],
  "escape-symlinked-file-read": [{ name: "read_file", input: { path: "linked-secret" } }],
  "escape-symlinked-file-write": [
    { name: "write_file", input: { path: "linked-secret", content: "overwritten" } },
  ],
  "git-internals": [
    { name: "write_file", input: { path: ".git/hooks/pre-push", content: "#!/bin/sh\necho hi\n" } },
  ],
  "refusal-recorded": [
    { name: "write_file", input: { path: "../escaped.txt", content: "x" }, expect: { error: true } },
  ],
  "listing-inside": [
    {
      name: "list_files",
      input: { path: "." },
      expect: { includes: ["linked-dir (symlink)", "src/app.js"] },
    },
  ],
};

describe("sample agent, workspace confinement", () => {
  let agent: RunningAgent;
  let base: string;
  let workspace: string;
  let outside: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "sample-agent-confinement-"));
    workspace = path.join(base, "workspace", "repo");
    outside = path.join(base, "outside");
    const replays = path.join(base, "replays");
    await mkdir(path.join(workspace, "src"), { recursive: true });
    await mkdir(path.join(workspace, ".git", "hooks"), { recursive: true });
    await mkdir(outside, { recursive: true });
    await mkdir(replays);
    await writeFile(path.join(workspace, "src", "app.js"), "export const app = 1;\n");
    await writeFile(path.join(outside, "secret.txt"), "outside secret\n");
    await symlink(outside, path.join(workspace, "linked-dir"));
    await symlink(path.join(outside, "secret.txt"), path.join(workspace, "linked-secret"));
    for (const [name, calls] of Object.entries(CASES)) {
      const resolved = calls.map((call) =>
        typeof call.input.path === "string" && call.input.path.startsWith("OUTSIDE/")
          ? {
              ...call,
              input: { ...call.input, path: path.join(outside, call.input.path.slice("OUTSIDE/".length)) },
            }
          : call,
      );
      await writeFile(path.join(replays, `${name}.json`), JSON.stringify(recording(name, resolved)));
    }
    agent = await startAgent({ AGENT_REPLAY_DIR: replays });
  });
  afterAll(async () => {
    await agent.stop();
    await rm(base, { recursive: true, force: true });
  });

  async function replay(name: string) {
    const reply = await invokeAgent(agent, invocationFor(workspace, name, 1));
    return { status: reply.status, body: JSON.parse(reply.text) as Record<string, unknown> };
  }

  it("refuses a write to ../ and creates nothing outside", async () => {
    // Act
    const { status, body } = await replay("escape-dotdot");

    // Assess
    expect(status).toBe(500);
    expect(body.error).toBe("ReplayDivergedError");
    expect(body.message).toContain('path "../escaped.txt" resolves outside the workspace');
    await expect(stat(path.join(base, "workspace", "escaped.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses to read an absolute path outside the workspace", async () => {
    // Act
    const { status, body } = await replay("escape-absolute");

    // Assess
    expect(status).toBe(500);
    expect(body.message).toContain("resolves outside the workspace");
  });

  it("refuses a write through a symlinked directory that leads outside", async () => {
    // Act
    const { status, body } = await replay("escape-symlinked-directory");

    // Assess
    expect(status).toBe(500);
    expect(body.message).toContain("goes through a symlink that leads outside the workspace");
    await expect(stat(path.join(outside, "planted.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses to read a symlinked file that leads outside", async () => {
    // Act
    const { status, body } = await replay("escape-symlinked-file-read");

    // Assess
    expect(status).toBe(500);
    expect(body.message).toContain('"linked-secret" is a symlink that leads outside the workspace');
    expect(body.message).not.toContain("outside secret");
  });

  it("refuses to write through a symlinked file and leaves its target unchanged", async () => {
    // Act
    const { status, body } = await replay("escape-symlinked-file-write");

    // Assess
    expect(status).toBe(500);
    expect(body.message).toContain("never writes through symlinks");
    expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("outside secret\n");
  });

  it("refuses to write git internals such as hooks", async () => {
    // Act
    const { status, body } = await replay("git-internals");

    // Assess
    expect(status).toBe(500);
    expect(body.message).toContain("inside .git");
    await expect(stat(path.join(workspace, ".git", "hooks", "pre-push"))).rejects.toThrow(/ENOENT/);
  });

  it("replays a recording that itself saw the refusal, and reports no change", async () => {
    // Act
    const { status, body } = await replay("refusal-recorded");

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ changedFiles: [], proposedCommands: [] });
    await expect(stat(path.join(base, "workspace", "escaped.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("lists a symlink as such without following it", async () => {
    // Act
    const reply = await invokeAgent(agent, invocationFor(workspace, "listing-inside", 1));

    // Assess
    expect(reply.status).toBe(200);
    expect(parseReply(reply).summary).toContain("done: listing-inside");
  });
});
