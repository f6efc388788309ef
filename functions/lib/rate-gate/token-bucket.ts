import { ThrottledError } from "../errors.ts";

/**
 * A token bucket shared by every execution that calls InvokeAgentRuntimeCommand on one runtime, so that a storm of
 * executions stays under the service's per-agent quota instead of each of them finding it with a 429.
 *
 * It is a *reservation* bucket (GCRA-like): the balance may go below zero. A caller that finds no token takes one
 * in advance and is told when it becomes its own (`waitMs`); it sleeps exactly that long and then calls. So each
 * call costs one conditional write to the shared store, nobody polls, waiters are served in the order they
 * reserved, and the quota is used fully while demand exceeds it. A caller whose turn would come later than
 * `maxWaitMs` reserves nothing and gets a ThrottledError: the state machine's Retry (backoff with jitter) takes
 * over, as it does for a 429 from the service.
 *
 * Why a rate gate and not the execution-level semaphore of the AWS sample for controlling concurrency with Step
 * Functions: the quota is on calls per second, not on executions in flight. A semaphore sized for 25 TPS must
 * guess how many commands an execution makes per second, idles the quota while its holders wait for the agent,
 * an approval or a long command, and needs its own cleanup when a holder dies. A bucket bounds exactly the quantity
 * the service limits, holds nothing while an execution waits, and a dead caller costs at most one token.
 */

export interface BucketState {
  /** Tokens available at `updatedAtMs`; negative while callers hold reservations. */
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export interface BucketSettings {
  /** Tokens added per second (the gate's rate: the quota less headroom). */
  readonly ratePerSecond: number;
  /** The most tokens the bucket holds (how large a burst passes at once). */
  readonly burst: number;
  /** The longest a caller waits for its token before ThrottledError. */
  readonly maxWaitMs: number;
}

export type Decision =
  | { readonly granted: true; readonly next: BucketState; readonly waitMs: number }
  | { readonly granted: false; readonly waitMs: number };

/** Refill from the stored timestamp, then take one token now or by reservation; pure. */
export function decide(current: BucketState | undefined, nowMs: number, settings: BucketSettings): Decision {
  const start = current ?? { tokens: settings.burst, updatedAtMs: nowMs };
  // A clock that went backwards (another container's) refills nothing rather than draining the bucket.
  const elapsedMs = Math.max(0, nowMs - start.updatedAtMs);
  const refilled = Math.min(settings.burst, start.tokens + (elapsedMs / 1000) * settings.ratePerSecond);
  const after = refilled - 1;
  const waitMs = after >= 0 ? 0 : Math.ceil((-after / settings.ratePerSecond) * 1000);
  if (waitMs > settings.maxWaitMs) return { granted: false, waitMs };
  return { granted: true, next: { tokens: after, updatedAtMs: Math.max(nowMs, start.updatedAtMs) }, waitMs };
}

/** Where the buckets live: DynamoDB in AWS, a file in local mode. */
export interface BucketStore {
  /** The bucket with a version to compare against on write (undefined: none yet). */
  read(key: string): Promise<{ readonly state: BucketState; readonly version: string } | undefined>;
  /**
   * Writes `next` only if the bucket is still at `expectedVersion` (undefined: only if there is none); false when
   * another caller wrote first.
   */
  write(key: string, next: BucketState, expectedVersion: string | undefined): Promise<boolean>;
}

export interface GateClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter after a lost race. */
  readonly random: () => number;
}

const realClock: GateClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** How many lost compare-and-set races a caller tolerates before it gives up (ThrottledError, retried). */
const MAX_CONFLICTS = 50;

export interface Acquired {
  /** How long the caller slept for its token. */
  readonly waitedMs: number;
  /** Writes lost to other callers before this one's reservation stuck. */
  readonly conflicts: number;
}

export class RateGate {
  constructor(
    private readonly store: BucketStore,
    readonly settings: BucketSettings,
    private readonly clock: GateClock = realClock,
  ) {
    if (!(settings.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be > 0");
    if (!(settings.burst >= 1)) throw new RangeError("burst must be >= 1");
    if (!(settings.maxWaitMs >= 0)) throw new RangeError("maxWaitMs must be >= 0");
  }

  /** Resolves when the caller may make one call on `key`; ThrottledError when its turn is beyond the bound. */
  async acquire(key: string): Promise<Acquired> {
    const reserved = await this.inTurn(key, () => this.reserve(key));
    if (reserved.waitedMs > 0) await this.clock.sleep(reserved.waitedMs);
    return reserved;
  }

  // Callers in one process (the local runner's executions, a Lambda container) reserve one after the other, so
  // they never race each other for the store's compare-and-set; only other containers can.
  private readonly turns = new Map<string, Promise<unknown>>();

  private inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return next;
  }

  private async reserve(key: string): Promise<Acquired> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts += 1) {
      const current = await this.store.read(key);
      const decision = decide(current?.state, this.clock.now(), this.settings);
      if (!decision.granted) {
        throw new ThrottledError(
          `the command rate gate for this runtime is booked ${decision.waitMs} ms ahead, more than the ${this.settings.maxWaitMs} ms a call may wait; retry later`,
          { gate: "InvokeAgentRuntimeCommand", waitMs: decision.waitMs, maxWaitMs: this.settings.maxWaitMs },
        );
      }
      if (await this.store.write(key, decision.next, current?.version)) {
        return { waitedMs: decision.waitMs, conflicts };
      }
      // Lost the race to another container: back off a few jittered milliseconds so the losers do not collide
      // again in lockstep.
      await this.clock.sleep(Math.ceil(this.clock.random() * 2 * Math.min(conflicts + 1, 10)));
    }
    throw new ThrottledError(
      `the command rate gate stayed contended for ${MAX_CONFLICTS} attempts in a row; retry later`,
      { gate: "InvokeAgentRuntimeCommand", conflicts: MAX_CONFLICTS },
    );
  }
}

/** The service's default InvokeAgentRuntimeCommand quota per agent (requests per second). */
export const COMMAND_QUOTA_TPS = 25;
/**
 * The share of the quota the gate hands out: the rest absorbs calls bunched by network jitter on their way to the
 * service (whose own bucket the gate cannot see) and the odd call made outside the gate.
 */
const QUOTA_SHARE = 0.96;

/** Gate settings sized from a quota: its share per second, half a second's burst, a bounded wait. */
export function settingsFromQuota(quotaPerSecond: number, maxWaitMs: number): BucketSettings {
  const ratePerSecond = quotaPerSecond * QUOTA_SHARE;
  return { ratePerSecond, burst: Math.max(1, Math.floor(ratePerSecond / 2)), maxWaitMs };
}
