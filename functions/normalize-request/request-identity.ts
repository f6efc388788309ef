import { createHash } from "node:crypto";
import type { RepositorySource } from "#lib/contracts.ts";

/**
 * Deterministic identity of a request: the same repository, revision and validation command always give the same
 * requestId and sessionId. The state machine uses the requestId to keep duplicates from running at once, and the
 * sessionId makes a repeated request land in the same AgentCore session, whose storage still holds the workspace.
 */

const SESSION_PREFIX = "repair-";
const REPO_NAME_MAX_LENGTH = 100;

/** The repository's location with spelling differences that name the same repository removed. */
function canonicalLocation(source: RepositorySource): string {
  if (source.kind === "local") return `local:${source.path}`;
  // scp-like `git@host:owner/repo` is the same repository as `ssh://git@host/owner/repo`.
  const scpLike = /^((?:[^@/:]+@)?)([^/:]+):(?!\/\/)(.*)$/.exec(source.url);
  const asUrl =
    scpLike && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source.url)
      ? `ssh://${scpLike[1]}${scpLike[2]}/${scpLike[3]?.replace(/^\/+/, "")}`
      : source.url;
  let location = asUrl;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(asUrl)) {
    const url = new URL(asUrl);
    // Hosts and schemes are case-insensitive; paths are not.
    location = `${url.protocol.toLowerCase()}//${url.username ? `${url.username}@` : ""}${url.host.toLowerCase()}${url.pathname}`;
  }
  return location.replace(/\/+$/, "").replace(/\.git$/, "");
}

function canonicalRevisionKey(source: RepositorySource): string {
  if (source.revision !== undefined) return `revision:${source.revision}`;
  if (source.kind === "git" && source.branch !== undefined) return `branch:${source.branch}`;
  return "default";
}

export interface RequestIdentity {
  /** sha256 hex (64 characters). */
  readonly requestId: string;
  /**
   * sha256 hex of the repository and revision only: two requests for the same repository and commit must not run
   * at once, whatever their validation commands.
   */
  readonly lockKey: string;
  /** `repair-` + requestId: 71 characters, inside the service's 33-256. */
  readonly sessionId: string;
}

export function requestIdentity(source: RepositorySource, validationCommand: string): RequestIdentity {
  // A JSON array keeps the parts apart: no choice of strings can make two different requests collide textually.
  const canonical = JSON.stringify([
    "repair-request/v1",
    canonicalLocation(source),
    canonicalRevisionKey(source),
    validationCommand,
  ]);
  const requestId = createHash("sha256").update(canonical, "utf8").digest("hex");
  const lockKey = createHash("sha256")
    .update(
      JSON.stringify(["repair-lock/v1", canonicalLocation(source), canonicalRevisionKey(source)]),
      "utf8",
    )
    .digest("hex");
  return { requestId, lockKey, sessionId: `${SESSION_PREFIX}${requestId}` };
}

/** The last path segment of the repository, without `.git`. */
function lastSegment(source: RepositorySource): string {
  const location = source.kind === "local" ? source.path : source.url.replace(/^[^/]*@[^/:]+:/, "/");
  const pathPart = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location) ? new URL(location).pathname : location;
  const segments = pathPart.split(/[/:]/).filter((s) => s !== "" && s !== ".");
  return (segments.at(-1) ?? "").replace(/\.git$/, "");
}

/**
 * A directory name that is safe in a path under the mount: [A-Za-z0-9._-], no leading dot (never ".", ".." or
 * hidden), at most 100 characters. Falls back to "repo" when nothing usable is left.
 */
export function deriveRepoName(source: RepositorySource): string {
  const cleaned = lastSegment(source)
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, REPO_NAME_MAX_LENGTH)
    .replace(/[.-]+$/, "");
  return cleaned === "" ? "repo" : cleaned;
}
