// `npm start` as a user runs it, on directories of theirs: its real entry point as a process, with the emulator,
// the runner and the sample agent. A workspace at an absolute path outside the project is repaired (replay of the
// recorded session for its name), a changed directory gets a fresh session and says so, and a repository no
// model can repair still validates, writes the report and ends with the sentence saying what to pass.
import { execFile } from "node:child_process";
import { access, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../infra/local/local-stack.ts";

interface StartRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function npmStart(args: readonly string[], cwd: string): Promise<StartRun> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // As a user's shell has it: the test setup's quiet log level would hide what npm start itself prints.
  delete env.POWERTOOLS_LOG_LEVEL;
  return new Promise((resolve) => {
    execFile(
      join(ROOT, "node_modules/.bin/tsx"),
      [join(ROOT, "infra/local/cli/start.ts"), ...args],
      { cwd, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("npm start --workspace", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cli-start-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("repairs a directory given by absolute path, then starts fresh when the directory changed", async () => {
    // Prepare: the user's project, not in git, outside the repository; the run starts elsewhere
    const project = join(root, "node-calculator");
    await cp(join(ROOT, "samples/workspaces/node-calculator"), project, { recursive: true });
    const dataDir = join(root, "data");
    const args = ["--workspace", project, "--data-dir", dataDir, "--approve", "deny"];

    // Act
    const first = await npmStart([...args, "--json"], root);
    await writeFile(join(project, "NOTES.md"), "a note the user added\n");
    const second = await npmStart(args, root);

    // Assess: repaired (exit 0) from the absolute path
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: "SUCCEEDED", outcome: "repaired", exitCode: 0, iterations: 1 });
    // Assess: the changed directory is a new revision with a fresh session, repaired again, and said so
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`workspace ${project}`);
    expect(second.stdout).toMatch(
      /changed since the last run \(was [0-9a-f]{12}\): a fresh session and workspace/,
    );
    expect(second.stdout).not.toContain("resumed");
    expect(second.stdout).toContain("✓ repaired");
    // The user's directory is untouched by the repair
    expect(await readFile(join(project, "src/calculator.js"), "utf8")).toContain("let i = 1;");
  }, 300_000);

  it("ends a run no model can repair with the sentence saying what to pass, and exit code 3", async () => {
    // Prepare: a project with no recording and no --model
    const project = join(root, "my-project");
    await cp(join(ROOT, "samples/workspaces/node-calculator"), project, { recursive: true });

    // Act
    const run = await npmStart(
      ["--workspace", "my-project", "--data-dir", join(root, "data"), "--approve", "deny"],
      root,
    );

    // Assess: validated, digest printed, report written, one sentence at the end, exit 3
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("▶ Run validation");
    expect(run.stdout).toMatch(/failed: \d+ failing test\(s\)/);
    expect(run.stdout).toContain("✗ total sums every amount");
    const report = /^report: (.+)$/m.exec(run.stdout)?.[1];
    expect(report).toBeDefined();
    await access(report!);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe(
      "No model could repair my-project: there is no recorded session for it and no live model was given; pass --model bedrock:<model id> (uses your AWS credentials) or --model openai:<model> --model-url <base URL> (e.g. Ollama at http://127.0.0.1:11434/v1).",
    );
    expect(run.stdout).not.toMatch(/errorType|"trace"|\n\s+at /);
    expect(run.stderr).toBe("");
  }, 200_000);

  it("refuses a directory that does not exist with a sentence and exit code 2", async () => {
    const run = await npmStart(["--workspace", "../no-such-dir", "--data-dir", join(root, "data")], root);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `npm start: --workspace ../no-such-dir: ${join(root, "..", "no-such-dir")} is not a directory.\n`,
    );
  });
});
