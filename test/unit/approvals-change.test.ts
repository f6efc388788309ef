import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIFF_INLINE_MAX_CHARS } from "#lib/approvals/change-review.ts";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import {
  type ApprovalHarness,
  createApprovalHarness,
  formBody,
  proxyEvent,
  readAudit,
  recordOf,
  tokenOf,
  waitForChangePayload,
} from "./approvals-support.ts";

/** Approvals of a diff: bound to the exact patch bytes, shown as a diff, decided once, by an authenticated approver. */

const PATCH = [
  "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001",
  "Subject: [PATCH] Fix total()",
  "",
  "diff --git a/src/calculator.js b/src/calculator.js",
  "--- a/src/calculator.js",
  "+++ b/src/calculator.js",
  "@@ -1,3 +1,3 @@",
  " export function total(xs) {",
  "-  return xs.reduce((a, b) => a - b, 0);",
  "+  return xs.reduce((a, b) => a + b, 0);",
  " }",
  "diff --git a/package.json b/package.json",
  "--- a/package.json",
  "+++ b/package.json",
  "@@ -2 +2 @@",
  '-  "scripts": { "test": "node --test" }',
  '+  "scripts": { "test": "node --test <script>x</script>" }',
  "",
].join("\n");

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

function change(patch: string, overrides: Record<string, unknown> = {}) {
  return {
    purpose: "delivery",
    patchKey: "runs/exec-0001/change.patch",
    patchSha256: sha256(patch),
    files: [
      { path: "src/calculator.js", status: "modified", binary: false, insertions: 1, deletions: 1 },
      {
        path: "package.json",
        status: "modified",
        binary: false,
        insertions: 1,
        deletions: 1,
        surface: "package.json scripts",
      },
    ],
    stats: { files: 2, insertions: 2, deletions: 2 },
    flags: [{ path: "package.json", reason: "execution surface: package.json scripts" }],
    validation: { outcome: "passed", exitCode: 0, command: "npm test" },
    ...overrides,
  };
}

let harness: ApprovalHarness;
let artifacts: ArtifactStore;
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "change-approvals-"));
  artifacts = new LocalArtifactStore(directory);
  harness = await createApprovalHarness({ artifacts });
});
afterEach(async () => {
  await harness.dispose();
  await rm(directory, { recursive: true, force: true });
});

async function requestedChange(patch: string, overrides: Record<string, unknown> = {}) {
  await artifacts.putText("runs/exec-0001/change.patch", patch);
  const result = await harness.requestApproval(waitForChangePayload(change(patch, overrides)));
  const notice = harness.notices.at(-1)!;
  return { approvalId: result.approvalId, token: tokenOf(notice.link), notice };
}

function post(approvalId: string, token: string, decision: "approve" | "deny", approver = "Dana") {
  return harness.api(
    proxyEvent({
      method: "POST",
      approvalId,
      body: formBody({ token, decision }),
      contentType: "application/x-www-form-urlencoded",
      approver,
    }),
  );
}

describe("approval of a diff", () => {
  it("shows the diff, decides once on POST, and answers the workflow with the patch's hash", async () => {
    // Prepare
    const { approvalId, token } = await requestedChange(PATCH);
    // Act
    const shown = await harness.api(proxyEvent({ method: "GET", approvalId, token }));
    const shownAgain = await harness.api(proxyEvent({ method: "GET", approvalId, token }));
    const decided = await post(approvalId, token, "approve");
    const replayed = await post(approvalId, token, "deny");
    // Assess
    expect(shown.statusCode).toBe(200);
    expect(shownAgain.statusCode).toBe(200);
    expect(shown.body).toContain("A change waits for your decision");
    expect(shown.body).toContain("src/calculator.js");
    expect(shown.body).toContain("execution surface: package.json scripts");
    expect(shown.body).toContain('<span class="add">+  return xs.reduce((a, b) =&gt; a + b, 0);</span>');
    expect(shown.body).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(shown.body).not.toContain("<script>");
    expect(shown.body).toContain("passed (exit 0): npm test");
    expect(shown.body).toContain(sha256(PATCH));
    expect(shown.body).toContain("Approve: deliver this change");
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain("delivers the change");
    expect(replayed.statusCode).toBe(409);
    expect(harness.callback.successes).toHaveLength(1);
    expect(harness.callback.successes[0]!.output).toMatchObject({
      decision: "approved",
      approvalId,
      patchSha256: sha256(PATCH),
      decidedBy: "Dana",
    });
    const audit = await readAudit(harness.auditPath);
    expect(audit.map((row) => row.outcome)).toEqual(["requested", "approved", "refused-replayed"]);
  });

  it("refuses a patch whose bytes are not the hash the workflow names", async () => {
    // Prepare
    await artifacts.putText("runs/exec-0001/change.patch", PATCH);
    // Act
    const attempt = harness.requestApproval(
      waitForChangePayload(change(PATCH, { patchSha256: sha256(`${PATCH}tampered`) })),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "PatchMismatchError" });
    expect(harness.notices).toHaveLength(0);
  });

  it("refuses a diff that display redaction would mask (an AWS key in the patch) as unreviewable", async () => {
    // Prepare
    const withKey = PATCH.replace("a + b", "a + b; // AKIAIOSFODNN7EXAMPLQ");
    await artifacts.putText("runs/exec-0001/change.patch", withKey);
    // Act
    const attempt = harness.requestApproval(waitForChangePayload(change(withKey)));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "UnreviewableChangeError" });
    expect(harness.notices).toHaveLength(0);
  });

  it("shows a large diff up to the bound inline and the whole patch behind its link, re-checked", async () => {
    // Prepare
    const filler = Array.from({ length: 3000 }, (_, i) => `+line ${i} ${"x".repeat(40)}`).join("\n");
    const large = `${PATCH}diff --git a/big.txt b/big.txt\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,3000 @@\n${filler}\n`;
    const { approvalId, token } = await requestedChange(large);
    const patchEvent = () =>
      proxyEvent({ method: "GET", approvalId, token, resource: "/approvals/{approvalId}/patch" });
    // Act
    const shown = await harness.api(proxyEvent({ method: "GET", approvalId, token }));
    const full = await harness.api(patchEvent());
    await artifacts.putText("runs/exec-0001/change.patch", `${large}+sneaked in\n`);
    const changed = await harness.api(patchEvent());
    // Assess
    expect(large.length).toBeGreaterThan(DIFF_INLINE_MAX_CHARS);
    expect(shown.body).toMatch(/The first \d+ of \d+ bytes are shown/);
    expect(shown.body).toContain(`${approvalId}/patch?token=`);
    expect(shown.body).not.toContain("+line 2999 ");
    expect(full.statusCode).toBe(200);
    expect(full.headers?.["Content-Type"]).toBe("text/plain; charset=utf-8");
    expect(full.body).toBe(large);
    expect(changed.statusCode).toBe(409);
    expect((await recordOf(harness, approvalId)).status).toBe("pending");
  });
});
