import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandOutcome, CommandReview, RepairRequest } from "#lib/contracts.ts";
import { readLedger } from "#lib/ledger.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import { createCommandPolicy } from "#lib/policy/review.ts";
import type { RunCommandRequest } from "#lib/run-command-invoker.ts";
import {
  type CommandAudit,
  interpretApproval,
  type ReviewInput,
  reviewCommands,
} from "../../functions/review-commands/review-commands.ts";

const request = {
  requestId: "a".repeat(64),
  sessionId: `repair-${"a".repeat(64)}`,
  runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234",
  source: { kind: "git", url: "https://example.com/org/app.git" },
  repoName: "app",
  workspacePath: "/mnt/workspace/app",
  validationCommand: "npm test",
  limits: { maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 },
  trigger: "console",
  acceptedAt: "2026-11-25T10:00:00.000Z",
  deadline: "2026-11-25T11:00:00.000Z",
  lockExpiresAt: "1795608000",
  lockKey: "b".repeat(64),
  acceptedAtEpoch: "1795600800",
} satisfies RepairRequest;

function outcome(command: string, exitCode: number): CommandOutcome {
  const digest = { head: "", tail: "", bytes: 0, lines: 0, truncated: false };
  return {
    commandHash: "0".repeat(64),
    command,
    purpose: "proposed",
    status: "COMPLETED",
    exitCode,
    durationMs: 12,
    stdout: digest,
    stderr: digest,
    artifactUri: "file:///tmp/x",
    pending: null,
  } as unknown as CommandOutcome;
}

