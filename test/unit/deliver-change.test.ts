import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import {
  type DeliverChangeDependencies,
  deliverChange,
  deliveryBranch,
} from "../../functions/deliver-change/deliver-change.ts";
import {
  type DeliverySettings,
  loadDeliverySettings,
} from "../../functions/deliver-change/delivery-config.ts";
import { remoteFailure } from "../../functions/deliver-change/git-delivery.ts";
import { deliveryInput, git, makePatch, makeRemote } from "./deliver-change-support.ts";

describe("deliver-change into a real git remote", { timeout: 60_000 }, () => {
  let root: string;
  let remote: string;
  let base: string;
  let patch: string;
  let expectedTree: string;
  let store: ArtifactStore;

  const settings = (mode: DeliverySettings["defaultMode"]): DeliverySettings => ({
    repositories: {},
    defaultMode: mode,
    localRoot: join(root, "sources"),
  });
  const deps = (mode: DeliverySettings["defaultMode"]): DeliverChangeDependencies => ({
    artifacts: store,
    settings: settings(mode),
    octokitFor: () => {
      throw new Error("no forge in local delivery");
    },
    now: () => new Date("2026-01-01T00:06:00.000Z"),
    tmpRoot: root,
  });
  const branches = () => git(remote, "branch", "--list", "agentcore-repair/*", "--format=%(refname:short)");

  beforeEach(async () => {
    // Prepare: a local source repository (the runner's "remote"), and the exported patch in the artifact store.
    root = await mkdtemp(join(tmpdir(), "deliver-"));
    remote = join(root, "sources", "k", "calculator");
    base = await makeRemote(remote);
    const scratch = join(root, "scratch");
    patch = await makePatch(remote, scratch);
    expectedTree = git(scratch, "rev-parse", "HEAD^{tree}");
    store = new LocalArtifactStore(join(root, "artifacts"));
    await store.putText("runs/exec-1/change.patch", patch);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("in patch mode pushes nothing and names the patch", async () => {
    const result = await deliverChange(
      deps("patch"),
      deliveryInput({ sourcePath: remote, revision: base, patch }),
    );

    expect(result).toMatchObject({ mode: "patch", branch: null, commit: null, pullRequestUrl: null });
    expect(result.patchKey).toBe("runs/exec-1/change.patch");
    expect(branches()).toBe("");
  });

  it("pushes a new branch whose tree is the prepared revision plus exactly the patch", async () => {
    const result = await deliverChange(
      deps("branch"),
      deliveryInput({ sourcePath: remote, revision: base, patch }),
    );

    expect(result).toMatchObject({
      mode: "branch",
      branch: "agentcore-repair/abcdef012345",
      alreadyDelivered: false,
    });
    expect(branches()).toBe("agentcore-repair/abcdef012345");
    expect(git(remote, "rev-parse", "agentcore-repair/abcdef012345")).toBe(result.commit);
    expect(git(remote, "rev-parse", `${result.commit}^{tree}`)).toBe(expectedTree);
    expect(git(remote, "rev-parse", `${result.commit}^`)).toBe(base);
    expect(git(remote, "log", "-1", "--format=%s", result.commit!)).toBe("Fix total() to sum the amounts");
    // The remote's own branch and work tree are untouched.
    expect(git(remote, "rev-parse", "main")).toBe(base);
    expect(git(remote, "status", "--porcelain")).toBe("");
  });

  it("finds its own branch when retried, and pushes no second one", async () => {
    const first = await deliverChange(
      deps("branch"),
      deliveryInput({ sourcePath: remote, revision: base, patch }),
    );
    const again = await deliverChange(
      deps("branch"),
      deliveryInput({ sourcePath: remote, revision: base, patch }),
    );
    // A resumed execution approves again later: a different commit date, the same change on the same base.
    const resumed = deliveryInput({ sourcePath: remote, revision: base, patch });
    const later = await deliverChange(deps("branch"), {
      ...resumed,
      approval: { ...resumed.approval, decidedAt: "2026-01-02T09:00:00.000Z" },
    });

    expect(again).toMatchObject({ alreadyDelivered: true, commit: first.commit, branch: first.branch });
    expect(later).toMatchObject({ alreadyDelivered: true, commit: first.commit });
    expect(branches()).toBe("agentcore-repair/abcdef012345");
  });

  it("never touches an existing branch of that name that is not this delivery", async () => {
    git(remote, "branch", "agentcore-repair/abcdef012345", base);

    await expect(
      deliverChange(deps("branch"), deliveryInput({ sourcePath: remote, revision: base, patch })),
    ).rejects.toMatchObject({ name: "PlatformError", message: expect.stringMatching(/already exists/) });
    expect(git(remote, "rev-parse", "agentcore-repair/abcdef012345")).toBe(base);
  });

  it("names a moved base: the prepared revision is gone from the remote", async () => {
    // Someone rewrote main's history and the old revision was pruned.
    git(remote, "commit", "--quiet", "--amend", "-m", "rewritten base");
    git(remote, "reflog", "expire", "--expire=now", "--all");
    git(remote, "gc", "--quiet", "--prune=now");

    await expect(
      deliverChange(deps("branch"), deliveryInput({ sourcePath: remote, revision: base, patch })),
    ).rejects.toMatchObject({ name: "PatchDoesNotApplyError" });
    expect(branches()).toBe("");
  });

  it("names a patch that does not apply to the prepared revision", async () => {
    await writeFile(join(remote, "src/calculator.js"), "export const total = () => 0;\n");
    git(remote, "commit", "--quiet", "-am", "a different base");
    const moved = git(remote, "rev-parse", "HEAD");

    await expect(
      deliverChange(deps("branch"), deliveryInput({ sourcePath: remote, revision: moved, patch })),
    ).rejects.toMatchObject({
      name: "PatchDoesNotApplyError",
      message: expect.stringMatching(/does not apply/),
    });
    expect(branches()).toBe("");
  });

  it("refuses a patch whose bytes changed after approval, and an approval for another patch", async () => {
    await store.putText("runs/exec-1/change.patch", patch.replace("a + b", "a * b"));
    await expect(
      deliverChange(deps("branch"), deliveryInput({ sourcePath: remote, revision: base, patch })),
    ).rejects.toMatchObject({
      name: "PatchMismatchError",
      message: expect.stringMatching(/changed after approval/),
    });

    const input = deliveryInput({ sourcePath: remote, revision: base, patch });
    await expect(
      deliverChange(deps("branch"), {
        ...input,
        approval: { ...input.approval, patchSha256: "0".repeat(64) },
      }),
    ).rejects.toMatchObject({ name: "PatchMismatchError" });
    expect(branches()).toBe("");
  });

  it("delivers to a local repository only under DELIVERY_LOCAL_ROOT", async () => {
    const elsewhere = join(root, "elsewhere");
    const otherBase = await makeRemote(elsewhere);

    await expect(
      deliverChange(deps("branch"), deliveryInput({ sourcePath: elsewhere, revision: otherBase, patch })),
    ).rejects.toMatchObject({
      name: "ValidationFailedError",
      message: expect.stringMatching(/DELIVERY_LOCAL_ROOT/),
    });
  });
});

describe("delivery configuration", () => {
  it("reads modes per repository and names bad fields", () => {
    const settings = loadDeliverySettings({
      DELIVERY_CONFIGS: JSON.stringify({ widgets: { mode: "pull-request", baseBranch: "main" } }),
      DELIVERY_DEFAULT_MODE: "branch",
    });
    expect(settings.repositories.widgets).toEqual({ mode: "pull-request", baseBranch: "main" });
    expect(settings.defaultMode).toBe("branch");
    expect(loadDeliverySettings({}).defaultMode).toBe("patch");

    expect(() =>
      loadDeliverySettings({ DELIVERY_CONFIGS: JSON.stringify({ widgets: { mode: "push", token: "x" } }) }),
    ).toThrow(/DELIVERY_CONFIGS\.widgets\.mode/);
    expect(() =>
      loadDeliverySettings({
        DELIVERY_CONFIGS: JSON.stringify({
          w: { mode: "branch", remoteUrl: "https://u:p@example.com/r.git" },
        }),
      }),
    ).toThrow(/must not carry credentials/);
    expect(() => loadDeliverySettings({ DELIVERY_DEFAULT_MODE: "force" })).toThrow(/DELIVERY_DEFAULT_MODE/);
  });

  it("derives one branch per request", () => {
    expect(deliveryBranch("ABCDEF0123456789")).toBe("agentcore-repair/abcdef012345");
    expect(() => deliveryBranch("xyz")).toThrow(/request.requestId/);
  });

  it("classifies remote failures by what can be done about them", () => {
    expect(
      remoteFailure("push", "fatal: unable to access 'x': The requested URL returned error: 403").name,
    ).toBe("CredentialRefusedError");
    expect(remoteFailure("push", "remote: Permission to o/r.git denied to bot.").name).toBe(
      "CredentialRefusedError",
    );
    expect(remoteFailure("fetch", "The requested URL returned error: 429").name).toBe("ThrottledError");
    expect(remoteFailure("fetch", "fatal: unable to access 'x': Could not resolve host: x").name).toBe(
      "TransientError",
    );
    expect(remoteFailure("push", "! [rejected] (fetch first)").name).toBe("PlatformError");
  });
});
