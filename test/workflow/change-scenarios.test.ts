import { execFileSync } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishGitSource } from "../../infra/local/git-source.ts";
import { ROOT } from "../../infra/local/local-stack.ts";
import type { ExecutionResult } from "../../infra/local/runner/runner.ts";
import {
  count,
  reportOf,
  sessionOf,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
} from "./workflow-harness.ts";

/**
 * What leaves the session: the change measured by git, held for approval when it touches what validation runs,
 * exported as a patch, scanned, approved as a diff and delivered from outside (the real ASL, handlers, emulator
 * and sample agent; the local source repository is the real git remote a branch is pushed to).
 */

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  }).trim();
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

// Each scenario is one or two whole repairs (agent turns, npm test in the session): minutes on a loaded machine.
describe("the change leaves the session as a reviewed patch", { timeout: 180_000 }, () => {
  let harness: WorkflowHarness;
  let copies: string;
  let copyCount = 0;
  /** The approved scenario's request and its execution: the planted-hook scenario resumes that session. */
  let approved: { input: unknown; result: ExecutionResult } | undefined;

  /**
   * A fresh copy of node-calculator (a new source path: a new request and session) under `name`: the sample agent
   * replays the recording of that name.
   */
  async function calculatorAs(name: string, validationCommand = "npm test") {
    copyCount += 1;
    const directory = join(copies, String(copyCount), name);
    await cp(join(ROOT, "samples/workspaces/node-calculator"), directory, { recursive: true });
    const path = await publishGitSource(directory, harness.dataDir);
    return { path, input: { repository: { path }, validationCommand, requestedBy: "workflow-test" } };
  }

  function storageOf(result: ExecutionResult): string {
    const session = harness.stack.emulator.sessions.list().find((s) => s.sessionId === sessionOf(result));
    if (!session) throw new Error("no session");
    return session.storage.dir;
  }

  const branches = (repository: string) =>
    git(repository, "for-each-ref", "--format=%(refname:short)", "refs/heads/agentcore-repair/");

  beforeAll(async () => {
    harness = await startWorkflowHarness();
    copies = await mkdtemp(join(tmpdir(), "change-copies-"));
  });
  afterAll(async () => {
    await harness.close();
    await rm(copies, { recursive: true, force: true });
  });

  it("approved: exports the patch, and the branch in the source repository is the prepared revision plus exactly that patch", async () => {
    // Prepare
    harness.stack.setApprovals({ mode: "auto" });
    const { path, input } = await calculatorAs("node-calculator");

    // Act
    const result = await harness.stack.run(input);
    approved = { input, result };

    // Assess: the path taken
    const states = statesEntered(result);
    expect(result.status).toBe("SUCCEEDED");
    expect(count(states, "Measure the change")).toBe(1);
    expect(count(states, "Wait for approval of the surface change")).toBe(0);
    const exportAt = states.indexOf("Export the change");
    expect(states.slice(exportAt)).toEqual([
      "Export the change",
      "Is there a change to deliver?",
      "Wait for approval of the change",
      "Deliver the change",
      "Finalize the repair",
      "Release the repository lock",
      "Was the repository repaired?",
      "Repository repaired",
    ]);
    // ...state holds the key, hash and stats, not the patch
    const output = result.output as {
      workspace: { revision: string };
      export: { patchKey: string; patchSha256: string; stats: { files: number } };
      delivery: { mode: string; branch: string; commit: string };
    };
    expect(output.export.stats.files).toBe(1);
    expect(JSON.stringify(output.export).length).toBeLessThan(2048);
    const patch = await readFile(join(harness.dataDir, "artifacts", output.export.patchKey));
    expect(patch.toString("utf8")).toContain("diff --git a/src/calculator.js b/src/calculator.js");
    // ...and the branch: prepared revision + exactly that patch
    expect(output.delivery.mode).toBe("branch");
    expect(branches(path)).toBe(output.delivery.branch);
    const check = join(copies, "check");
    git(copies, "clone", "--quiet", "--no-checkout", path, check);
    git(check, "-c", "advice.detachedHead=false", "checkout", "--quiet", output.workspace.revision);
    await writeFile(join(copies, "change.patch"), patch);
    git(check, "apply", "--index", join(copies, "change.patch"));
    expect(git(check, "write-tree")).toBe(git(path, "rev-parse", `${output.delivery.branch}^{tree}`));
    expect(git(path, "rev-parse", `${output.delivery.branch}^`)).toBe(output.workspace.revision);
    // ...and the report says where it went, with the diff, from git's measurement
    const report = await reportOf(harness, result);
    expect(report.delivery).toMatchObject({ status: "delivered", branch: output.delivery.branch });
    expect((report.changes as { files: { path: string }[] }).files.map((f) => f.path)).toEqual([
      "src/calculator.js",
    ]);
    const markdown = await readFile(
      join(harness.dataDir, "artifacts/runs", result.executionName, "report.md"),
      "utf8",
    );
    expect(markdown).toContain("```diff");
    expect(markdown).toContain(output.delivery.branch);
  });

  it("runs nothing planted in the workspace's .git when the system's git runs (resume, measure, export)", async () => {
    // Prepare: the repaired session above, with a hook and an fsmonitor planted in its storage (markers inside it)
    harness.stack.setApprovals({ mode: "auto" });
    if (!approved) throw new Error("the approved scenario must run first (it prepares this session)");
    const { input } = approved;
    const storage = storageOf(approved.result);
    const repository = join(storage, "node-calculator");
    // The system's clone uses no template, so there is no hooks directory until something makes one.
    await mkdir(join(repository, ".git/hooks"), { recursive: true });
    for (const hook of ["post-checkout", "reference-transaction", "pre-auto-gc", "post-index-change"]) {
      const file = join(repository, ".git/hooks", hook);
      await writeFile(file, `#!/bin/sh\ntouch /mnt/workspace/planted-${hook}-ran\n`);
      await chmod(file, 0o755);
    }
    git(repository, "config", "core.fsmonitor", "touch /mnt/workspace/planted-fsmonitor-ran; echo");
    git(repository, "config", "core.hooksPath", ".git/hooks");

    // Act: the same request resumes that workspace
    const result = await harness.stack.run(input);

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    expect((result.output as { workspace: { resumed: boolean } }).workspace.resumed).toBe(true);
    expect(statesEntered(result)).toContain("Export the change");
    for (const marker of [
      "post-checkout",
      "reference-transaction",
      "pre-auto-gc",
      "post-index-change",
      "fsmonitor",
    ]) {
      expect(await exists(join(storage, `planted-${marker}-ran`)), marker).toBe(false);
    }
    // Resume rewrote the config the agent could have planted
    expect(git(repository, "config", "--get", "core.fsmonitor")).toBe("false");
  });

  it("denied: nothing is delivered, no branch is made, and the report says so", async () => {
    harness.stack.setApprovals({ mode: "deny" });
    const { path, input } = await calculatorAs("node-calculator");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(states).toContain("Wait for approval of the change");
    expect(states).not.toContain("Deliver the change");
    expect(branches(path)).toBe("");
    const report = await reportOf(harness, result);
    expect(report.delivery).toMatchObject({ status: "denied" });
    expect(JSON.stringify(report.patch)).toContain("sha256");
  });

  it("blocks a patch holding an AWS access key: named end state, nothing stored or delivered, no key in the report", async () => {
    harness.stack.setApprovals({ mode: "auto" });
    const { path, input } = await calculatorAs("node-calculator-secret");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("SecretInChangeError");
    expect(states.slice(-5)).toEqual([
      "Finalize the repair",
      "Release the repository lock",
      "Was the repository repaired?",
      "Which error ended the repair?",
      "Change holds a secret",
    ]);
    expect(states).not.toContain("Wait for approval of the change");
    expect(
      await exists(join(harness.dataDir, "artifacts/runs", result.executionName, "changes/change.patch")),
    ).toBe(false);
    expect(branches(path)).toBe("");
    const reportText = await readFile(
      join(harness.dataDir, "artifacts/runs", result.executionName, "report.json"),
      "utf8",
    );
    expect(reportText).toContain("aws-access-key-id in src/config.js");
    expect(reportText).not.toContain(["AKIA", "IOSFODNN7EXAMPLE"].join(""));
    expect(JSON.parse(reportText).delivery).toMatchObject({ status: "blocked" });
  });

  it("holds validation when the agent rewrites the test script; denied, the script is put back and never runs", async () => {
    harness.stack.setApprovals({ mode: "deny" });
    const { input } = await calculatorAs("node-calculator-surface");
    const original = await readFile(join(ROOT, "samples/workspaces/node-calculator/package.json"), "utf8");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(
      result.error ? `${result.error}: ${result.cause} after ${states.join(" > ")}` : result.status,
    ).toBe("SUCCEEDED");
    // Iteration 1 rewrote the script: validation waited, the person denied, the script was reverted
    const held = states.indexOf("Wait for approval of the surface change");
    expect(held).toBeGreaterThan(states.indexOf("Measure the change"));
    expect(states[held + 1]).toBe("Revert the surface change");
    expect(states[held + 2]).toBe("Run validation");
    expect(count(states, "Invoke the agent")).toBe(2);
    // The rewritten script never ran, and package.json is as prepared
    const storage = storageOf(result);
    expect(await exists(join(storage, "node-calculator-surface/.rewritten-test-script-ran"))).toBe(false);
    expect(await readFile(join(storage, "node-calculator-surface/package.json"), "utf8")).toBe(original);
    const report = await reportOf(harness, result);
    const changes = report.changes as { reverted: { paths: string[] }[]; files: { path: string }[] };
    expect(changes.reverted[0]?.paths).toEqual(["package.json"]);
    expect(changes.files.map((f) => f.path)).toEqual(["src/calculator.js"]);
  });

  it("with approval, the surface change is exported for the person and validation runs it", async () => {
    harness.stack.setApprovals({ mode: "auto" });
    const { input } = await calculatorAs("node-calculator-surface");

    const result = await harness.stack.run(input);

    const states = statesEntered(result);
    expect(states).toContain("Wait for approval of the surface change");
    expect(states).not.toContain("Revert the surface change");
    // Approved, the rewritten script ran (its marker exists) and "passed": one iteration
    const storage = storageOf(result);
    expect(await exists(join(storage, "node-calculator-surface/.rewritten-test-script-ran"))).toBe(true);
    expect(count(states, "Invoke the agent")).toBe(1);
    const report = await reportOf(harness, result);
    const flags = (report.changes as { flags: { path: string; reason: string }[] }).flags;
    expect(flags).toContainEqual({ path: "package.json", reason: "execution surface: package.json scripts" });
  });
});
