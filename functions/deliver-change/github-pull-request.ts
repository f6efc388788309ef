import type { Octokit } from "@octokit/rest";
import { forgeFailure } from "./forge-failure.ts";

/**
 * The draft pull request of a delivered branch, through GitHub's REST API: found if it exists (a retried or
 * resumed delivery, in any state), else opened as a draft. Exactly three endpoints:
 *   GET  /repos/{owner}/{repo}                 the default branch, when no base branch is configured
 *   GET  /repos/{owner}/{repo}/pulls?head=…    this branch's pull request, if any
 *   POST /repos/{owner}/{repo}/pulls           a new draft
 */

export interface PullRequestInput {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  /** @default the repository's default branch */
  readonly base?: string;
  readonly title: string;
  readonly body: string;
}

export interface PullRequestOpened {
  readonly url: string;
  readonly number: number;
  readonly alreadyExisted: boolean;
}

/** GitHub's limit on a pull request body. */
const PULL_REQUEST_BODY_MAX = 65_536;

async function findPullRequest(
  octokit: Octokit,
  input: PullRequestInput,
): Promise<PullRequestOpened | undefined> {
  try {
    const { data } = await octokit.rest.pulls.list({
      owner: input.owner,
      repo: input.repo,
      head: `${input.owner}:${input.branch}`,
      state: "all",
      per_page: 10,
    });
    const mine = data.find((pull) => pull.head.ref === input.branch);
    return mine ? { url: mine.html_url, number: mine.number, alreadyExisted: true } : undefined;
  } catch (error) {
    throw forgeFailure("list pull requests", error);
  }
}

export async function openDraftPullRequest(
  octokit: Octokit,
  input: PullRequestInput,
): Promise<PullRequestOpened> {
  const existing = await findPullRequest(octokit, input);
  if (existing) return existing;
  let base = input.base;
  if (base === undefined) {
    try {
      base = (await octokit.rest.repos.get({ owner: input.owner, repo: input.repo })).data.default_branch;
    } catch (error) {
      throw forgeFailure("read the repository's default branch", error);
    }
  }
  const body =
    input.body.length > PULL_REQUEST_BODY_MAX
      ? `${input.body.slice(0, PULL_REQUEST_BODY_MAX - 40)}\n\n… (shortened to GitHub's limit)`
      : input.body;
  try {
    const { data } = await octokit.rest.pulls.create({
      owner: input.owner,
      repo: input.repo,
      head: input.branch,
      base,
      title: input.title.slice(0, 250),
      body,
      draft: true,
      maintainer_can_modify: false,
    });
    return { url: data.html_url, number: data.number, alreadyExisted: false };
  } catch (error) {
    // 422 "A pull request already exists": an earlier attempt opened it after our look-up.
    if ((error as { status?: number }).status === 422) {
      const raced = await findPullRequest(octokit, input);
      if (raced) return raced;
    }
    throw forgeFailure("open the draft pull request", error);
  }
}
