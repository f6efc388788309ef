import { setTimeout as pause } from "node:timers/promises";

export interface WaitOptions {
  /** What is awaited, for the failure message ("the background child to be killed"). */
  readonly what: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** How often the condition is checked. @default 25 */
  readonly intervalMs?: number;
}

/**
 * Waits until `probe` returns a truthy value and returns it; fails with a message naming what it waited for once
 * the deadline passes. Tests wait on the condition they need, never for a fixed time that passes by luck.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  { what, timeoutMs = 10_000, intervalMs = 25 }: WaitOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await pause(intervalMs);
  }
}
