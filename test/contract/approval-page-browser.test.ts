import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApprovers } from "#lib/approvals/approvers.ts";
import { FileApprovalStore } from "#lib/approvals/file-approval-store.ts";
import { FileAuditLog } from "#lib/approvals/file-audit-log.ts";
import { type ApprovalNotice, callbackNotifier } from "#lib/approvals/notifier.ts";
import { keyFileSigningKey } from "#lib/approvals/signing-key.ts";
import { LocalArtifactStore } from "#lib/local-artifact-store.ts";
import { createApprovalApiHandler } from "../../functions/approval-api/handler.ts";
import { createRequestApprovalHandler } from "../../functions/request-approval/handler.ts";
import { type ApprovalServer, startApprovalServer } from "../../infra/local/approvals/approval-server.ts";
import { TaskTokenRegistry } from "../../infra/local/runner/task-tokens.ts";
import { waitForChangePayload } from "../unit/approvals-support.ts";

/**
 * The approval page of a diff in a real browser: Debian's headless Chromium (installed by .ci/run, never
 * downloaded), driven by playwright-core, against the local approval server. Set APPROVAL_PAGE_SCREENSHOT=<path>
 * to keep a screenshot (docs/approval-page.png was made so).
 */

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const PATCH = [
  "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001",
  "From: agentcore-repair <agentcore-repair@users.noreply.github.com>",
  "Subject: [PATCH] Fix total() to sum the amounts",
  "",
  "diff --git a/src/calculator.js b/src/calculator.js",
  "index 3b18e51..a1c2f0d 100644",
  "--- a/src/calculator.js",
  "+++ b/src/calculator.js",
  "@@ -1,5 +1,5 @@",
  " export function total(amounts) {",
  "-  return amounts.reduce((sum, x) => sum - x, 0);",
  "+  return amounts.reduce((sum, x) => sum + x, 0);",
  " }",
  " ",
  " export const average = (xs) => total(xs) / xs.length;",
  "diff --git a/test/calculator.test.js b/test/calculator.test.js",
  "index 5d1e2aa..77c90b1 100644",
  "--- a/test/calculator.test.js",
  "+++ b/test/calculator.test.js",
  "@@ -8,3 +8,3 @@ test('total sums every amount', () => {",
  "-  assert.equal(total([1, 2, 3]), -6);",
  "+  assert.equal(total([1, 2, 3]), 6);",
  " });",
  "",
].join("\n");

describe("the approval page of a diff in Chromium", { timeout: 120_000 }, () => {
  let directory: string;
  let server: ApprovalServer;
  let browser: Browser;
  let link: string;
  let waiting: Promise<unknown>;
  let taskToken: string;
  const registry = new TaskTokenRegistry();
  const notices: ApprovalNotice[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "approval-browser-"));
    const store = new FileApprovalStore(join(directory, "approvals.json"));
    const audit = new FileAuditLog(join(directory, "audit.jsonl"));
    const signingKey = keyFileSigningKey(join(directory, "approval.key"));
    const artifacts = new LocalArtifactStore(join(directory, "artifacts"));
    server = await startApprovalServer({
      approver: "local:dana",
      handler: createApprovalApiHandler({
        store,
        audit,
        signingKey,
        taskCallback: registry,
        artifacts,
        isApprover: parseApprovers(JSON.stringify({ "*": ["local:dana"] })),
      }),
    });
    const requestApproval = createRequestApprovalHandler({
      store,
      audit,
      signingKey,
      artifacts,
      notifier: callbackNotifier((notice) => void notices.push(notice)),
      baseUrl: server.baseUrl,
      ttlSeconds: 3600,
      ledger: undefined,
    });
    await artifacts.putText("runs/exec-0001/change.patch", PATCH);
    taskToken = registry.newToken();
    waiting = registry.wait(taskToken);
    waiting.catch(() => undefined);
    await requestApproval(
      waitForChangePayload(
        {
          purpose: "delivery",
          patchKey: "runs/exec-0001/change.patch",
          patchSha256: createHash("sha256").update(PATCH, "utf8").digest("hex"),
          files: [
            { path: "src/calculator.js", status: "modified", binary: false, insertions: 1, deletions: 1 },
            {
              path: "test/calculator.test.js",
              status: "modified",
              binary: false,
              insertions: 1,
              deletions: 1,
              testFile: true,
            },
          ],
          stats: { files: 2, insertions: 2, deletions: 2 },
          flags: [{ path: "test/calculator.test.js", reason: "the agent changed a test" }],
          validation: { outcome: "passed", exitCode: 0, command: "npm test" },
        },
        taskToken,
      ),
    );
    link = notices[0]!.link;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("renders the diff; GET and a reload decide nothing; the form decides once on POST; a second decision is refused", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });

    // Act + Assess: the page shows the change, and neither showing nor reloading decides.
    const shown = await page.goto(link);
    expect(shown?.status()).toBe(200);
    await expect(page.title()).resolves.toBe("A change waits for your decision");
    expect(await page.locator("table tbody tr").count()).toBe(2);
    expect(await page.locator("span.add").first().textContent()).toBe(
      "+  return amounts.reduce((sum, x) => sum + x, 0);",
    );
    expect(await page.locator("li.flag").textContent()).toContain("the agent changed a test");
    expect(await page.textContent("body")).toContain("passed (exit 0): npm test");
    if (process.env.APPROVAL_PAGE_SCREENSHOT) {
      await page.screenshot({ path: process.env.APPROVAL_PAGE_SCREENSHOT, fullPage: true });
    }
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    expect(registry.isWaiting(taskToken)).toBe(true);

    // The full-patch link serves exactly the approved bytes.
    const patchHref = await page.locator('a[href*="/patch?token="]').getAttribute("href");
    const patch = await page.context().request.get(new URL(patchHref!, link).toString());
    expect(await patch.text()).toBe(PATCH);

    // The form decides, on POST.
    await page.getByRole("button", { name: "Approve: deliver this change" }).click();
    await page.waitForLoadState();
    await expect(page.title()).resolves.toBe("Approved");
    await expect(waiting).resolves.toMatchObject({ decision: "approved", decidedBy: "local:dana" });

    // Back to the link: already decided, no form; a replayed POST of the form is refused.
    const second = await browser.newPage();
    const again = await second.goto(link);
    expect(again?.status()).toBe(409);
    expect(await second.locator("form").count()).toBe(0);
    await page.goBack();
    await page.reload();
    expect(await page.locator("form").count()).toBe(0);
  });
});
