/** One row of `npm run bench`: a measured value, the baseline measured in the same run, and the goal. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The reference measured in the same run (what `ratio` divides by). */
  readonly baseline: number;
  readonly ratio: number;
  /** Human-readable goal, e.g. "p50 overhead ≤ 10 ms". */
  readonly goal: string;
  readonly meets: boolean;
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
