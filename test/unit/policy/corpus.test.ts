import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { CommandClass, PolicyDecision } from "#lib/contracts.ts";
import { type CommandPolicy, createCommandPolicy } from "#lib/policy/review.ts";

/**
 * The corpus: commands coding agents propose in real projects (builds, tests, linters, git, package managers,
 * cloud CLIs, containers, curl/wget) and obfuscated or compound forms of the dangerous ones, each with the decision
 * the policy must reach and the classes that must be among its findings.
 */
interface CorpusCase {
  readonly command: string;
  readonly decision: PolicyDecision;
  readonly classes?: readonly CommandClass[];
  readonly note?: string;
}

const corpus = JSON.parse(
  readFileSync(new URL("../../fixtures/policy-corpus.json", import.meta.url), "utf8"),
) as CorpusCase[];

/** Commands written to slip past a parser-based policy, by family of the issue: every one must need a person. */
const adversarial = JSON.parse(
  readFileSync(new URL("../../fixtures/policy-adversarial.json", import.meta.url), "utf8"),
) as Record<string, string[]>;

/** Ordinary repair commands (tests, linters, builds, git, grep, sed -i on workspace files): few may need a person. */
const ordinary = JSON.parse(
  readFileSync(new URL("../../fixtures/policy-ordinary.json", import.meta.url), "utf8"),
) as string[];

/** The target: false alarms on the ordinary set at most 5 %. */
const MAX_FALSE_ALARM_RATE = 0.05;

const ALLOWED: ReadonlySet<CommandClass> = new Set(["read-only", "workspace-write"]);

describe("policy corpus", () => {
  let policy: CommandPolicy;

  beforeAll(async () => {
    policy = await createCommandPolicy({ workspace: "/mnt/workspace/repo" });
  });

  it("holds at least 300 distinct commands with both decisions well represented", () => {
    // Prepare
    const distinct = new Set(corpus.map((c) => c.command));
    // Act
    const allows = corpus.filter((c) => c.decision === "allow").length;
    const approves = corpus.filter((c) => c.decision === "approve").length;
    // Assess
    expect(distinct.size).toBe(corpus.length);
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(allows).toBeGreaterThanOrEqual(100);
    expect(approves).toBeGreaterThanOrEqual(100);
  });

  it.each(corpus.map((c) => [c.command, c] as const))("%j", (_command, expected) => {
    // Act
    const review = policy.review(expected.command);
    // Assess
    expect(review.decision, review.reasons.join("\n")).toBe(expected.decision);
    for (const commandClass of expected.classes ?? []) {
      expect(review.classes, review.reasons.join("\n")).toContain(commandClass);
    }
    // An allow is only ever made of read-only and workspace-write findings, and every review explains itself.
    expect(review.decision === "allow").toBe(review.classes.every((c) => ALLOWED.has(c)));
    expect(review.reasons.length).toBeGreaterThan(0);
  });

  describe.each(Object.entries(adversarial))("adversarial: %s", (_family, commands) => {
    it.each(commands)("%j needs a person", (command) => {
      // Act
      const review = policy.review(command);
      // Assess
      expect(review.decision, review.reasons.join("\n")).toBe("approve");
    });
  });

  it("raises false alarms on at most 5 % of ordinary repair commands", () => {
    // Act
    const alarms = ordinary.filter((command) => policy.review(command).decision !== "allow");
    // Assess
    expect(new Set(ordinary).size).toBe(ordinary.length);
    expect(ordinary.length).toBeGreaterThanOrEqual(100);
    expect(alarms.length / ordinary.length, alarms.join("\n")).toBeLessThanOrEqual(MAX_FALSE_ALARM_RATE);
  });
});
