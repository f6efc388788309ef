import { ValidationFailedError } from "../errors.ts";

/**
 * Who may decide approvals, per repository, from the deployment's configuration (env APPROVERS), never from the
 * repository or the request: a JSON object keyed by repoName, whose values are lists of identities as the
 * authenticator names them (a Cognito user's e-mail, an IAM principal's ARN, locally `local:<user>`). The key "*"
 * lists approvers of every repository. Identities compare case-insensitively; nothing matches by pattern.
 * Unset, nobody may decide (a deployment must say who its approvers are).
 */

export type ApproverCheck = (repoName: string, identity: string) => boolean;

const IDENTITY_MAX = 200;

export function parseApprovers(raw: string | undefined): ApproverCheck {
  if (raw === undefined || raw.trim() === "") return () => false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ValidationFailedError([
      {
        field: "APPROVERS",
        problem: 'is not a JSON object of repository name → identities ("*": every repository)',
      },
    ]);
  }
  const lists = new Map<string, Set<string>>();
  for (const [repo, identities] of Object.entries(parsed)) {
    if (
      !Array.isArray(identities) ||
      !identities.every((id) => typeof id === "string" && id.trim() !== "" && id.length <= IDENTITY_MAX)
    ) {
      throw new ValidationFailedError([
        {
          field: `APPROVERS.${repo}`,
          problem: `must be a list of identities (strings of 1-${IDENTITY_MAX} characters)`,
        },
      ]);
    }
    lists.set(repo, new Set(identities.map((id: string) => id.trim().toLowerCase())));
  }
  return (repoName, identity) => {
    const wanted = identity.trim().toLowerCase();
    return Boolean(lists.get(repoName)?.has(wanted) || lists.get("*")?.has(wanted));
  };
}
