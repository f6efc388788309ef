import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * Command metrics as CloudWatch reads them (EMF lines on stdout): the module is imported fresh with metrics
 * enabled, and stdout captured.
 */

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("command metrics", () => {
  it("reports two commands of one invocation each under its own purpose", async () => {
    // Prepare
    vi.resetModules();
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    const { recordCommandMetrics } = await import("#lib/observability.ts");
    const output: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);

    // Act
    recordCommandMetrics({
      purpose: "setup",
      status: "COMPLETED",
      exitCode: 0,
      durationMs: 5,
      outputBytes: 1,
    });
    recordCommandMetrics({ purpose: "validation", status: "TIMED_OUT", durationMs: 9, outputBytes: 2 });

    // Assess
    const blobs = output
      .join("")
      .split("\n")
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(blobs).toEqual([
      expect.objectContaining({ Purpose: "setup", CommandsRun: 1, CommandDuration: 5, CommandsFailed: 0 }),
      expect.objectContaining({
        Purpose: "validation",
        CommandsRun: 1,
        CommandDuration: 9,
        CommandsTimedOut: 1,
      }),
    ]);
    expect(blobs[1]).not.toHaveProperty("CommandsFailed");
  });
});
