import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { assertArtifactKey } from "#lib/artifact-store.ts";
import { PatchMismatchError, ValidationFailedError } from "#lib/errors.ts";
import { logger } from "#lib/observability.ts";
import { executionNameSchema, requestInStateSchema } from "#lib/task-input.ts";
import {
  type DeliveryMode,
  type DeliverySettings,
  deliveryFor,
  githubRepositoryOf,
  type RepositoryDelivery,
} from "./delivery-config.ts";
import type { DeliverySecret } from "./delivery-credential.ts";
import { deliveryToken } from "./delivery-credential.ts";
import { deliverBranch, type GitRemote } from "./git-delivery.ts";
import { openDraftPullRequest } from "./github-pull-request.ts";

/**
 * "Deliver the change": the only task that holds the repository write credential. It re-checks that the patch in
 * the artifact store is the one a person approved (its SHA-256), then delivers it the way the deployment
 * configures for this repository: leave the patch (nothing pushed), push a new branch on the prepared revision,
 * or push that branch and open a draft pull request. Retrying it finds its own branch and pull request.
 */

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (sha256)");

export const deliverChangeInputSchema = z.looseObject({
  request: requestInStateSchema,
  workspace: z.looseObject({ revision: z.string().min(1) }),
  export: z.looseObject({
    patchKey: z.string().min(1),
    patchSha256: SHA256,
    stats: z.looseObject({
      files: z.number().int().min(0),
      insertions: z.number().int().min(0),
      deletions: z.number().int().min(0),
    }),
    commitMessageSubject: z.string().min(1).max(1000),
  }),
  approval: z.looseObject({
    decision: z.literal("approved"),
    approvalId: z.string().min(1).max(200),
    patchSha256: SHA256,
    decidedBy: z.string().min(1).max(200),
    decidedAt: z.iso.datetime(),
  }),
  executionName: executionNameSchema,
});

export type DeliverChangeInput = z.infer<typeof deliverChangeInputSchema>;

/** Stored by the ASL at `$.delivery`. */
export interface DeliveryResult {
  readonly mode: DeliveryMode;
  readonly patchKey: string;
  readonly patchSha256: string;
  readonly branch: string | null;
  readonly commit: string | null;
  readonly pullRequestUrl: string | null;
  readonly alreadyDelivered: boolean;
}

export interface DeliverChangeDependencies {
  readonly artifacts: ArtifactStore;
  readonly settings: DeliverySettings;
  /** The write credential (Secrets Manager in AWS); absent locally, where the remote is a local repository. */
  readonly secret?: () => Promise<DeliverySecret>;
  /** A GitHub client with this auth (token or App JWT) against this API URL. */
  readonly octokitFor: (auth: string, apiUrl: string) => Octokit;
  readonly now: () => Date;
  /** Where the throwaway repository is made. @default os.tmpdir() */
  readonly tmpRoot?: string;
}

const COMMIT_IDENTITY = {
  name: "agentcore-repair",
  email: "agentcore-repair@users.noreply.github.com",
};
const GITHUB_API_URL = "https://api.github.com";

/** `agentcore-repair/<first 12 hex of the request id>`: one branch per request, the same on every retry. */
export function deliveryBranch(requestId: string): string {
  const hex = requestId.toLowerCase().replace(/[^0-9a-f]/g, "");
  if (hex.length < 12) {
    throw new ValidationFailedError([
      { field: "request.requestId", problem: "must start with at least 12 hex characters" },
    ]);
  }
  return `agentcore-repair/${hex.slice(0, 12)}`;
}

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

/** Where the branch goes: configured, or the request's own source (locally: only under the runner's sources). */
async function remoteUrlFor(
  input: DeliverChangeInput,
  config: RepositoryDelivery,
  settings: DeliverySettings,
) {
  if (config.remoteUrl) return config.remoteUrl;
  const source = input.request.source;
  if (source.kind === "git") {
    if (!source.url.startsWith("https://") && !LOOPBACK_HTTP.test(source.url)) {
      throw new ValidationFailedError([
        {
          field: "request.source.url",
          problem: "a branch is delivered only over https; set DELIVERY_CONFIGS.<repo>.remoteUrl",
        },
      ]);
    }
    return source.url;
  }
  const root = settings.localRoot;
  const path = await realpath(resolve(source.path)).catch(() => resolve(source.path));
  const rootPath = root ? await realpath(root).catch(() => root) : undefined;
  if (!rootPath || !path.startsWith(rootPath + sep)) {
    throw new ValidationFailedError([
      {
        field: "request.source.path",
        problem: `a local repository is delivered to only under DELIVERY_LOCAL_ROOT (${root ?? "not set"})`,
      },
    ]);
  }
  return path;
}

function commitMessage(input: DeliverChangeInput): string {
  const subject = input.export.commitMessageSubject.replace(/\s+/g, " ").trim().slice(0, 200);
  return [
    subject,
    "",
    `Approved by ${input.approval.decidedBy} at ${input.approval.decidedAt} (approval ${input.approval.approvalId}).`,
    `Repair request ${input.request.requestId}.`,
    `Patch SHA-256 ${input.approval.patchSha256}.`,
    "",
  ].join("\n");
}

