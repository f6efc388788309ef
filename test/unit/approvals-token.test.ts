import { describe, expect, it } from "vitest";
import { approvalIdFor, isApprovalId } from "#lib/approvals/approval-id.ts";
import {
  createDecisionToken,
  type DecisionTokenClaims,
  newTokenNonce,
  verifyDecisionToken,
} from "#lib/approvals/decision-token.ts";
import { commandHash } from "#lib/command-hash.ts";

const KEY = Buffer.alloc(32, 0x42);
const OTHER_KEY = Buffer.alloc(32, 0x43);
const NOW = new Date("2026-03-01T10:00:00.000Z");
const HASH = commandHash("git push origin main");

function claims(overrides: Partial<DecisionTokenClaims> = {}): DecisionTokenClaims {
  return {
    approvalId: "0123456789abcdef0123456789abcdef",
    commandHash: HASH,
    expiresAt: NOW.getTime() / 1000 + 3600,
    nonce: newTokenNonce(),
    ...overrides,
  };
}

const expected = { approvalId: "0123456789abcdef0123456789abcdef", commandHash: HASH, now: NOW };

describe("decision token", () => {
  it("verifies a token it signed and returns its claims", () => {
    // Prepare
    const issued = claims();
    // Act
    const token = createDecisionToken(KEY, issued);
    const verdict = verifyDecisionToken(KEY, token, expected);
    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verdict).toEqual({ ok: true, claims: issued });
  });

  it("is deterministic for the same claims and different for another nonce", () => {
    // Prepare
    const issued = claims();
    // Act
    const first = createDecisionToken(KEY, issued);
    const again = createDecisionToken(KEY, issued);
    const other = createDecisionToken(KEY, { ...issued, nonce: newTokenNonce() });
    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it.each([
    ["another key", (token: string) => ({ key: OTHER_KEY, token })],
    [
      "a flipped payload bit",
      (token: string) => ({ key: KEY, token: `${token[0] === "e" ? "f" : "e"}${token.slice(1)}` }),
    ],
    [
      "a flipped mac character",
      (token: string) => ({ key: KEY, token: `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}` }),
    ],
    ["an empty string", () => ({ key: KEY, token: "" })],
    ["three parts", (token: string) => ({ key: KEY, token: `${token}.x` })],
    ["a non-base64url payload", (token: string) => ({ key: KEY, token: `e30=!.${token.split(".")[1]}` })],
    ["a short mac", (token: string) => ({ key: KEY, token: `${token.split(".")[0]}.AAAA` })],
    [
      "an overlong token",
      (token: string) => ({ key: KEY, token: `${"A".repeat(2000)}.${token.split(".")[1]}` }),
    ],
  ])("refuses %s as forged", (_label, tamper) => {
    // Prepare
    const { key, token } = tamper(createDecisionToken(KEY, claims()));
    // Act
    const verdict = verifyDecisionToken(key, token, expected);
    // Assess
    expect(verdict).toEqual({ ok: false, reason: "forged" });
  });

  it("refuses a payload extended with an extra field, keeping the original mac", () => {
    // Prepare
    const token = createDecisionToken(KEY, claims());
    const [payload, mac] = token.split(".") as [string, string];
    const value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const extended = Buffer.from(JSON.stringify({ ...value, admin: true })).toString("base64url");
    // Act
    const verdict = verifyDecisionToken(KEY, `${extended}.${mac}`, expected);
    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.reason).toBe("forged");
  });

  it("refuses an expired token at the exact second of expiry, with its claims", () => {
    // Prepare
    const issued = claims({ expiresAt: NOW.getTime() / 1000 });
    const token = createDecisionToken(KEY, issued);
    // Act
    const atExpiry = verifyDecisionToken(KEY, token, expected);
    const justBefore = verifyDecisionToken(KEY, token, { ...expected, now: new Date(NOW.getTime() - 1) });
    // Assess
    expect(atExpiry).toEqual({ ok: false, reason: "expired", claims: issued });
    expect(justBefore.ok).toBe(true);
  });

  it("refuses a token for another approval", () => {
    // Prepare
    const token = createDecisionToken(KEY, claims({ approvalId: "ffffffffffffffffffffffffffffffff" }));
    // Act
    const verdict = verifyDecisionToken(KEY, token, expected);
    // Assess
    expect(verdict).toMatchObject({ ok: false, reason: "wrong-approval" });
  });

  it("refuses a token for another command, before saying it expired", () => {
    // Prepare
    const token = createDecisionToken(KEY, claims({ commandHash: commandHash("rm -rf /"), expiresAt: 1 }));
    // Act
    const verdict = verifyDecisionToken(KEY, token, expected);
    // Assess
    expect(verdict).toMatchObject({ ok: false, reason: "wrong-command" });
  });

  it("skips the command check when no record is known", () => {
    // Prepare
    const token = createDecisionToken(KEY, claims({ commandHash: commandHash("anything") }));
    // Act
    const verdict = verifyDecisionToken(KEY, token, { approvalId: expected.approvalId, now: NOW });
    // Assess
    expect(verdict.ok).toBe(true);
  });

  it("refuses keys shorter than 32 bytes", () => {
    // Act
    const attempt = () => createDecisionToken(Buffer.alloc(16), claims());
    // Assess
    expect(attempt).toThrow(/16 bytes; at least 32/);
  });
});

describe("approval id", () => {
  it("derives a stable 32-hex id per task token and key", () => {
    // Act
    const id = approvalIdFor(KEY, "token-a");
    // Assess
    expect(isApprovalId(id)).toBe(true);
    expect(approvalIdFor(KEY, "token-a")).toBe(id);
    expect(approvalIdFor(KEY, "token-b")).not.toBe(id);
    expect(approvalIdFor(OTHER_KEY, "token-a")).not.toBe(id);
  });

  it.each(["", "../x", "0123456789ABCDEF0123456789ABCDEF", "0123"])("rejects %j as an id", (value) => {
    expect(isApprovalId(value)).toBe(false);
  });
});
