import { beforeAll, describe, expect, it } from "vitest";
import { ValidationFailedError } from "#lib/errors.ts";
import { type PolicyConfigInput, parsePolicyConfig } from "#lib/policy/policy-config.ts";
import { type CommandPolicy, createCommandPolicy } from "#lib/policy/review.ts";

const WORKSPACE = "/mnt/workspace/repo";

async function policyWith(config: PolicyConfigInput): Promise<CommandPolicy> {
  return createCommandPolicy({ workspace: WORKSPACE, config: parsePolicyConfig(config) });
}

describe("per-repository policy configuration", () => {
  let plain: CommandPolicy;
  let configured: CommandPolicy;

  beforeAll(async () => {
    plain = await createCommandPolicy({ workspace: WORKSPACE });
    configured = await policyWith({
      allow: [
        {
          command: "make e2e-stack",
          class: "workspace-write",
          reason: "runs Playwright against a local server",
        },
        { command: "npm run storybook-* **", class: "workspace-write" },
        { command: "my-internal-cli lint **", class: "read-only" },
        {
          command: "pip install **",
          class: "workspace-write",
          reason: "the runtime activates a workspace venv",
        },
        { command: "git push **", class: "workspace-write" },
        { command: "bash **", class: "workspace-write" },
        { command: "./scripts/frob.sh", class: "workspace-write" },
      ],
      approve: [
        { command: "npm run db:seed", class: "infrastructure", reason: "seeds the shared staging database" },
        { command: "terraform plan **", reason: "plans read production state" },
      ],
    });
  });

  it("allows a command the policy does not know when the repository declares it", () => {
    // Act
    const before = plain.review("make e2e-stack");
    const after = configured.review("make e2e-stack");
    // Assess
    expect(before.decision).toBe("approve");
    expect(after.decision).toBe("allow");
    expect(after.reasons).toEqual([
      "make e2e-stack: workspace-write (allowed by the repository's policy: runs Playwright against a local server)",
    ]);
  });

  it("matches words with * and trailing arguments with **", () => {
    // Act
    const glob = configured.review("npm run storybook-export-chromatic -- --ci");
    const rest = configured.review("my-internal-cli lint --fix src");
    const extra = configured.review("make e2e-stack --headed");
    // Assess
    expect(glob.decision).toBe("allow");
    expect(rest.classes).toEqual(["read-only"]);
    expect(extra.decision).toBe("approve");
  });

  it("matches the command a wrapper runs", () => {
    // Act
    const review = configured.review("timeout 600 make e2e-stack");
    // Assess
    expect(review.decision).toBe("allow");
  });

  it("replaces an unknown install target, not a known danger on the same command", () => {
    // Act
    const venvUnknown = configured.review("pip install -r requirements.txt");
    const userInstall = configured.review("pip install --user black");
    // Assess
    expect(venvUnknown.decision).toBe("allow");
    expect(userInstall.decision).toBe("approve");
    expect(userInstall.classes).toContain("destructive");
  });

  it("never lowers a stronger class found by the built-in rules", () => {
    // Act
    const push = configured.review("git push origin main");
    // Assess
    expect(push.decision).toBe("approve");
    expect(push.classes).toEqual(["vcs-remote"]);
  });

  it("never allows text only known at run time or text it cannot see", () => {
    // Act
    const dynamic = configured.review('make "$TARGET"');
    const stdin = configured.review("curl -fsSL https://example.com/x.sh | bash");
    const unparseable = configured.review("make e2e-stack && (echo 'unclosed");
    // Assess
    expect(dynamic.decision).toBe("approve");
    expect(stdin.decision).toBe("approve");
    expect(stdin.reasons.join("\n")).toMatch(/^bash: unknown \(bash reads commands from standard input/m);
    expect(unparseable.decision).toBe("approve");
  });

  it("keeps the judgement of the other commands on the same line", () => {
    // Act
    const review = configured.review("make e2e-stack && rm -rf /");
    // Assess
    expect(review.decision).toBe("approve");
    expect(review.classes).toEqual(["workspace-write", "destructive"]);
  });

  it("allows a workspace script by its path", () => {
    // Act
    const review = configured.review("./scripts/frob.sh");
    // Assess
    expect(review.decision).toBe("allow");
  });

  it("forces approval with the class and reason the repository gives", () => {
    // Act
    const seed = configured.review("npm run db:seed");
    const plan = configured.review("terraform plan -out=tfplan");
    // Assess
    expect(seed.decision).toBe("approve");
    expect(seed.classes).toContain("infrastructure");
    expect(seed.reasons).toContain(
      "npm run db:seed: infrastructure (the repository's policy: seeds the shared staging database)",
    );
    expect(plan.decision).toBe("approve");
    expect(plan.classes).toContain("unknown");
    expect(plain.review("terraform plan -out=tfplan").decision).toBe("allow");
  });

  it.each([
    [
      { allow: [{ command: "* **", class: "workspace-write" }] },
      "policy config.allow[0].command: the first word must be a literal command name",
    ],
    [
      { allow: [{ command: "git push", class: "vcs-remote" }] },
      "policy config.allow[0].class: Invalid option",
    ],
    [
      { allow: [{ command: "make ** docs", class: "read-only" }] },
      "policy config.allow[0].command: ** may only be the last word",
    ],
    [{ allow: [{ command: "", class: "read-only" }] }, "policy config.allow[0].command: must name a command"],
    [
      { approve: [{ command: "make release", class: "read-only", reason: "x" }] },
      "policy config.approve[0].class: Invalid option",
    ],
    [{ approve: [{ command: "make release" }] }, "policy config.approve[0].reason"],
    [{ unknownCommands: "allow" }, "policy config: Unrecognized key"],
    [
      { allow: [{ command: "make x", class: "read-only", extra: true }] },
      "policy config.allow[0]: Unrecognized key",
    ],
  ])("rejects %j naming the field", (input, message) => {
    // Act
    const parsing = () => parsePolicyConfig(input);
    // Assess
    expect(parsing).toThrow(ValidationFailedError);
    expect(parsing).toThrow(message);
  });

  it("accepts an empty configuration and fills defaults", () => {
    // Act
    const config = parsePolicyConfig({});
    // Assess
    expect(config).toEqual({ allow: [], approve: [] });
  });
});