describe("review-commands", () => {
  let dir: string;
  let store: LocalArtifactStore;
  const ran: RunCommandRequest[] = [];
  const audit: Parameters<CommandAudit["append"]>[0][] = [];
  const deps = () => ({
    policy: (workspace: string) => createCommandPolicy({ workspace }),
    runCommand: async (input: RunCommandRequest) => {
      ran.push(input);
      return outcome(input.command, input.command.includes("fail") ? 1 : 0);
    },
    audit: { append: async (row: (typeof audit)[number]) => void audit.push(row) },
    store,
    maxCommandSeconds: 840,
    now: () => new Date("2026-11-25T10:05:00.000Z"),
  });
  const input = (overrides: Partial<ReviewInput> & { commands: string[]; iteration?: number }): ReviewInput =>
    ({
      request,
      agent: {
        iteration: overrides.iteration ?? 1,
        summary: "",
        changedFiles: [],
        proposedCommands: overrides.commands.map((command) => ({ command })),
      },
      review: overrides.review ?? { iteration: 0, nextIndex: 0, records: [], awaitingApproval: null },
      approval: overrides.approval ?? null,
      executionName: "exec-1",
    }) as ReviewInput;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "review-commands-"));
    store = new LocalArtifactStore(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs allowed commands in order through run-command and audits each", async () => {
    // Prepare
    ran.length = 0;
    audit.length = 0;

    // Act
    const result = await reviewCommands(deps(), input({ commands: ["npm test", "git diff --stat"] }));

    // Assess
    expect(ran.map((r) => [r.command, r.purpose, r.timeoutSeconds])).toEqual([
      ["npm test", "proposed", 300],
      ["git diff --stat", "proposed", 300],
    ]);
    expect(result.awaitingApproval).toBeNull();
    expect(result.nextIndex).toBe(2);
    expect(result.records.map((r) => [r.command, r.decision, r.disposition, r.exitCode])).toEqual([
      ["npm test", "allow", "ran", 0],
      ["git diff --stat", "allow", "ran", 0],
    ]);
    expect(audit.map((a) => [a.outcome, a.actor])).toEqual([
      ["command-ran", "policy"],
      ["command-ran", "policy"],
    ]);
  });

  it("stops at the first command that needs a person and runs nothing after it", async () => {
    ran.length = 0;
    const result = await reviewCommands(
      deps(),
      input({ commands: ["git diff", "git push origin HEAD", "npm test"] }),
    );

    expect(ran.map((r) => r.command)).toEqual(["git diff"]);
    expect(result.nextIndex).toBe(1);
    expect(result.awaitingApproval).toMatchObject({ command: "git push origin HEAD", decision: "approve" });
    expect(result.awaitingApproval?.classes).toContain("vcs-remote");
  });

  it("holds a workspace script the agent changed, from the change record in state, and runs it while unchanged", async () => {
    // Prepare
    ran.length = 0;
    const changed = {
      ...input({ commands: ["./scripts/test.sh"] }),
      change: { files: [{ path: "scripts/test.sh" }] },
    } as ReviewInput;
    const unchanged = { ...input({ commands: ["./scripts/test.sh"] }), change: { files: [] } } as ReviewInput;
    // Act
    const withChange = await reviewCommands(deps(), changed);
    const withoutChange = await reviewCommands(deps(), unchanged);
    // Assess
    expect(withChange.awaitingApproval?.reasons.join("\n")).toMatch(
      /scripts\/test\.sh, which the agent changed since the prepared revision/,
    );
    expect(withoutChange.awaitingApproval).toBeNull();
    expect(ran.map((r) => r.command)).toEqual(["./scripts/test.sh"]);
  });

  async function held(): Promise<ReviewInput["review"]> {
    const result = await reviewCommands(deps(), input({ commands: ["git push origin HEAD", "npm test"] }));
    return result as unknown as ReviewInput["review"];
  }

  it("runs the held command once it is approved, then the rest", async () => {
    const review = await held();
    const heldCommand = review.awaitingApproval as CommandReview;
    ran.length = 0;
    audit.length = 0;

    const result = await reviewCommands(
      deps(),
      input({
        commands: ["git push origin HEAD", "npm test"],
        review,
        approval: {
          decision: "approved",
          approvalId: "f".repeat(32),
          commandHash: heldCommand.commandHash,
          decidedBy: "ana",
        },
      }),
    );

    expect(ran.map((r) => r.command)).toEqual(["git push origin HEAD", "npm test"]);
    expect(result.records.map((r) => r.disposition)).toEqual(["ran", "ran"]);
    expect(audit[0]).toMatchObject({
      outcome: "command-ran",
      actor: "ana",
      commandHash: heldCommand.commandHash,
    });
    const ledger = await readLedger(store, "exec-1");
    expect(JSON.stringify(ledger)).toContain('"decision":"approved"');
  });

  it("records a denied command, does not run it, and goes on", async () => {
    const review = await held();
    ran.length = 0;
    audit.length = 0;
    const result = await reviewCommands(
      deps(),
      input({
        commands: ["git push origin HEAD", "npm test"],
        review,
        approval: {
          Error: "ApprovalDeniedError",
          Cause: JSON.stringify({ reason: "not today", decidedBy: "ana" }),
        },
      }),
    );
    expect(ran.map((r) => r.command)).toEqual(["npm test"]);
    expect(result.records[0]).toMatchObject({ command: "git push origin HEAD", disposition: "denied" });
    expect(audit[0]).toMatchObject({ outcome: "command-refused", actor: "ana", reason: "not today" });
  });

  it("treats a wait that timed out as expired", async () => {
    const review = await held();
    ran.length = 0;
    const result = await reviewCommands(
      deps(),
      input({ commands: ["git push origin HEAD"], review, approval: { Error: "States.Timeout", Cause: "" } }),
    );
    expect(ran).toEqual([]);
    expect(result.records[0]?.disposition).toBe("expired");
  });

  it("never runs command text carried in state that differs from what the agent proposed", async () => {
    const review = await held();
    const tampered = {
      ...review,
      awaitingApproval: { ...review.awaitingApproval!, command: "git push --force origin HEAD" },
    };
    ran.length = 0;
    const result = await reviewCommands(
      deps(),
      input({
        commands: ["git push origin HEAD"],
        review: tampered,
        approval: { decision: "approved", commandHash: review.awaitingApproval?.commandHash },
      }),
    );
    expect(ran.map((r) => r.command)).toEqual(["git push origin HEAD"]);
    expect(result.records[0]?.disposition).toBe("ran");
  });

  it("refuses to run an approval when the proposal at that position changed", async () => {
    const review = await held();
    ran.length = 0;
    const result = await reviewCommands(
      deps(),
      input({
        commands: ["git push --force origin HEAD"],
        review,
        approval: { decision: "approved", commandHash: review.awaitingApproval?.commandHash },
      }),
    );
    expect(ran).toEqual([]);
    expect(result.records[0]?.disposition).toBe("denied");
  });

  it("refuses a decision made for another command", () => {
    const decision = interpretApproval(
      { decision: "approved", commandHash: "1".repeat(64) },
      {
        command: "git push",
        commandHash: "2".repeat(64),
        decision: "approve",
        classes: ["vcs-remote"],
        reasons: [],
      },
    );
    expect(decision.outcome).toBe("denied");
  });

  it("starts a fresh review for a new agent turn, ignoring a stale approval", async () => {
    const review = await held();
    ran.length = 0;
    const result = await reviewCommands(
      deps(),
      input({
        iteration: 2,
        commands: ["npm test"],
        review,
        approval: { decision: "approved", commandHash: review.awaitingApproval?.commandHash },
      }),
    );
    expect(ran.map((r) => r.command)).toEqual(["npm test"]);
    expect(result.records).toHaveLength(1);
    expect(result.iteration).toBe(2);
  });
});
