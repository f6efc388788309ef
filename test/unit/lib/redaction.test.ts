import { describe, expect, it } from "vitest";
import { redact, redactBounded, StreamRedactor } from "#lib/redaction.ts";

// Fake credentials assembled at run time so no scanner mistakes this file for a leak.
const ghp = `ghp_${"a1B2c3D4e5".repeat(4)}`;
const githubPat = `github_pat_11ABCDEFG0${"x".repeat(12)}_${"Y".repeat(59)}`;
const npmToken = `npm_${"Z9y8X7w6V5".repeat(3)}abcdef`;
const accessKeyId = `AKIA${"IOSFODNN7EXAMPL"}Q`;
const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const sessionToken = `IQoJb3JpZ2luX2VjE${"Abc123+/".repeat(20)}`;
const privateKey = [
  "-----BEGIN RSA PRIVATE KEY-----",
  ..."MIIEowIBAAKCAQEA7bq".repeat(20).match(/.{1,64}/g)!,
  "-----END RSA PRIVATE KEY-----",
].join("\n");

function chunked(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

function streamThrough(
  parts: readonly string[],
  options?: ConstructorParameters<typeof StreamRedactor>[0],
): string {
  const redactor = new StreamRedactor(options);
  return parts.map((part) => redactor.push(part)).join("") + redactor.end();
}

describe("redact", () => {
  it.each([
    ["GitHub classic token", `token is ${ghp} ok`, ghp],
    ["GitHub OAuth token", `gho_${"q".repeat(36)}`, `gho_${"q".repeat(36)}`],
    ["fine-grained GitHub token", `GH=${githubPat}`, githubPat],
    ["npm token", `//registry.npmjs.org/:_authToken=${npmToken}`, npmToken],
    ["npmrc auth value", "_authToken = s3cr3t-value-here", "s3cr3t-value-here"],
    ["AWS access key id", `key ${accessKeyId}.`, accessKeyId],
    ["AWS secret key (env)", `AWS_SECRET_ACCESS_KEY=${secretKey}`, secretKey],
    ["AWS secret key (JSON)", `{"SecretAccessKey": "${secretKey}"}`, secretKey],
    ["AWS session token (env)", `aws_session_token = ${"T".repeat(30)}abc`, `${"T".repeat(30)}abc`],
    ["STS session token (bare)", `token: ${sessionToken}`, sessionToken],
    ["Bearer header", "Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig"],
    ["Basic header", "authorization: basic dXNlcjpwYXNz", "dXNlcjpwYXNz"],
    ["URL password", "git clone https://bob:hunter2pass@example.com/r.git", "hunter2pass"],
    ["URL token user", `https://${"t0k3n".repeat(6)}@github.com/o/r`, "t0k3n".repeat(6)],
    ["private key block", `before\n${privateKey}\nafter`, "MIIEowIBAAKCAQEA7bq"],
  ])("masks a %s", (_kind, text, secret) => {
    // Act
    const masked = redact(text);
    // Assess
    expect(masked).not.toContain(secret);
    expect(masked).toContain("[REDACTED:");
  });

  it("keeps the label and the user name so a reader sees what was there", () => {
    expect(redact(`AWS_SECRET_ACCESS_KEY=${secretKey}`)).toBe(
      "AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-access-key]",
    );
    expect(redact("https://bob:pw1234@example.com/x")).toBe(
      "https://bob:[REDACTED:url-credentials]@example.com/x",
    );
    expect(redact(`before\n${privateKey}\nafter`)).toBe("before\n[REDACTED:private-key]\nafter");
  });

  it("leaves ordinary output alone", () => {
    const text = [
      " FAIL  src/sum.test.ts > adds numbers",
      "AssertionError: expected 3 to be 4 // Object.is equality",
      "ssh://git@github.com/org/repo.git and git@github.com:org/repo.git",
      "sha 0123456789abcdef0123456789abcdef01234567",
      "https://example.com/path?x=1",
    ].join("\n");
    expect(redact(text)).toBe(text);
  });

  it("is idempotent", () => {
    const text = `a ${ghp} b https://u:p4ssw0rd@h/ c AWS_SECRET_ACCESS_KEY=${secretKey}`;
    expect(redact(redact(text))).toBe(redact(text));
  });

  it("masks an unterminated private key to the end of the text", () => {
    const text = `x\n${privateKey.split("\n").slice(0, 4).join("\n")}`;
    expect(redact(text)).toBe("x\n[REDACTED:private-key]");
  });

  it("bounds the length after masking", () => {
    expect(redactBounded(`${ghp} ${"x".repeat(100)}`, 30)).toBe(`[REDACTED:github-token] ${"x".repeat(6)}…`);
  });
});

describe("StreamRedactor", () => {
  const text = `line one\nuse ${ghp} here\n${"filler ".repeat(200)}\nAWS_SECRET_ACCESS_KEY=${secretKey}\n${privateKey}\nhttps://bob:pw12345678@host/\nend\n`;

  it.each([1, 7, 64, 1000])(
    "gives the same result as whole-text redaction with %i-character chunks",
    (size) => {
      // Prepare
      const parts = chunked(text, size);
      // Act
      const streamed = streamThrough(parts, { windowChars: 256 });
      // Assess
      expect(streamed).toBe(redact(text));
    },
  );

  it("masks a token split exactly across two chunks", () => {
    // Prepare: the split falls inside the token
    const line = `${"x".repeat(5000)} ${ghp} ${"y".repeat(5000)}`;
    const splitAt = line.indexOf(ghp) + 10;
    // Act
    const streamed = streamThrough([line.slice(0, splitAt), line.slice(splitAt)]);
    // Assess
    expect(streamed).not.toContain(ghp.slice(10));
    expect(streamed).not.toContain(ghp.slice(0, 10) + ghp.slice(10, 20));
    expect(streamed).toBe(redact(line));
  });

  it("emits most of a long chunk immediately and holds back only the window", () => {
    const redactor = new StreamRedactor({ windowChars: 100 });
    expect(redactor.push("a".repeat(1000))).toHaveLength(900);
    expect(redactor.end()).toHaveLength(100);
  });

  it("stops buffering a huge unterminated private key and drops it up to its END line", () => {
    // Prepare: a key body larger than the hold limit, then normal output
    const begin = "log start\n-----BEGIN OPENSSH PRIVATE KEY-----\n";
    const body = `${"QUJDRA".repeat(40)}\n`.repeat(100);
    const end = "-----END OPENSSH PRIVATE KEY-----\nlog end\n";
    const redactor = new StreamRedactor({ windowChars: 128, maxHeldChars: 2048 });
    // Act
    const out =
      [...chunked(begin + body + end, 500)].map((part) => redactor.push(part)).join("") + redactor.end();
    // Assess
    expect(out).toBe("log start\n[REDACTED:private-key]\nlog end\n");
  });
});
