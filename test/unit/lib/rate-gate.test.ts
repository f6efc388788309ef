import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ThrottledError, ValidationFailedError } from "#lib/errors.ts";
import { commandRateGateFromEnv } from "#lib/rate-gate/command-rate-gate.ts";
import { DynamoBucketStore } from "#lib/rate-gate/dynamodb-store.ts";
import { FileBucketStore } from "#lib/rate-gate/file-store.ts";
import {
  type BucketState,
  type BucketStore,
  decide,
  type GateClock,
  RateGate,
  settingsFromQuota,
} from "#lib/rate-gate/token-bucket.ts";

const ARN = "arn:aws:bedrock-agentcore:us-east-1:000000000000:runtime/r-1";

class MemoryStore implements BucketStore {
  readonly items = new Map<string, { state: BucketState; version: string }>();
  writes = 0;
  async read(key: string) {
    return this.items.get(key);
  }
  async write(key: string, next: BucketState, expected: string | undefined) {
    if (this.items.get(key)?.version !== expected) return false;
    this.writes += 1;
    this.items.set(key, { state: next, version: String(this.writes) });
    return true;
  }
}

/** A clock the test moves; sleeps are recorded and return at once. */
function fakeClock(start = 1_000_000): GateClock & { at: number; slept: number[] } {
  const clock = {
    at: start,
    slept: [] as number[],
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
    },
    random: () => 0.5,
  };
  return clock;
}

describe("decide (the bucket arithmetic)", () => {
  const settings = { ratePerSecond: 20, burst: 10, maxWaitMs: 1000 };

  it("grants a fresh bucket's burst at once, then reserves one token per 1/rate", () => {
    let state: BucketState | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      const d = decide(state, 0, settings);
      if (!d.granted) throw new Error("refused");
      state = d.next;
      waits.push(d.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50, 100, 150, 200]);
  });

  it("refuses, without reserving, a turn later than maxWaitMs", () => {
    const booked: BucketState = { tokens: -20, updatedAtMs: 0 }; // 1000 ms of reservations ahead
    expect(decide(booked, 0, settings)).toEqual({ granted: false, waitMs: 1050 });
    // 100 ms later two tokens were refilled: the next turn is 950 ms away, within the bound.
    expect(decide(booked, 100, settings)).toMatchObject({ granted: true, waitMs: 950 });
  });

  it("refills from the stored timestamp, never beyond the burst", () => {
    const d = decide({ tokens: 0, updatedAtMs: 0 }, 60_000, settings);
    expect(d).toMatchObject({ granted: true, next: { tokens: 9, updatedAtMs: 60_000 }, waitMs: 0 });
  });

  it("refills nothing when the clock is behind the stored timestamp", () => {
    const d = decide({ tokens: 0.5, updatedAtMs: 5000 }, 1000, settings);
    expect(d).toMatchObject({ granted: true, next: { tokens: -0.5, updatedAtMs: 5000 }, waitMs: 25 });
  });
});

