import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApprovers } from "#lib/approvals/approvers.ts";
import { FileApprovalStore } from "#lib/approvals/file-approval-store.ts";
import { FileAuditLog } from "#lib/approvals/file-audit-log.ts";
import { type ApprovalNotice, callbackNotifier } from "#lib/approvals/notifier.ts";
import { keyFileSigningKey } from "#lib/approvals/signing-key.ts";
import { createApprovalApiHandler } from "../../functions/approval-api/handler.ts";
import { createRequestApprovalHandler } from "../../functions/request-approval/handler.ts";
import { ApprovalPageError, decide, readPageForm } from "../../infra/local/approvals/approval-client.ts";
import { type ApprovalServer, startApprovalServer } from "../../infra/local/approvals/approval-server.ts";
import { TaskTokenRegistry } from "../../infra/local/runner/task-tokens.ts";
import { readAudit, waitForApprovalPayload } from "../unit/approvals-support.ts";

/**
 * The approval API on loopback, over real HTTP: request-approval makes the link, the client helper follows it like
 * a browser (GET the page, POST its form), and the local runner's task-token registry receives the answer.
 */

let directory: string;
let server: ApprovalServer;
let registry: TaskTokenRegistry;
let requestApproval: ReturnType<typeof createRequestApprovalHandler>;
const notices: ApprovalNotice[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "approval-server-"));
  const store = new FileApprovalStore(join(directory, "approvals.json"));
  const audit = new FileAuditLog(join(directory, "audit.jsonl"));
  const signingKey = keyFileSigningKey(join(directory, "approval.key"));
  registry = new TaskTokenRegistry();
  // The server authenticates every request as the terminal's user; the allow-list names them.
  server = await startApprovalServer({
    approver: "local:dana",
    handler: createApprovalApiHandler({
      store,
      audit,
      signingKey,
      taskCallback: registry,
      isApprover: parseApprovers(JSON.stringify({ "*": ["local:dana"] })),
    }),
  });
  requestApproval = createRequestApprovalHandler({
    store,
    audit,
    signingKey,
    notifier: callbackNotifier((notice) => {
      notices.push(notice);
    }),
    baseUrl: server.baseUrl,
    ttlSeconds: 3600,
    ledger: undefined,
  });
});

afterAll(async () => {
  await server.stop();
  await rm(directory, { recursive: true, force: true });
});

/** A task waiting on its token, as the runner's "Wait for approval" leaves it, with the person's link. */
async function waitingApproval(command = "git push origin main") {
  const taskToken = registry.newToken();
  const waiting = registry.wait(taskToken);
  // Keep an early rejection from being reported as unhandled before the test awaits it.
  waiting.catch(() => undefined);
  const { approvalId } = await requestApproval(waitForApprovalPayload({ command, taskToken }));
  const notice = notices.find((candidate) => candidate.approvalId === approvalId)!;
  return { taskToken, waiting, approvalId, link: notice.link };
}

describe("local approval server", () => {
  it("serves on loopback with an ephemeral port", () => {
    // Assess
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseUrl.endsWith(":0")).toBe(false);
  });

  it("approves through the page's form and resolves the waiting task with the decision", async () => {
    // Prepare
    const { waiting, approvalId, link, taskToken } = await waitingApproval();
    // Act
    const result = await decide(link, "approve", "looks right");
    // Assess
    expect(result).toMatchObject({ ok: true, status: 200, title: "Approved" });
    await expect(waiting).resolves.toMatchObject({
      decision: "approved",
      approvalId,
      decidedBy: "local:dana",
    });
    expect(registry.isWaiting(taskToken)).toBe(false);
  });

  it("denies with a reason and fails the waiting task with ApprovalDeniedError", async () => {
    // Prepare
    const { waiting, link } = await waitingApproval("terraform apply -auto-approve");
    // Act
    const result = await decide(link, "deny", "not during the freeze");
    // Assess
    expect(result).toMatchObject({ ok: true, status: 200, title: "Denied" });
    const failure = (await waiting.then(
      () => new Error("the task was answered with success"),
      (error: unknown) => error,
    )) as Error;
    expect(failure.name).toBe("ApprovalDeniedError");
    expect(JSON.parse(failure.message)).toMatchObject({
      reason: "not during the freeze",
      decidedBy: "local:dana",
    });
  });

  it("refuses a replayed form with 409, and a later visit shows the decision without a form", async () => {
    // Prepare
    const { link, approvalId } = await waitingApproval("npm publish");
    const page = await fetch(link);
    const form = readPageForm(await page.text())!;
    const token = form.controls
      .find((control) => control.attributes.get("name") === "token")!
      .attributes.get("value")!;
    await decide(link, "approve", undefined);
    // Act
    const replay = await fetch(new URL(form.action, link), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, decidedBy: "Mallory", decision: "approve" }).toString(),
    });
    const revisit = decide(link, "deny", "too late");
    // Assess
    expect(replay.status).toBe(409);
    await expect(revisit).rejects.toBeInstanceOf(ApprovalPageError);
    await expect(revisit).rejects.toMatchObject({ status: 409, title: "Already decided" });
    const outcomes = (await readAudit(join(directory, "audit.jsonl")))
      .filter((row) => row.approvalId === approvalId)
      .map((row) => row.outcome);
    expect(outcomes).toEqual(["requested", "approved", "refused-replayed"]);
  });

  it("refuses a tampered link with 403 and leaves the task waiting", async () => {
    // Prepare
    const { link, taskToken } = await waitingApproval("kubectl apply -f prod.yaml");
    const tampered = link.replace(
      /token=./,
      (match) => `${match.slice(0, -1)}${match.endsWith("A") ? "B" : "A"}`,
    );
    // Act
    const attempt = decide(tampered, "approve", undefined);
    // Assess
    await expect(attempt).rejects.toMatchObject({ status: 403, title: "Link not valid" });
    expect(registry.isWaiting(taskToken)).toBe(true);
  });

  it("GET over HTTP never decides and sends the protective headers", async () => {
    // Prepare
    const { link, taskToken } = await waitingApproval("aws s3 rm s3://bucket --recursive");
    // Act
    const first = await fetch(link);
    const second = await fetch(link);
    // Assess
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(registry.isWaiting(taskToken)).toBe(true);
    expect(first.headers.get("cache-control")).toBe("no-store, max-age=0");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    expect(first.headers.get("referrer-policy")).toBe("no-referrer");
    expect(first.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("answers 405 for other methods, 404 outside /approvals/{id}, and 413 for oversized bodies", async () => {
    // Prepare
    const { link } = await waitingApproval("helm upgrade app ./chart");
    const pageUrl = link.split("?")[0]!;
    // Act
    const put = await fetch(pageUrl, { method: "PUT" });
    const elsewhere = await fetch(`${server.baseUrl}/admin`);
    const huge = await fetch(pageUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "x".repeat(70_000),
    });
    // Assess
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(elsewhere.status).toBe(404);
    expect(huge.status).toBe(413);
  });

  it("refuses to listen on a non-loopback address", async () => {
    // Act
    const attempt = startApprovalServer({ handler: createApprovalApiHandler(), host: "0.0.0.0" });
    // Assess
    await expect(attempt).rejects.toThrow(/not a loopback address/);
  });
});
