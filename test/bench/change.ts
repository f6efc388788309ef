import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHANGE_FLAGS_MAX, measuredChange, parseScriptOutput } from "#lib/change/change-record.ts";
import { DEFAULT_CHANGE_RULES } from "#lib/change/change-rules.ts";
import { exportScript } from "#lib/change/change-scripts.ts";
import { scanPatchForSecrets } from "#lib/change/patch-scan.ts";
import type { ChangeExport } from "#lib/contracts.ts";
import { type BenchRow, percentile, round } from "./bench-row.ts";

/**
 * Export + scan of a change whose patch is about 1 MB, against a plain `git diff` of the same change measured in
 * the same run; and the state the export adds (`$.export`), against the patch's size. The export runs the same
 * script export-change sends into the session (trusted git in a temporary repository, format-patch, base64),
 * here with the local bash and git, then decodes, hashes and scans what it printed.
 */
export async function changeBenchRows(options: { rounds?: number } = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 5;
  const root = await mkdtemp(join(tmpdir(), "bench-change-"));
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@e",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@e",
  };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, env, encoding: "utf8" }).trim();
  try {
    const line = (i: number, tag: string) => `export const value${i} = "${tag}-${"x".repeat(40)}-${i}";\n`;
    const lines = 6_800; // ~76 bytes a line, removed and added: a patch of about 1 MB
    await writeFile(join(root, "data.js"), Array.from({ length: lines }, (_, i) => line(i, "old")).join(""));
    git("init", "--quiet");
    git("add", "-A");
    git("commit", "--quiet", "-m", "base");
    const base = git("rev-parse", "HEAD");
    await writeFile(join(root, "data.js"), Array.from({ length: lines }, (_, i) => line(i, "new")).join(""));

    const script = exportScript(base, "Bench change\n", {
      name: "b",
      email: "b@e",
      date: "2026-12-02T00:00:00Z",
    });
    const exportTimes: number[] = [];
    const diffTimes: number[] = [];
    let exported: ChangeExport | undefined;
    let patchBytes = 0;
    for (let round = 0; round < rounds; round++) {
      let start = performance.now();
      execFileSync("git", ["diff", "--binary", base], { cwd: root, env, maxBuffer: 64 << 20 });
      diffTimes.push(performance.now() - start);

      start = performance.now();
      const output = parseScriptOutput(
        execFileSync("bash", ["-c", script], { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 }),
      );
      const patch = Buffer.from(output.values.get("patch") ?? "", "base64");
      const sha256 = createHash("sha256").update(patch).digest("hex");
      const secrets = scanPatchForSecrets(patch);
      const measured = measuredChange(output, {
        baseRevision: base,
        iteration: 1,
        rules: DEFAULT_CHANGE_RULES,
        baselineInternals: null,
      });
      exportTimes.push(performance.now() - start);
      if (secrets.length > 0) throw new Error("the bench change must hold no secret");
      patchBytes = patch.length;
      exported = {
        patchKey: "runs/bench-execution/changes/change.patch",
        patchSha256: sha256,
        bytes: patch.length,
        stats: measured.record.stats,
        commitMessageSubject: "Bench change",
        flags: measured.flags.slice(0, CHANGE_FLAGS_MAX),
        files: measured.record.files,
      };
    }
    const exportMs = percentile(exportTimes, 50);
    const diffMs = percentile(diffTimes, 50);
    const stateBytes = Buffer.byteLength(JSON.stringify(exported));
    return [
      {
        name: `change: export + scan of a ${round(patchBytes / 1_048_576, 2)} MB patch (p50)`,
        value: round(exportMs, 1),
        unit: "ms",
        baseline: round(diffMs, 1),
        ratio: round(exportMs / diffMs, 2),
        goal: "≤ 10× a plain git diff of the same change",
        meets: exportMs / diffMs <= 10,
      },
      {
        name: "change: state the export adds ($.export)",
        value: stateBytes,
        unit: "bytes",
        baseline: patchBytes,
        ratio: round(stateBytes / patchBytes, 5),
        goal: "< 2048 bytes",
        meets: stateBytes < 2048,
      },
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
