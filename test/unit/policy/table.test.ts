import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toolSpecs } from "#lib/policy/rules/index.ts";
import { renderPolicyTable } from "#lib/policy/table.ts";

describe("the policy table for reviewers", () => {
  const table = renderPolicyTable(toolSpecs);

  it("is what docs/policy-table.md holds (regenerate it with npm run --silent policy -- table)", () => {
    // Act
    const committed = readFileSync(new URL("../../../docs/policy-table.md", import.meta.url), "utf8");
    // Assess
    expect(committed).toBe(table);
  });

  it("has a section for every spec and a row naming each subcommand level", () => {
    // Assess
    expect(table.match(/^## /gm)).toHaveLength(toolSpecs.length);
    expect(table).toMatch(/^\| `git push` \| vcs-remote \|/m);
    expect(table).toMatch(/^\| `git config` \| \(by logic\) \|/m);
    expect(table).toMatch(/`-a\\\|--app` shell/);
  });
});
