import { parseArgs } from "node:util";
import type { BenchRow } from "./bench-row.ts";
import { changeBenchRows } from "./change.ts";
import { emulatorBenchRows } from "./emulator.ts";
import { failureDigestBenchRows } from "./failure-digest.ts";
import { orchestrationBenchRows } from "./orchestration.ts";
import { policyBenchRows } from "./policy.ts";
import { stormBenchRows } from "./storm.ts";

/**
 * `npm run bench`: every row is a value with a baseline measured in the same run. `--json` prints one JSON array;
 * `--only <prefix>` runs one group; `--quick` shrinks the workloads (for a smoke run, not for the figures).
 */
const groups: Record<string, (quick: boolean) => Promise<BenchRow[]>> = {
  emulator: (quick) => emulatorBenchRows(quick ? { outputBytes: 64 * 1024 * 1024, roundTrips: 20 } : {}),
  orchestration: (quick) => orchestrationBenchRows(quick ? { runs: 2 } : {}),
  policy: (quick) => policyBenchRows(quick ? { rounds: 3 } : {}),
  change: (quick) => changeBenchRows(quick ? { rounds: 2 } : {}),
  "failure-digest": (quick) =>
    failureDigestBenchRows(quick ? { outputBytes: 8 * 1024 * 1024, rounds: 1 } : {}),
  storm: (quick) => stormBenchRows(quick ? { requests: 12, sessions: 20 } : {}),
};

function table(rows: readonly BenchRow[]): string {
  const header = ["name", "value", "unit", "baseline", "ratio", "goal", "meets"];
  const cells = rows.map((r) => [
    r.name,
    String(r.value),
    r.unit,
    String(r.baseline),
    String(r.ratio),
    r.goal,
    r.meets ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

// The SDK warns once per process that Node 20 support ends in 2027 (README, "Requirements").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(groups)) {
  if (values.only && !name.startsWith(values.only)) continue;
  if (!values.json) process.stderr.write(`running ${name} benchmarks...\n`);
  rows.push(...(await run(values.quick)));
}
process.stdout.write(values.json ? `${JSON.stringify(rows)}\n` : `${table(rows)}\n`);
