import { randomBytes, randomUUID } from "node:crypto";
import { link, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { PlatformError, ValidationFailedError } from "../errors.ts";
import { awsFailure } from "./aws-failure.ts";

/**
 * The HMAC key that signs decision tokens and derives approval ids: from Secrets Manager in AWS (read once per
 * container), from a key file locally (32 random bytes, created with mode 0600 on first use). The key itself is
 * never logged, never returned in an error, and never leaves the process.
 */

/** Resolves to the key bytes; implementations cache them. */
export type SigningKeyProvider = () => Promise<Buffer>;

/** 256 bits: HMAC-SHA256 gains nothing from more, and anything shorter is guessable sooner. */
const SIGNING_KEY_MIN_BYTES = 32;

export function assertSigningKey(key: Uint8Array): void {
  if (key.length < SIGNING_KEY_MIN_BYTES) {
    throw new PlatformError(
      `the approval signing key is ${key.length} bytes; at least ${SIGNING_KEY_MIN_BYTES} are required`,
    );
  }
}

/** Caches one successful load; a failed load is forgotten so the next invocation tries again. */
function cachedOnSuccess(load: () => Promise<Buffer>): SigningKeyProvider {
  let pending: Promise<Buffer> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * The key stored in a Secrets Manager secret (env APPROVAL_SECRET_ARN). A SecretString is used as its UTF-8 bytes
 * (the stack generates 64 random alphanumerics), a SecretBinary as is.
 */
export function secretsManagerSigningKey(
  client: SecretsManagerClient,
  secretArn: string,
): SigningKeyProvider {
  return cachedOnSuccess(async () => {
    let output: GetSecretValueCommandOutput;
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    } catch (error) {
      throw awsFailure("GetSecretValue (approval signing key)", error);
    }
    const key =
      output.SecretString !== undefined
        ? Buffer.from(output.SecretString, "utf8")
        : output.SecretBinary !== undefined
          ? Buffer.from(output.SecretBinary)
          : Buffer.alloc(0);
    if (key.length < SIGNING_KEY_MIN_BYTES) {
      throw new PlatformError(
        `the secret APPROVAL_SECRET_ARN (${secretArn}) holds ${key.length} bytes; an approval signing key needs at least ${SIGNING_KEY_MIN_BYTES}`,
      );
    }
    return key;
  });
}

/**
 * The local key file (env APPROVAL_KEY_FILE). Created exclusively (two processes starting at once agree on one
 * key) with mode 0600; an existing file readable by group or others is refused, like ssh refuses such keys.
 */
export function keyFileSigningKey(path: string): SigningKeyProvider {
  if (!path.startsWith("/")) {
    throw new ValidationFailedError([
      { field: "APPROVAL_KEY_FILE", problem: `"${path}" must be an absolute path` },
    ]);
  }
  return cachedOnSuccess(async () => {
    await createKeyFileIfMissing(path);
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new ValidationFailedError([
        {
          field: "APPROVAL_KEY_FILE",
          problem: `${path} has mode ${(info.mode & 0o777).toString(8)}; it must not be readable by group or others (chmod 600)`,
        },
      ]);
    }
    const key = await readFile(path);
    if (key.length < SIGNING_KEY_MIN_BYTES) {
      throw new ValidationFailedError([
        {
          field: "APPROVAL_KEY_FILE",
          problem: `${path} holds ${key.length} bytes; an approval signing key needs at least ${SIGNING_KEY_MIN_BYTES}`,
        },
      ]);
    }
    return key;
  });
}

/**
 * Writes the key to a private temporary file, then links it into place: the link fails if the file exists, so a
 * concurrent starter never sees a half-written key and never overwrites one.
 */
async function createKeyFileIfMissing(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.partial`;
  await writeFile(temporary, randomBytes(SIGNING_KEY_MIN_BYTES), { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temporary);
  }
}