describe("RateGate", () => {
  it("sizes itself from the 25 TPS quota", () => {
    expect(settingsFromQuota(25, 10_000)).toEqual({ ratePerSecond: 24, burst: 12, maxWaitMs: 10_000 });
  });

  it("spaces 100 concurrent callers at the gate's rate and throttles those beyond the wait bound", async () => {
    const clock = fakeClock();
    const gate = new RateGate(new MemoryStore(), { ratePerSecond: 24, burst: 12, maxWaitMs: 2000 }, clock);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => gate.acquire(ARN)));
    const granted = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.waitedMs] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    // 12 at once, then one per 1000/24 ms up to 2000 ms: 48 more.
    expect(granted).toHaveLength(12 + 48);
    expect(Math.max(...granted)).toBeLessThanOrEqual(2000);
    const sorted = [...granted].sort((a, b) => a - b);
    for (let i = 12; i < sorted.length; i += 1) {
      expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(41);
      expect(sorted[i]! - sorted[i - 1]!).toBeLessThanOrEqual(43);
    }
    expect(refused).toHaveLength(40);
    expect(refused.every((e) => e instanceof ThrottledError)).toBe(true);
    expect((refused[0] as ThrottledError).details).toMatchObject({ maxWaitMs: 2000 });
  });

  it("never hands out more than burst + rate × time, whatever the arrival pattern", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore();
    const gate = new RateGate(store, { ratePerSecond: 24, burst: 12, maxWaitMs: 500 }, clock);
    const grantedAt: number[] = [];
    for (let tick = 0; tick < 400; tick += 1) {
      clock.at = tick * 25; // 10 s, five callers every 25 ms: 200/s of demand
      const round = await Promise.allSettled(Array.from({ length: 5 }, () => gate.acquire(ARN)));
      for (const r of round) if (r.status === "fulfilled") grantedAt.push(clock.at + r.value.waitedMs);
    }
    const horizon = 10_000;
    const used = grantedAt.filter((t) => t < horizon).length;
    expect(used).toBeLessThanOrEqual(12 + 24 * (horizon / 1000));
    // And the quota is used: within one token of the ceiling.
    expect(used).toBeGreaterThanOrEqual(12 + 24 * (horizon / 1000) - 1);
  });

  it("keeps buckets apart per runtime", async () => {
    const gate = new RateGate(new MemoryStore(), { ratePerSecond: 1, burst: 1, maxWaitMs: 0 }, fakeClock());
    await gate.acquire(ARN);
    await expect(gate.acquire(ARN)).rejects.toBeInstanceOf(ThrottledError);
    await expect(gate.acquire(`${ARN}-other`)).resolves.toEqual({ waitedMs: 0, conflicts: 0 });
  });

  it("reads again after losing a compare-and-set race and takes the next token", async () => {
    const store = new MemoryStore();
    let interfere = true;
    const racing: BucketStore = {
      read: (key) => store.read(key),
      async write(key, next, expected) {
        if (interfere) {
          interfere = false;
          // Another container takes a token between this caller's read and write.
          await store.write(key, { tokens: 0, updatedAtMs: next.updatedAtMs }, expected);
        }
        return store.write(key, next, expected);
      },
    };
    const clock = fakeClock();
    const gate = new RateGate(racing, { ratePerSecond: 10, burst: 1, maxWaitMs: 1000 }, clock);
    await expect(gate.acquire(ARN)).resolves.toEqual({ waitedMs: 100, conflicts: 1 });
  });

  it("gives up with ThrottledError when the store stays contended", async () => {
    const lost: BucketStore = { read: async () => undefined, write: async () => false };
    const gate = new RateGate(lost, { ratePerSecond: 10, burst: 1, maxWaitMs: 1000 }, fakeClock());
    await expect(gate.acquire(ARN)).rejects.toThrow(/contended/);
  });
});

describe("FileBucketStore (local mode)", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shares one bucket between gates built separately on the same file", async () => {
    dir = await mkdtemp(join(tmpdir(), "rate-gate-"));
    const file = join(dir, "nested", "command-rate.json");
    const clock = fakeClock();
    const settings = { ratePerSecond: 24, burst: 12, maxWaitMs: 10_000 };
    const a = new RateGate(new FileBucketStore(file), settings, clock);
    const b = new RateGate(new FileBucketStore(file), settings, clock);
    // Sequential across the two instances (each serializes only its own calls; the file is what they share).
    const waits: number[] = [];
    for (let i = 0; i < 20; i += 1) waits.push((await (i % 2 ? a : b).acquire(ARN)).waitedMs);
    expect(waits.filter((w) => w === 0)).toHaveLength(12);
    expect(waits.at(-1)).toBe(Math.ceil((8 / 24) * 1000));
  });

  it("serializes concurrent callers of one instance without losing a reservation", async () => {
    dir = await mkdtemp(join(tmpdir(), "rate-gate-"));
    const clock = fakeClock();
    const gate = new RateGate(
      new FileBucketStore(join(dir, "r.json")),
      { ratePerSecond: 24, burst: 12, maxWaitMs: 10_000 },
      clock,
    );
    const results = await Promise.all(Array.from({ length: 30 }, () => gate.acquire(ARN)));
    const waits = results.map((r) => r.waitedMs).sort((x, y) => x - y);
    expect(new Set(waits.slice(12)).size).toBe(18); // every reservation a distinct slot
    expect(waits.at(-1)).toBe(Math.ceil((18 / 24) * 1000));
  });
});

