/**
 * Masks credentials before text reaches logs, state, digests, artifacts or reports. Patterns are deliberately
 * specific (known token prefixes, key=value contexts, PEM blocks, URL userinfo) so ordinary test output is left
 * alone; a bare 40-character base64 string is only treated as an AWS secret key when named as one.
 */

interface SecretPattern {
  readonly kind: string;
  readonly pattern: RegExp;
  /** Builds the replacement from the match; by default the whole match becomes the marker. */
  readonly replace?: (match: string, ...groups: string[]) => string;
  /**
   * Literals one of which every match contains. Checking them (a plain substring search) lets the common case,
   * output with no secret at all, skip the regular expression: redaction runs on every byte of command output.
   */
  readonly hints?: readonly string[];
  /** A literal every match contains in addition to one of the hints. */
  readonly needs?: string;
}

const marker = (kind: string): string => `[REDACTED:${kind}]`;

/** Keeps the label (`aws_secret_access_key = `) so a reader still sees what was there. */
const keepLabel =
  (kind: string) =>
  (_match: string, label: string): string =>
    `${label}${marker(kind)}`;

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: "private-key",
    // An unterminated block (end of input before END) is masked to the end: the rest of a key is still a key.
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    hints: ["PRIVATE KEY"],
  },
  {
    kind: "authorization",
    pattern:
      /((?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|digest|aws4-hmac-sha256)\s+)[^\s"',]+/gi,
    replace: keepLabel("authorization"),
    hints: ["uthorization", "UTHORIZATION"],
  },
  {
    kind: "url-credentials",
    // scheme://user:password@host: keep the user (it helps a reader), mask the password. scheme://TOKEN@host
    // with a long opaque user part is a token used as the user name (GitHub, GitLab): mask it whole. Anchored on
    // "://" rather than on the scheme: a leading scheme class makes the engine try every word start (10x slower).
    pattern: /:\/\/(?:([^\s:/@"'<>]{1,256}):[^\s/@"'<>]{1,1024}|[A-Za-z0-9_\-.~%]{20,1024})@/g,
    replace: (_m: string, user: string | undefined) =>
      user === undefined ? `://${marker("url-credentials")}@` : `://${user}:${marker("url-credentials")}@`,
    hints: ["://"],
    needs: "@",
  },
  {
    kind: "github-token",
    pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,255}\b/g,
    hints: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
  },
  { kind: "github-token", pattern: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g, hints: ["github_pat_"] },
  { kind: "npm-token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, hints: ["npm_"] },
  {
    kind: "npm-token",
    // .npmrc: `//registry.npmjs.org/:_authToken=...`, `_auth=...`, `_password=...`
    pattern: /(?<![A-Za-z0-9])(_(?:authToken|auth|password)\s*=\s*)[^\s"']+/g,
    replace: keepLabel("npm-token"),
    hints: ["_auth", "_password"],
  },
  {
    kind: "aws-access-key-id",
    pattern: /\b(?:AKIA|ASIA|AROA|AIDA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  },
  {
    kind: "aws-secret-access-key",
    pattern:
      /((?:aws_?secret_?access_?key|secret_?access_?key|SecretAccessKey)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
    replace: keepLabel("aws-secret-access-key"),
    // Case-insensitive expressions cannot skip ahead quickly: gate them on the literal cases that occur.
    hints: ["ecret", "ECRET"],
  },
  {
    kind: "aws-session-token",
    pattern:
      /((?:aws_?session_?token|aws_?security_?token|SessionToken)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi,
    replace: keepLabel("aws-session-token"),
    hints: ["ession", "ESSION", "ecurity", "ECURITY"],
  },
  {
    kind: "aws-session-token",
    // STS session tokens are base64 of a binary blob whose first bytes are stable ("\x21\n\tOrigin_ec", "FwoGZXIvYXdz").
    pattern: /\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz)[A-Za-z0-9/+=]{40,}/g,
    hints: ["IQoJb3JpZ2lu", "FwoGZXIvYXdz"],
  },
];

/** Hints that occur in ordinary output too often to pre-filter with the single scan below. */
const COMMON_HINTS = new Set(["://"]);

/** One pass over the text finds whether any rare hint occurs at all (usually none does). */
const RARE_HINT_SCAN = new RegExp(
  [...new Set(SECRET_PATTERNS.flatMap((pattern) => pattern.hints ?? []))]
    .filter((hint) => !COMMON_HINTS.has(hint))
    .map((hint) => hint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|"),
);

function mayMatch(pattern: SecretPattern, text: string, rareHintsPresent: boolean): boolean {
  if (pattern.hints === undefined) return true;
  if (pattern.needs !== undefined && !text.includes(pattern.needs)) return false;
  return pattern.hints.some((hint) => (rareHintsPresent || COMMON_HINTS.has(hint)) && text.includes(hint));
}

/** The patterns that could match somewhere in `text` (a superset is always safe). */
function candidatePatterns(text: string): readonly SecretPattern[] {
  const rareHintsPresent = RARE_HINT_SCAN.test(text);
  return SECRET_PATTERNS.filter((pattern) => mayMatch(pattern, text, rareHintsPresent));
}

function applyPatterns(text: string, patterns: readonly SecretPattern[]): string {
  let result = text;
  for (const { kind, pattern, replace } of patterns) {
    pattern.lastIndex = 0;
    result = replace
      ? result.replace(pattern, replace as (substring: string, ...args: string[]) => string)
      : result.replace(pattern, marker(kind));
  }
  return result;
}

/** Masks every known secret in `text`. Pure and idempotent: redacting twice gives the same result. */
export function redact(text: string): string {
  return applyPatterns(text, candidatePatterns(text));
}

/** Redacts and cuts to at most `maxChars` characters (for error details and log fields). */
export function redactBounded(text: string, maxChars: number): string {
  const masked = redact(text);
  return masked.length <= maxChars ? masked : `${masked.slice(0, maxChars)}…`;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

function secretSpans(text: string, patterns: readonly SecretPattern[]): Span[] {
  const spans: Span[] = [];
  for (const { pattern } of patterns) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      spans.push({ start: match.index, end: match.index + match[0].length });
      if (match[0].length === 0) pattern.lastIndex++;
    }
  }
  return spans;
}

export interface StreamRedactorOptions {
  /**
   * Characters held back from each chunk so a secret split across chunks is seen whole (longer than any token
   * except a private key block). @default 4096
   */
  readonly windowChars?: number;
  /**
   * Above this, an unterminated private key block is no longer buffered: a marker is emitted and input is dropped
   * until its END line. @default 65536
   */
  readonly maxHeldChars?: number;
}

/** Largest piece of input redacted at once (see `push`). */
const PIECE_CHARS = 16_384;

const PRIVATE_KEY_END = /-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const PRIVATE_KEY_OPEN = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * Redacts a text stream chunk by chunk with bounded memory. It holds back a window at the end of each chunk and
 * never cuts through a secret, so a token split between two chunks is masked as if the text had come whole.
 * `push` returns what is safe to emit now; `end` returns the rest.
 */
export class StreamRedactor {
  readonly #windowChars: number;
  readonly #maxHeldChars: number;
  #held = "";
  #insidePrivateKey = false;

  constructor(options: StreamRedactorOptions = {}) {
    this.#windowChars = options.windowChars ?? 4096;
    this.#maxHeldChars = Math.max(options.maxHeldChars ?? 65_536, this.#windowChars * 2);
  }

  push(chunk: string): string {
    // Work in pieces: concatenating the held window with a whole 64 KB event would allocate a string in V8's
    // large-object space for every event (measured 15x slower for non-ASCII output).
    if (chunk.length <= PIECE_CHARS) return this.#pushPiece(chunk);
    let emitted = "";
    for (let start = 0; start < chunk.length; start += PIECE_CHARS) {
      emitted += this.#pushPiece(chunk.slice(start, start + PIECE_CHARS));
    }
    return emitted;
  }

  #pushPiece(chunk: string): string {
    let text = this.#held + chunk;
    this.#held = "";
    let emitted = "";
    if (this.#insidePrivateKey) {
      const end = PRIVATE_KEY_END.exec(text);
      if (!end) {
        // Keep only enough to recognise an END line split across chunks; the rest is key material.
        this.#held = text.slice(-64);
        return "";
      }
      this.#insidePrivateKey = false;
      text = text.slice(end.index + end[0].length);
    }
    if (text.length <= this.#windowChars) {
      this.#held = text;
      return emitted;
    }
    const patterns = candidatePatterns(text);
    if (patterns.length === 0) {
      // Nothing here can be (the start of) a secret except in the last window, which may continue in the next chunk.
      const cut = text.length - this.#windowChars;
      this.#held = text.slice(cut);
      return emitted + text.slice(0, cut);
    }
    let cut = text.length - this.#windowChars;
    const spans = secretSpans(text, patterns);
    // Moving the cut to a secret's start can land inside an overlapping one: repeat until no secret straddles it.
    for (let moved = true; moved; ) {
      moved = false;
      for (const span of spans) {
        if (span.start < cut && span.end > cut) {
          cut = span.start;
          moved = true;
        }
      }
    }
    if (cut === 0 && text.length > this.#maxHeldChars) {
      // Only an unterminated private key can hold the cut at 0 this long: stop buffering it.
      const open = PRIVATE_KEY_OPEN.exec(text);
      const start = open ? open.index : 0;
      emitted += `${applyPatterns(text.slice(0, start), patterns)}${marker("private-key")}`;
      this.#insidePrivateKey = true;
      this.#held = text.slice(-64);
      return emitted;
    }
    // With no secret anywhere in the text, the part before the cut has none either: skip the second pass.
    emitted += spans.length === 0 ? text.slice(0, cut) : applyPatterns(text.slice(0, cut), patterns);
    this.#held = text.slice(cut);
    return emitted;
  }

  end(): string {
    const rest = this.#held;
    this.#held = "";
    if (this.#insidePrivateKey) {
      this.#insidePrivateKey = false;
      return "";
    }
    return redact(rest);
  }
}

/** A secret the detectors found: its kind and where (character offsets in the text). */
export interface SecretFinding {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Where the redaction's detectors find a secret in `text`, without changing it: for checks that must refuse rather
 * than mask (a patch that would carry a secret out of the session is blocked, never silently redacted).
 */
export function findSecrets(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { kind, pattern } of candidatePatterns(text)) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      findings.push({ kind, start: match.index, end: match.index + match[0].length });
      if (match[0].length === 0) pattern.lastIndex++;
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}
