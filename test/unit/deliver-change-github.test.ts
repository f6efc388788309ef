import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import {
  type DeliverChangeDependencies,
  deliverChange,
} from "../../functions/deliver-change/deliver-change.ts";
import type { DeliverySecret } from "../../functions/deliver-change/delivery-credential.ts";
import { octokitFor } from "../../functions/deliver-change/handler.ts";
import { deliveryInput, git, makePatch, makeRemote } from "./deliver-change-support.ts";
import { type GitHubStandIn, startGitHubStandIn } from "./github-stand-in.ts";

const TOKEN = "ghs_standInInstallationToken0123456789";
const BRANCH = "agentcore-repair/abcdef012345";

describe("deliver-change to GitHub (a loopback stand-in of exactly the endpoints it calls)", {
  timeout: 90_000,
}, () => {
  let root: string;
  let bare: string;
  let base: string;
  let patch: string;
  let expectedTree: string;
  let store: ArtifactStore;
  let github: GitHubStandIn;
  const appKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });

  const deps = (secret: DeliverySecret): DeliverChangeDependencies => ({
    artifacts: store,
    settings: {
      repositories: {
        widgets: {
          mode: "pull-request",
          github: { owner: "octo", repo: "calculator", apiUrl: github.apiUrl },
        },
      },
      defaultMode: "patch",
    },
    secret: async () => secret,
    octokitFor,
    now: () => new Date(),
    tmpRoot: root,
  });
  const rest = () => github.requests.filter((r) => r.path.startsWith("/api/"));

  beforeEach(async () => {
    // Prepare: the repository as GitHub would hold it (bare, served by git http-backend), and the exported patch.
    root = await mkdtemp(join(tmpdir(), "deliver-gh-"));
    const work = join(root, "work");
    base = await makeRemote(work);
    bare = join(root, "gh", "octo", "calculator.git");
    git(root, "clone", "--quiet", "--bare", work, bare);
    const scratch = join(root, "scratch");
    patch = await makePatch(work, scratch);
    expectedTree = git(scratch, "rev-parse", "HEAD^{tree}");
    store = new LocalArtifactStore(join(root, "artifacts"));
    await store.putText("runs/exec-1/change.patch", patch);
    github = await startGitHubStandIn({
      projectRoot: join(root, "gh"),
      owner: "octo",
      repo: "calculator",
      token: TOKEN,
      app: {
        appId: "4242",
        installationId: 77,
        publicKeyPem: appKeys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      },
    });
  });
  afterEach(async () => {
    await github.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("pushes the branch with the token and opens one draft pull request, also when retried", async () => {
    const input = deliveryInput({ sourceUrl: github.gitUrl, revision: base, patch });

    const first = await deliverChange(deps({ token: TOKEN }), input);
    const again = await deliverChange(deps({ token: TOKEN }), input);

    expect(first).toMatchObject({
      mode: "pull-request",
      branch: BRANCH,
      pullRequestUrl: "https://github.com/octo/calculator/pull/1",
      alreadyDelivered: false,
    });
    expect(again).toMatchObject({
      pullRequestUrl: first.pullRequestUrl,
      commit: first.commit,
      alreadyDelivered: true,
    });
    expect(git(bare, "rev-parse", `${BRANCH}^{tree}`)).toBe(expectedTree);
    expect(git(bare, "rev-parse", `${BRANCH}^`)).toBe(base);
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({ head: { ref: BRANCH }, base: { ref: "main" }, draft: true });
    expect(github.pulls[0]!.body).toContain(input.approval.patchSha256);
    // Exactly these REST calls, each with the token; every git request carried it as basic auth.
    expect(rest().map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/repos/octo/calculator/pulls",
      "POST /api/repos/octo/calculator/pulls",
      "GET /api/repos/octo/calculator/pulls",
    ]);
    expect(rest()[0]!.query).toMatchObject({ head: `octo:${BRANCH}`, state: "all" });
    expect(rest()[1]!.body).toMatchObject({ head: BRANCH, base: "main", draft: true });
    expect(rest().every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    const gitCalls = github.requests.filter((r) => r.path.startsWith("/git/"));
    expect(gitCalls.some((r) => r.path.endsWith("/git-receive-pack"))).toBe(true);
    expect(gitCalls.every((r) => r.authorization?.startsWith("Basic "))).toBe(true);
  });

  it("with a GitHub App, mints a token scoped to the one repository and reads the default branch", async () => {
    const input = deliveryInput({ sourceUrl: github.gitUrl, revision: base, patch });
    const noBranch = {
      ...input,
      request: { ...input.request, source: { kind: "git" as const, url: github.gitUrl } },
    };
    const secret: DeliverySecret = {
      githubApp: {
        appId: "4242",
        installationId: 77,
        privateKey: appKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      },
    };

    const result = await deliverChange(deps(secret), noBranch);

    expect(result.pullRequestUrl).toBe("https://github.com/octo/calculator/pull/1");
    const minted = rest()[0]!;
    expect(`${minted.method} ${minted.path}`).toBe("POST /api/app/installations/77/access_tokens");
    expect(minted.body).toEqual({
      repositories: ["calculator"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    expect(rest().map((r) => `${r.method} ${r.path}`)).toContain("GET /api/repos/octo/calculator");
    expect(github.requests.some((r) => r.path.endsWith("/git-receive-pack"))).toBe(true);
  });

  it("names a refused credential and pushes nothing", async () => {
    const input = deliveryInput({ sourceUrl: github.gitUrl, revision: base, patch });

    await expect(deliverChange(deps({ token: "ghp_revoked" }), input)).rejects.toMatchObject({
      name: "CredentialRefusedError",
    });
    expect(git(bare, "branch", "--list", "agentcore-repair/*")).toBe("");
    expect(github.pulls).toHaveLength(0);
  });

  it("names throttling, and the retry after it opens exactly one pull request", async () => {
    const input = deliveryInput({ sourceUrl: github.gitUrl, revision: base, patch });
    github.failNext(/^POST \/api\/repos\/octo\/calculator\/pulls$/, 403, { "x-ratelimit-remaining": "0" });

    await expect(deliverChange(deps({ token: TOKEN }), input)).rejects.toMatchObject({
      name: "ThrottledError",
    });
    const retried = await deliverChange(deps({ token: TOKEN }), input);

    expect(retried).toMatchObject({ branch: BRANCH, alreadyDelivered: false });
    expect(github.pulls).toHaveLength(1);
    expect(git(bare, "branch", "--list", "agentcore-repair/*", "--format=%(refname:short)")).toBe(BRANCH);
  });
});
