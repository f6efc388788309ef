import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { APPROVAL_ID_PATTERN } from "./approval-id.ts";
import { assertSigningKey } from "./signing-key.ts";

/**
 * The decision token: the capability a person's link carries. It is `base64url(payload) "." base64url(mac)`, where
 * the payload binds the approval, the SHA-256 of the exact command text, an expiry and a random nonce, and the mac
 * is HMAC-SHA256 over a context label and the encoded payload. Whoever holds the token may decide that one
 * approval, once, before it expires; nothing else. It is never logged and never put in Step Functions state: only
 * the person's link (SNS message, local callback) and the page's hidden form field carry it.
 */

export interface DecisionTokenClaims {
  readonly approvalId: string;
  /** sha256 hex of the exact command text. */
  readonly commandHash: string;
  /** Epoch seconds after which the token decides nothing. */
  readonly expiresAt: number;
  /** 16 random bytes, base64url: two tokens for the same approval never look alike. */
  readonly nonce: string;
}

/** Why a token was refused. `forged` covers every malformed or badly signed token (no detail helps a forger). */
type TokenRefusalReason = "forged" | "expired" | "wrong-approval" | "wrong-command";

export type TokenVerdict =
  | { readonly ok: true; readonly claims: DecisionTokenClaims }
  | {
      readonly ok: false;
      readonly reason: TokenRefusalReason;
      /** Present once the mac checked out (the claims are ours, only their binding or expiry is wrong). */
      readonly claims?: DecisionTokenClaims;
    };

/** The mac covers this label too, so a MAC made with the same key for another purpose is never a valid token. */
const MAC_CONTEXT = "agentcore-repair/approval-decision/v1\n";
const MAC_BYTES = 32;
/** Far above a real token (about 230 characters): longer input is refused before any work. */
export const DECISION_TOKEN_MAX_CHARS = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const payloadSchema = z.strictObject({
  v: z.literal(1),
  a: z.string().regex(APPROVAL_ID_PATTERN),
  h: z.string().regex(/^[0-9a-f]{64}$/),
  e: z.number().int().positive(),
  n: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});

/** A fresh nonce for a new approval (stored in the record, so a token re-sent later is the same token). */
export function newTokenNonce(): string {
  return randomBytes(16).toString("base64url");
}

function mac(key: Uint8Array, encodedPayload: string): Buffer {
  return createHmac("sha256", key).update(MAC_CONTEXT).update(encodedPayload).digest();
}

export function createDecisionToken(key: Uint8Array, claims: DecisionTokenClaims): string {
  assertSigningKey(key);
  const payload = payloadSchema.parse({
    v: 1,
    a: claims.approvalId,
    h: claims.commandHash,
    e: claims.expiresAt,
    n: claims.nonce,
  });
  const encoded = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${encoded}.${mac(key, encoded).toString("base64url")}`;
}

export interface TokenExpectations {
  /** The approval the token is presented for (the URL's approvalId). */
  readonly approvalId: string;
  /** The stored command's hash; omitted when there is no record to compare with. */
  readonly commandHash?: string;
  readonly now: Date;
}

const FORGED: TokenVerdict = { ok: false, reason: "forged" };

/**
 * Checks the mac in constant time, then the binding (approval, command), then the expiry, in that order: a token
 * for another command is refused as such even when it has also expired.
 */
export function verifyDecisionToken(
  key: Uint8Array,
  token: string,
  expected: TokenExpectations,
): TokenVerdict {
  assertSigningKey(key);
  if (typeof token !== "string" || token.length === 0 || token.length > DECISION_TOKEN_MAX_CHARS)
    return FORGED;
  const parts = token.split(".");
  if (parts.length !== 2) return FORGED;
  const [encoded, presentedMac] = parts as [string, string];
  if (!BASE64URL.test(encoded) || !BASE64URL.test(presentedMac)) return FORGED;
  const presented = Buffer.from(presentedMac, "base64url");
  // Re-encoding must give back the same text: otherwise two spellings of one mac would both be accepted.
  if (presented.length !== MAC_BYTES || presented.toString("base64url") !== presentedMac) return FORGED;
  if (!timingSafeEqual(presented, mac(key, encoded))) return FORGED;

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return FORGED;
  }
  const parsed = payloadSchema.safeParse(decoded);
  if (!parsed.success) return FORGED;
  const claims: DecisionTokenClaims = {
    approvalId: parsed.data.a,
    commandHash: parsed.data.h,
    expiresAt: parsed.data.e,
    nonce: parsed.data.n,
  };
  if (claims.approvalId !== expected.approvalId) return { ok: false, reason: "wrong-approval", claims };
  if (expected.commandHash !== undefined && claims.commandHash !== expected.commandHash) {
    return { ok: false, reason: "wrong-command", claims };
  }
  if (expected.now.getTime() >= claims.expiresAt * 1000) return { ok: false, reason: "expired", claims };
  return { ok: true, claims };
}