describe("DynamoBucketStore", () => {
  const dynamo = mockClient(DynamoDBClient);
  afterEach(() => dynamo.reset());

  it("writes conditionally on the version read and reports a lost race as false", async () => {
    dynamo.on(GetItemCommand).resolves({
      Item: { pk: { S: ARN }, tokens: { N: "3.5" }, updatedAtMs: { N: "1000" }, version: { S: "7" } },
    });
    dynamo
      .on(PutItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: "no", $metadata: {} }))
      .resolves({});
    const store = new DynamoBucketStore(new DynamoDBClient({ region: "us-east-1" }), "rates");
    expect(await store.read(ARN)).toEqual({ state: { tokens: 3.5, updatedAtMs: 1000 }, version: "7" });
    expect(await store.write(ARN, { tokens: 2.5, updatedAtMs: 2000 }, "7")).toBe(false);
    expect(await store.write(ARN, { tokens: 2.5, updatedAtMs: 2000 }, "7")).toBe(true);
    const put = dynamo.commandCalls(PutItemCommand)[1]!.args[0].input;
    expect(put).toMatchObject({
      TableName: "rates",
      ConditionExpression: "version = :expected",
      ExpressionAttributeValues: { ":expected": { S: "7" } },
      Item: {
        pk: { S: ARN },
        tokens: { N: "2.5" },
        version: { S: "8" },
        expiresAt: { N: String(2 + 86_400) },
      },
    });
    expect(dynamo.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it("creates the item only if none exists", async () => {
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    const store = new DynamoBucketStore(new DynamoDBClient({ region: "us-east-1" }), "rates");
    expect(await store.read(ARN)).toBeUndefined();
    await store.write(ARN, { tokens: 11, updatedAtMs: 0 }, undefined);
    expect(dynamo.commandCalls(PutItemCommand)[0]!.args[0].input.ConditionExpression).toBe(
      "attribute_not_exists(pk)",
    );
  });

  it("does not swallow other DynamoDB errors", async () => {
    dynamo.on(PutItemCommand).rejects(new Error("ProvisionedThroughputExceeded"));
    const store = new DynamoBucketStore(new DynamoDBClient({ region: "us-east-1" }), "rates");
    await expect(store.write(ARN, { tokens: 1, updatedAtMs: 0 }, "1")).rejects.toThrow(/Provisioned/);
  });
});

describe("commandRateGateFromEnv", () => {
  it("builds no gate without a table or file, and one sized from the quota otherwise", () => {
    expect(commandRateGateFromEnv({})).toBeUndefined();
    const gate = commandRateGateFromEnv({ COMMAND_RATE_FILE: "/tmp/x.json", COMMAND_QUOTA_TPS: "50" });
    expect(gate?.settings).toEqual({ ratePerSecond: 48, burst: 24, maxWaitMs: 10_000 });
  });

  it("names the variable and its limits when a value is bad", () => {
    expect(() => commandRateGateFromEnv({ COMMAND_RATE_TABLE: "t", COMMAND_QUOTA_TPS: "lots" })).toThrow(
      ValidationFailedError,
    );
    expect(() => commandRateGateFromEnv({ COMMAND_RATE_TABLE: "t", COMMAND_RATE_MAX_WAIT_MS: "-1" })).toThrow(
      /COMMAND_RATE_MAX_WAIT_MS: is "-1"; it must be a number from 0 to 60000/,
    );
  });
});
