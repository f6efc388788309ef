import { describe, expect, it } from "vitest";
import {
  changeRulesFor,
  DEFAULT_CHANGE_RULES,
  globToRegExp,
  isTestFile,
  manifestRunsCode,
  matchingRule,
} from "#lib/change/change-rules.ts";
import { scanPatchForSecrets } from "#lib/change/patch-scan.ts";
import { ValidationFailedError } from "#lib/errors.ts";

describe("change rules (execution surfaces, protected paths, test files)", () => {
  it("matches names at any depth and rooted paths from the root", () => {
    expect(globToRegExp("Makefile").test("lib/Makefile")).toBe(true);
    expect(globToRegExp("*.sh").test("scripts/build.sh")).toBe(true);
    expect(globToRegExp("*.sh").test("scripts/build.shx")).toBe(false);
    expect(globToRegExp(".github/workflows/**").test(".github/workflows/ci.yml")).toBe(true);
    expect(globToRegExp(".github/workflows/**").test("docs/.github/workflows/ci.yml")).toBe(false);
    expect(globToRegExp("**/__tests__/**").test("src/a/__tests__/x.js")).toBe(true);
  });

  it("names why a default surface, protected path or test file matters", () => {
    expect(matchingRule("conftest.py", DEFAULT_CHANGE_RULES.surfaces)?.reason).toBe(
      "Python build and start-up hooks",
    );
    expect(matchingRule("node_modules/.bin/jest", DEFAULT_CHANGE_RULES.surfaces)?.reason).toBe("tool shim");
    expect(matchingRule("vitest.config.ts", DEFAULT_CHANGE_RULES.surfaces)?.reason).toBe(
      "test-runner configuration",
    );
    expect(matchingRule("package-lock.json", DEFAULT_CHANGE_RULES.protectedPaths)?.reason).toBe("lockfile");
    expect(matchingRule(".github/CODEOWNERS", DEFAULT_CHANGE_RULES.protectedPaths)?.reason).toBe(
      "ownership file",
    );
    expect(matchingRule("src/calculator.js", DEFAULT_CHANGE_RULES.surfaces)).toBeUndefined();
    expect(isTestFile("test/calculator.test.js", DEFAULT_CHANGE_RULES)).toBe(true);
    expect(isTestFile("src/calculator.js", DEFAULT_CHANGE_RULES)).toBe(false);
  });

  it("treats package.json as a surface only when what runs changed", () => {
    const before = JSON.stringify({ name: "x", scripts: { test: "node --test" }, dependencies: { a: "1" } });
    expect(
      manifestRunsCode(before, JSON.stringify({ ...JSON.parse(before), dependencies: { a: "2" } })),
    ).toBe(false);
    expect(
      manifestRunsCode(before, JSON.stringify({ ...JSON.parse(before), scripts: { test: "exit 0" } })),
    ).toBe(true);
    expect(manifestRunsCode(before, JSON.stringify({ ...JSON.parse(before), jest: { bail: true } }))).toBe(
      true,
    );
    expect(manifestRunsCode(before, "{ not json")).toBe(true);
  });

  it("takes per-repository edits from the deployment's CHANGE_RULES, and names a bad entry", () => {
    const raw = JSON.stringify({
      app: {
        surfaces: { add: [{ pattern: "tools/**", reason: "release tooling" }], remove: ["*.sh"] },
        gateTestChanges: true,
      },
    });
    const rules = changeRulesFor("app", raw);
    expect(matchingRule("tools/release.js", rules.surfaces)?.reason).toBe("release tooling");
    expect(matchingRule("build.sh", rules.surfaces)).toBeUndefined();
    expect(rules.gateTestChanges).toBe(true);
    expect(changeRulesFor("other", raw)).toBe(DEFAULT_CHANGE_RULES);
    expect(() =>
      changeRulesFor("app", JSON.stringify({ app: { surfaces: { add: [{ pattern: "x" }] } } })),
    ).toThrow(/CHANGE_RULES\.app\.surfaces\.add\.0\.reason/);
    expect(() => changeRulesFor("app", "[1]")).toThrow(ValidationFailedError);
  });
});

describe("the patch's secret scan", () => {
  const key = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
  const patch = (added: string, removed = "") =>
    Buffer.from(
      [
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001",
        "Subject: [PATCH] Fix",
        "",
        "---",
        "diff --git a/src/config.js b/src/config.js",
        "--- a/src/config.js",
        "+++ b/src/config.js",
        "@@ -1 +1 @@",
        ...(removed ? [`-${removed}`] : []),
        `+${added}`,
        " context",
        "",
      ].join("\n"),
      "latin1",
    );

  it("finds an AWS key the change adds, naming the file and the line, never the text", () => {
    const findings = scanPatchForSecrets(patch(`export const id = "${key}";`));
    expect(findings).toEqual([{ kind: "aws-access-key-id", path: "src/config.js", line: 9 }]);
    expect(JSON.stringify(findings)).not.toContain(key);
  });

  it("finds a private key block across added lines, and a token in the commit message", () => {
    const block = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA", "-----END RSA PRIVATE KEY-----"];
    const text = patch(block.join("\n+"));
    expect(scanPatchForSecrets(text).map((f) => f.kind)).toEqual(["private-key"]);
    const token = `ghp_${"a".repeat(36)}`;
    const message = Buffer.from(`Subject: [PATCH] use ${token}\n\n---\n`, "latin1");
    expect(scanPatchForSecrets(message)).toEqual([
      { kind: "github-token", path: "(commit message)", line: 1 },
    ]);
  });

  it("ignores a secret the change removes, and reads non-UTF-8 bytes without missing one", () => {
    expect(scanPatchForSecrets(patch("const id = process.env.KEY;", `const id = "${key}";`))).toEqual([]);
    const latin1 = Buffer.concat([Buffer.from([0xe9, 0xff]), Buffer.from(` ${key}`)]).toString("latin1");
    expect(scanPatchForSecrets(patch(latin1)).map((f) => f.kind)).toEqual(["aws-access-key-id"]);
  });
});