/** The draft pull request's body until the report exists (Finalize writes it after delivery). */
function pullRequestSummary(input: DeliverChangeInput, patchUri: string): string {
  const { stats } = input.export;
  return [
    `## ${input.export.commitMessageSubject}`,
    "",
    "Repaired by agentcore-repair: the validation command now passes.",
    "",
    `- Validation: \`${input.request.validationCommand.replace(/`/g, "'")}\``,
    `- Change: ${stats.files} file(s), +${stats.insertions} −${stats.deletions}`,
    `- Approved by ${input.approval.decidedBy} at ${input.approval.decidedAt}`,
    `- Patch SHA-256: \`${input.approval.patchSha256}\` (${patchUri})`,
    `- Based on ${input.workspace.revision}; repair request \`${input.request.requestId}\``,
    "",
    "This is a draft: review the diff before marking it ready.",
  ].join("\n");
}

/** The patch as approved, or PatchMismatchError: approval, export and the stored bytes must agree. */
async function approvedPatch(deps: DeliverChangeDependencies, input: DeliverChangeInput): Promise<Buffer> {
  if (input.approval.patchSha256 !== input.export.patchSha256) {
    throw new PatchMismatchError(
      `the approval is for patch ${input.approval.patchSha256.slice(0, 12)}, the export is ${input.export.patchSha256.slice(0, 12)}`,
      { approvalId: input.approval.approvalId },
    );
  }
  const key = assertArtifactKey(input.export.patchKey, "export.patchKey");
  const text = await deps.artifacts.getText(key);
  if (text === undefined) {
    throw new PatchMismatchError(`the approved patch is no longer in the artifact store (${key})`, {
      patchKey: key,
    });
  }
  const patch = Buffer.from(text, "utf8");
  const actual = createHash("sha256").update(patch).digest("hex");
  if (actual !== input.approval.patchSha256) {
    throw new PatchMismatchError(
      `the patch at ${key} has SHA-256 ${actual.slice(0, 12)}…, not the approved ${input.approval.patchSha256.slice(0, 12)}…; it changed after approval`,
      { patchKey: key },
    );
  }
  return patch;
}

export async function deliverChange(
  deps: DeliverChangeDependencies,
  input: DeliverChangeInput,
): Promise<DeliveryResult> {
  const patch = await approvedPatch(deps, input);
  const config = deliveryFor(deps.settings, input.request.repoName);
  const base: DeliveryResult = {
    mode: config.mode,
    patchKey: input.export.patchKey,
    patchSha256: input.export.patchSha256,
    branch: null,
    commit: null,
    pullRequestUrl: null,
    alreadyDelivered: false,
  };
  if (config.mode === "patch") return base;

  const url = await remoteUrlFor(input, config, deps.settings);
  const github = config.github ?? githubRepositoryOf(url);
  const apiUrl = config.github?.apiUrl ?? GITHUB_API_URL;
  if (config.mode === "pull-request" && !github) {
    throw new ValidationFailedError([
      {
        field: `DELIVERY_CONFIGS.${input.request.repoName}.github`,
        problem: "pull-request mode needs the GitHub repository (owner and repo), or a github.com remote URL",
      },
    ]);
  }
  let remote: GitRemote = { url };
  let token: string | undefined;
  if (!url.startsWith("/")) {
    if (!deps.secret) {
      throw new ValidationFailedError([
        {
          field: "DELIVERY_SECRET_ARN",
          problem: `is not set; ${config.mode} delivery to ${url} needs a credential`,
        },
      ]);
    }
    const scope = github ? { ...github, pullRequests: config.mode === "pull-request" } : undefined;
    token = await deliveryToken(
      await deps.secret(),
      scope,
      (auth) => deps.octokitFor(auth, apiUrl),
      deps.now(),
    );
    remote = { url, token };
  }

  const branch = await deliverBranch({
    remote,
    baseRevision: input.workspace.revision,
    patch,
    branch: deliveryBranch(input.request.requestId),
    message: commitMessage(input),
    identity: { ...COMMIT_IDENTITY, date: input.approval.decidedAt },
    ...(deps.tmpRoot ? { tmpRoot: deps.tmpRoot } : {}),
  });
  logger.info("branch delivered", { branch: branch.branch, alreadyDelivered: branch.alreadyDelivered });
  const delivered: DeliveryResult = {
    ...base,
    branch: branch.branch,
    commit: branch.commit,
    alreadyDelivered: branch.alreadyDelivered,
  };
  if (config.mode === "branch") return delivered;

  const baseBranch =
    config.baseBranch ?? (input.request.source.kind === "git" ? input.request.source.branch : undefined);
  const pull = await openDraftPullRequest(deps.octokitFor(token!, apiUrl), {
    owner: github!.owner,
    repo: github!.repo,
    branch: branch.branch,
    ...(baseBranch ? { base: baseBranch } : {}),
    title: input.export.commitMessageSubject,
    body: pullRequestSummary(input, deps.artifacts.uriFor(input.export.patchKey)),
  });
  logger.info("pull request ready", { number: pull.number, alreadyExisted: pull.alreadyExisted });
  return {
    ...delivered,
    pullRequestUrl: pull.url,
    alreadyDelivered: branch.alreadyDelivered && pull.alreadyExisted,
  };
}
