import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keyFileSigningKey, secretsManagerSigningKey } from "#lib/approvals/signing-key.ts";

describe("local key file", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "approval-key-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("creates 32 random bytes with mode 0600 on first use and reuses them", async () => {
    // Prepare
    const path = join(directory, "nested", "approval.key");
    // Act
    const key = await keyFileSigningKey(path)();
    const again = await keyFileSigningKey(path)();
    // Assess
    expect(key).toHaveLength(32);
    expect(again.equals(key)).toBe(true);
    expect((await readFile(path)).equals(key)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("agrees on one key when two providers start at once", async () => {
    // Prepare
    const path = join(directory, "approval.key");
    // Act
    const [first, second] = await Promise.all([keyFileSigningKey(path)(), keyFileSigningKey(path)()]);
    // Assess
    expect(first.equals(second)).toBe(true);
  });

  it("refuses a key file readable by others, naming the variable", async () => {
    // Prepare
    const path = join(directory, "approval.key");
    await writeFile(path, Buffer.alloc(32, 1));
    await chmod(path, 0o644);
    // Act
    const attempt = keyFileSigningKey(path)();
    // Assess
    await expect(attempt).rejects.toThrow(/APPROVAL_KEY_FILE: .*mode 644.*chmod 600/);
  });

  it("refuses a key file that is too short", async () => {
    // Prepare
    const path = join(directory, "approval.key");
    await writeFile(path, Buffer.alloc(8, 1), { mode: 0o600 });
    // Act
    const attempt = keyFileSigningKey(path)();
    // Assess
    await expect(attempt).rejects.toThrow(/holds 8 bytes; an approval signing key needs at least 32/);
  });

  it("refuses a relative path", () => {
    expect(() => keyFileSigningKey("keys/approval.key")).toThrow(/APPROVAL_KEY_FILE/);
  });
});

describe("Secrets Manager key", () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => {
    secrets.reset();
  });

  it("reads the secret once per container and uses its string as the key bytes", async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "k".repeat(64) });
    const provider = secretsManagerSigningKey(
      new SecretsManagerClient({}),
      "arn:aws:secretsmanager:us-east-1:1:secret:x",
    );
    // Act
    const key = await provider();
    const again = await provider();
    // Assess
    expect(key.toString("utf8")).toBe("k".repeat(64));
    expect(again).toBe(key);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: "arn:aws:secretsmanager:us-east-1:1:secret:x",
    });
  });

  it("refuses a secret shorter than 32 bytes without echoing it", async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "short-secret" });
    const provider = secretsManagerSigningKey(new SecretsManagerClient({}), "arn:secret");
    // Act
    const attempt = provider();
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "PlatformError" });
    await expect(attempt).rejects.toThrow(/holds 12 bytes/);
    await expect(attempt).rejects.not.toThrow(/short-secret/);
  });

  it("forgets a failed read so the next invocation tries again", async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({ SecretString: "z".repeat(40) });
    const provider = secretsManagerSigningKey(new SecretsManagerClient({}), "arn:secret");
    // Act
    const failed = await provider().catch((error: unknown) => error);
    const key = await provider();
    // Assess
    expect(failed).toMatchObject({ name: "ThrottledError" });
    expect(key).toHaveLength(40);
  });
});
