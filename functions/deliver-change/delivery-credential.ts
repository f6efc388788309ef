import { createPrivateKey, sign } from "node:crypto";
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { awsFailure } from "#lib/approvals/aws-failure.ts";
import { PlatformError } from "#lib/errors.ts";
import { forgeFailure } from "./forge-failure.ts";

/**
 * The repository write credential, held by deliver-change alone (its role is the only one granted the secret).
 * The secret (env DELIVERY_SECRET_ARN) is JSON, one of:
 *   { "token": "<a token that may push branches (and open pull requests)>" }
 *   { "githubApp": { "appId": "123", "installationId": 456, "privateKey": "-----BEGIN RSA PRIVATE KEY-----..." } }
 * With a GitHub App, each delivery mints an installation token scoped to the one repository it delivers to
 * (`repositories: [repo]`) with only contents and pull-request write: it expires within an hour and can reach
 * no other repository of the installation. The secret and the tokens are never logged or returned.
 */

const deliverySecretSchema = z.union([
  z.strictObject({ token: z.string().min(1).max(1000) }),
  z.strictObject({
    githubApp: z.strictObject({
      appId: z.union([z.string().regex(/^[0-9]{1,20}$/), z.number().int().positive()]),
      installationId: z.union([z.string().regex(/^[0-9]{1,20}$/), z.number().int().positive()]),
      privateKey: z.string().min(100).max(10_000),
    }),
  }),
]);

export type DeliverySecret = z.infer<typeof deliverySecretSchema>;

/** Never echoes the secret's text: only which shape was expected. */
function parseDeliverySecret(text: string): DeliverySecret {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = deliverySecretSchema.safeParse(value);
  if (!parsed.success) {
    throw new PlatformError(
      'the delivery secret (DELIVERY_SECRET_ARN) must be JSON {"token": "..."} or {"githubApp": {"appId", ' +
        '"installationId", "privateKey"}}',
    );
  }
  return parsed.data;
}

/** Reads the secret once per container; a failed read is not cached. */
export function secretsManagerDeliverySecret(
  client: SecretsManagerClient,
  secretArn: string,
): () => Promise<DeliverySecret> {
  let pending: Promise<DeliverySecret> | undefined;
  return () => {
    pending ??= (async () => {
      let output: GetSecretValueCommandOutput;
      try {
        output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      } catch (error) {
        throw awsFailure("GetSecretValue (delivery credential)", error);
      }
      return parseDeliverySecret(output.SecretString ?? "");
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** A GitHub App's JWT (RS256, valid 9 minutes, issued a minute back against clock drift). */
function githubAppJwt(appId: string | number, privateKey: string, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode({ iat: seconds - 60, exp: seconds + 540, iss: String(appId) })}`;
  const signature = sign("RSA-SHA256", Buffer.from(unsigned, "utf8"), createPrivateKey(privateKey));
  return `${unsigned}.${signature.toString("base64url")}`;
}

export interface TokenScope {
  readonly owner: string;
  readonly repo: string;
  /** Whether the token must also open pull requests. */
  readonly pullRequests: boolean;
}

/**
 * The token the delivery uses: the stored token as is, or an installation token minted now for exactly this
 * repository. `octokitFor(auth)` builds the client (tests point it at a stand-in server).
 */
export async function deliveryToken(
  secret: DeliverySecret,
  scope: TokenScope | undefined,
  octokitFor: (auth: string) => Octokit,
  now: Date,
): Promise<string> {
  if ("token" in secret) return secret.token;
  if (!scope) {
    throw new PlatformError(
      "the delivery secret is a GitHub App key, but the repository is not on GitHub (set DELIVERY_CONFIGS.<repo>.github)",
    );
  }
  const app = secret.githubApp;
  const octokit = octokitFor(githubAppJwt(app.appId, app.privateKey, now));
  try {
    const response = await octokit.rest.apps.createInstallationAccessToken({
      installation_id: Number(app.installationId),
      repositories: [scope.repo],
      permissions: { contents: "write", ...(scope.pullRequests ? { pull_requests: "write" } : {}) },
    });
    return response.data.token;
  } catch (error) {
    throw forgeFailure("mint a GitHub App installation token", error);
  }
}
