import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  fromContainerMetadata,
  fromHttp,
  fromIni,
  fromInstanceMetadata,
  fromProcess,
  fromSSO,
  fromTokenFile,
} from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** The variables the standard chain reads first; snapshotted because the local stack overwrites them with dummies. */
const ENV_CREDENTIALS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
];
/** Refreshed this long before they expire, as the SDK does. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Long-term keys have no expiry; the agent is told to ask again after this long. */
const STATIC_LIFETIME_MS = 60 * 60_000;

/**
 * The host's AWS credentials by the standard provider chain (environment, SSO, shared config and credentials
 * files, credential_process, web identity, container and instance metadata), in that order. The environment is
 * read from a snapshot taken now: `npm start` then points its own handlers at loopback with dummy keys in
 * `process.env`, which must never be what the agent gets.
 */
export function hostCredentialProvider(env: NodeJS.ProcessEnv = process.env): AwsCredentialIdentityProvider {
  const snapshot = Object.fromEntries(ENV_CREDENTIALS.map((name) => [name, env[name]]));
  const fromSnapshot: AwsCredentialIdentityProvider = async () => {
    const accessKeyId = snapshot.AWS_ACCESS_KEY_ID;
    const secretAccessKey = snapshot.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw Object.assign(new Error("no keys in the environment"), { tryNextLink: true });
    return {
      accessKeyId,
      secretAccessKey,
      ...(snapshot.AWS_SESSION_TOKEN ? { sessionToken: snapshot.AWS_SESSION_TOKEN } : {}),
      ...(snapshot.AWS_CREDENTIAL_EXPIRATION
        ? { expiration: new Date(snapshot.AWS_CREDENTIAL_EXPIRATION) }
        : {}),
    };
  };
  const remote: AwsCredentialIdentityProvider =
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
      ? async () => fromHttp({})().catch(() => fromContainerMetadata()())
      : fromInstanceMetadata();
  const chain = [fromSnapshot, fromSSO(), fromIni(), fromProcess(), fromTokenFile(), remote];
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const resolveChain = async (): Promise<AwsCredentialIdentity> => {
    const failures: string[] = [];
    for (const provider of chain) {
      try {
        return await provider();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    throw new Error(`no AWS credentials were found on this machine (${failures.at(-1) ?? "no provider"})`);
  };
  return async () => {
    const fresh =
      cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS);
    if (fresh && cached) return cached;
    pending ??= resolveChain().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}

export interface CredentialsEndpoint {
  /** For AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  /** For AWS_CONTAINER_AUTHORIZATION_TOKEN: the one process given it is the only one served. */
  readonly token: string;
  /** Requests answered with credentials (tests check the agent really came). */
  readonly served: () => number;
  stop(): Promise<void>;
}

/**
 * A container-credentials endpoint on loopback, the way ECS and AgentCore hand a runtime role's credentials to a
 * container: the SDK's standard chain in the agent reads AWS_CONTAINER_CREDENTIALS_FULL_URI and sends
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. Only the agent process is given the token; a request without it gets 403.
 */
export async function startCredentialsEndpoint(
  provider: AwsCredentialIdentityProvider,
): Promise<CredentialsEndpoint> {
  const token = randomBytes(32).toString("base64url");
  const expected = Buffer.from(token);
  let served = 0;
  const server = createServer((request, response) => {
    const given = Buffer.from(String(request.headers.authorization ?? ""));
    const authorized = given.length === expected.length && timingSafeEqual(given, expected);
    if (request.method !== "GET" || !authorized) {
      response.writeHead(403, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: "the authorization token is missing or wrong" }));
      return;
    }
    provider().then(
      (credentials) => {
        served++;
        const expiration = credentials.expiration ?? new Date(Date.now() + STATIC_LIFETIME_MS);
        response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        // The SDK's HTTP provider wants every field as a string: long-term keys get an empty session token.
        response.end(
          JSON.stringify({
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            Token: credentials.sessionToken ?? "",
            Expiration: expiration.toISOString(),
          }),
        );
      },
      (error: Error) => {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ message: error.message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/credentials`,
    token,
    served: () => served,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
