/**
 * A token bucket per key: `ratePerSecond` tokens refill continuously, up to a burst of one second's worth.
 * `clock` is injectable so tests need not sleep.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  tryTake(key: string, ratePerSecond: number): boolean {
    const now = this.clock();
    const capacity = Math.max(1, ratePerSecond);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
