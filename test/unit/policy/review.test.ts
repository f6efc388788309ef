import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationFailedError } from "#lib/errors.ts";
import { CLASS_ORDER } from "#lib/policy/findings.ts";
import {
  type CommandPolicy,
  createCommandPolicy,
  MAX_COMMAND_BYTES,
  reviewCommand,
} from "#lib/policy/review.ts";

const WORKSPACE = "/mnt/workspace/repo";

/** `bash -c '<text>'` with the text quoted for the shell, nested `levels` times. */
function nestInBashC(text: string, levels: number): string {
  let out = text;
  for (let i = 0; i < levels; i += 1) out = `bash -c '${out.replace(/'/g, `'\\''`)}'`;
  return out;
}

describe("reviewing a command", () => {
  let policy: CommandPolicy;

  beforeAll(async () => {
    policy = await createCommandPolicy({ workspace: WORKSPACE });
  });

  it("names each simple command and its class, blocking reasons first", () => {
    // Act
    const review = policy.review("git status && git push origin main");
    // Assess
    expect(review.decision).toBe("approve");
    expect(review.classes).toEqual(["read-only", "vcs-remote"]);
    expect(review.reasons[0]).toMatch(/^git push origin main: vcs-remote \(/);
    expect(review.reasons).toContainEqual(expect.stringMatching(/^git status: read-only \(/));
  });

  it("hashes the exact command text with SHA-256", () => {
    // Prepare
    const command = "echo 'héllo'  \n";
    // Act
    const review = policy.review(command);
    // Assess
    expect(review.command).toBe(command);
    expect(review.commandHash).toBe(createHash("sha256").update(command, "utf8").digest("hex"));
  });

  it("reports classes once each, in the contract's order", () => {
    // Act
    const review = policy.review("rm -rf / ; git push ; ls ; git push --tags ; cat ~/.ssh/id_rsa");
    // Assess
    const indexes = review.classes.map((c) => CLASS_ORDER.indexOf(c));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(review.classes).size).toBe(review.classes.length);
    // `rm` itself removes files (workspace-write); where it removes them (/) is what makes it destructive.
    expect(review.classes).toEqual([
      "read-only",
      "workspace-write",
      "vcs-remote",
      "credentials",
      "destructive",
    ]);
  });

  it("sends text the shell cannot parse to a person", () => {
    // Act
    const review = policy.review("npm test && (echo 'unclosed");
    // Assess
    expect(review.decision).toBe("approve");
    expect(review.classes).toContain("unknown");
    expect(review.reasons.join("\n")).toMatch(/cannot parse|incomplete/);
  });

  it("follows nested shell text down to the depth limit and no further", () => {
    // Prepare
    const shallow = nestInBashC("npm test", 3);
    // Each eval parses the rest of the line once more: twelve levels, with no quoting to grow.
    const deep = `${"eval ".repeat(12)}npm test`;
    // Act
    const shallowReview = policy.review(shallow);
    const deepReview = policy.review(deep);
    // Assess
    expect(shallowReview.decision).toBe("allow");
    expect(shallowReview.reasons.join("\n")).toMatch(
      /npm test.*run by bash -c; run by bash -c; run by bash -c/,
    );
    expect(deepReview.decision).toBe("approve");
    expect(deepReview.reasons.join("\n")).toMatch(/nested deeper than 8 levels/);
  });

  it("refuses to parse commands over the size limit", () => {
    // Prepare
    const command = `echo ${"a".repeat(MAX_COMMAND_BYTES)}`;
    // Act
    const review = policy.review(command);
    // Assess
    expect(review.decision).toBe("approve");
    expect(review.reasons[0]).toContain(`the limit is ${MAX_COMMAND_BYTES}`);
  });

  it("keeps nothing from one review to the next", () => {
    // Prepare
    policy.review("alias ls='git push'; f() { git push; }");
    // Act
    const review = policy.review("ls; f");
    // Assess
    expect(review.classes).toEqual(["read-only", "unknown"]);
    expect(review.reasons.join("\n")).toMatch(/^f: unknown/m);
  });

  it("judges a function where it is called, in the caller's directory", () => {
    // Act
    const inWorkspace = policy.review("clean() { rm -rf dist; }; clean");
    const atRoot = policy.review("clean() { rm -rf dist; }; cd / && clean");
    const neverCalled = policy.review("clean() { git push; }");
    // Assess
    expect(inWorkspace.decision).toBe("allow");
    expect(atRoot.decision).toBe("approve");
    expect(atRoot.reasons[0]).toMatch(/removes \/dist, outside the workspace; run by function clean/);
    expect(neverCalled.decision).toBe("allow");
  });

  it("does not let a cd in a subshell, pipeline or substitution move later commands", () => {
    // Act
    const subshell = policy.review("(cd /) && rm -rf dist");
    const pipeline = policy.review("cd / | cat; rm -rf dist");
    const substitution = policy.review("echo $(cd /); rm -rf dist");
    // Assess
    expect([subshell.decision, pipeline.decision, substitution.decision]).toEqual([
      "allow",
      "allow",
      "allow",
    ]);
  });

  it("treats a directory that depends on which branch ran as unknown", () => {
    // Act
    const review = policy.review("cd build || cd /; rm -rf *");
    // Assess
    expect(review.decision).toBe("approve");
    expect(review.reasons[0]).toMatch(
      /^rm -rf \*: unknown \(removes \* relative to a directory the policy could not follow/,
    );
  });

  it("judges relative paths against the workspace it is given", async () => {
    // Prepare
    const elsewhere = await createCommandPolicy({ workspace: "/srv/app/" });
    // Act
    const inside = elsewhere.review("rm -rf /srv/app/dist && rm -rf dist");
    const defaultWorkspace = elsewhere.review("rm -rf /mnt/workspace/repo/dist");
    const climbing = elsewhere.review("rm -rf ../other");
    // Assess
    expect(elsewhere.workspace).toBe("/srv/app");
    expect(inside.decision).toBe("allow");
    expect(defaultWorkspace.decision).toBe("approve");
    expect(climbing.reasons[0]).toContain("removes /srv/other, outside the workspace");
  });

  it("offers a one-off review with the same result", async () => {
    // Act
    const review = await reviewCommand("git push", { workspace: WORKSPACE });
    // Assess
    expect(review).toEqual(policy.review("git push"));
  });

  it.each([
    [{ workspace: "repo" }, "workspace: must be an absolute path, got repo"],
    [{ workspace: "/" }, "workspace: must be a directory below /, got /"],
    [{ workspace: WORKSPACE, maxDepth: 0 }, "maxDepth: must be an integer from 1 to 16, got 0"],
    [{ workspace: WORKSPACE, maxDepth: 40 }, "maxDepth: must be an integer from 1 to 16, got 40"],
  ])("rejects options %j with a message naming the field", async (options, message) => {
    // Act
    const creating = createCommandPolicy(options);
    // Assess
    await expect(creating).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(creating).rejects.toThrow(message);
  });
});
