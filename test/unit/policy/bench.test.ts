import { describe, expect, it } from "vitest";
import { policyBenchRows } from "../../bench/policy.ts";

describe("the policy benchmark rows", () => {
  it("report throughput and p99 latency over the corpus, each against a bare parse measured in the same run", async () => {
    // Act
    const rows = await policyBenchRows({ rounds: 1 });
    // Assess (shape only: figures depend on the machine)
    expect(rows.map((r) => [r.unit, r.goal])).toEqual([
      ["commands/s", "≥ 0.1 × bare tree-sitter parse throughput"],
      ["ms", "p99 ≤ 2 ms"],
    ]);
    for (const row of rows) {
      expect(row.value).toBeGreaterThan(0);
      expect(row.baseline).toBeGreaterThan(0);
      // The ratio is value / baseline, up to the rounding of the three figures.
      expect(Math.abs(row.ratio / (row.value / row.baseline) - 1)).toBeLessThan(0.05);
      expect(typeof row.meets).toBe("boolean");
    }
    expect(rows[0]?.name).toMatch(/^policy: classification throughput \(\d+-command corpus\)$/);
  });
});
