import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDecisionToken } from "#lib/approvals/decision-token.ts";
import { commandHash } from "#lib/command-hash.ts";
import {
  type ApprovalHarness,
  createApprovalHarness,
  formBody,
  proxyEvent,
  readAudit,
  recordOf,
  tokenOf,
  waitForApprovalPayload,
} from "./approvals-support.ts";

/**
 * The approval protocol end to end, in-process: request-approval's handler (as "Wait for approval" calls it) makes
 * the record and the link; the approval-api handler (as API Gateway calls it) shows and decides; the recording
 * task callback stands in for Step Functions.
 */

let harness: ApprovalHarness;

beforeEach(async () => {
  harness = await createApprovalHarness();
});
afterEach(async () => {
  await harness.dispose();
});

async function requested(fixture: Parameters<typeof waitForApprovalPayload>[0] = {}) {
  const payload = waitForApprovalPayload(fixture);
  const result = await harness.requestApproval(payload);
  const notice = harness.notices.at(-1)!;
  return { payload, result, notice, token: tokenOf(notice.link), approvalId: result.approvalId };
}

/** A decision by the person signed in as `decidedBy` (the authorizer's identity; the form has no such field). */
function post(approvalId: string, fields: Record<string, string>) {
  const { decidedBy, ...form } = fields;
  return harness.api(
    proxyEvent({
      method: "POST",
      approvalId,
      body: formBody(form),
      contentType: "application/x-www-form-urlencoded",
      ...(decidedBy === undefined ? {} : { approver: decidedBy }),
    }),
  );
}

function show(approvalId: string, token?: string) {
  return harness.api(proxyEvent({ method: "GET", approvalId, ...(token === undefined ? {} : { token }) }));
}

describe("happy path", () => {
  it("shows the pending command, and an approval answers the waiting task with SendTaskSuccess", async () => {
    // Prepare
    const { payload, approvalId, token, notice } = await requested();
    // Act
    const page = await show(approvalId, token);
    const decided = await post(approvalId, {
      token,
      decision: "approve",
      decidedBy: "Dana Ops",
      reason: "release",
    });
    // Assess
    expect(notice.link).toBe(
      `https://approvals.example.test/approvals/approvals/${approvalId}?token=${token}`,
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("git push origin repair/fix-tests");
    expect(page.body).toContain(`<form method="post" action="${approvalId}">`);
    expect(page.body).toContain(`name="token" value="${token}"`);
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain("Approved by Dana Ops");
    expect(harness.callback.failures).toEqual([]);
    expect(harness.callback.successes).toEqual([
      {
        taskToken: payload.taskToken,
        output: {
          decision: "approved",
          approvalId,
          commandHash: payload.command.commandHash,
          decidedBy: "Dana Ops",
          decidedAt: "2026-03-01T10:00:00.000Z",
        },
      },
    ]);
    const record = await recordOf(harness, approvalId);
    expect(record).toMatchObject({ status: "approved", decidedBy: "Dana Ops", reason: "release" });
    const audit = await readAudit(harness.auditPath);
    expect(audit.map((row) => row.outcome)).toEqual(["requested", "approved"]);
    expect(audit[1]).toMatchObject({
      actor: "Dana Ops",
      approvalId,
      executionName: "exec-0001",
      commandHash: payload.command.commandHash,
    });
  });

  it("binds the record to execution, session, runtime, repository, the exact command and its hash", async () => {
    // Prepare
    const { payload, approvalId, result } = await requested({ requestedBy: "ci-bot" });
    // Act
    const record = await recordOf(harness, approvalId);
    // Assess
    expect(record).toMatchObject({
      executionName: "exec-0001",
      sessionId: payload.request.sessionId,
      runtimeArn: payload.request.runtimeArn,
      repoName: "sample-repo",
      command: payload.command.command,
      commandHash: commandHash(payload.command.command),
      classes: ["vcs-remote"],
      requester: "ci-bot",
      status: "pending",
      taskToken: payload.taskToken,
      createdAt: "2026-03-01T10:00:00.000Z",
      expiresAt: Date.parse("2026-03-01T11:00:00.000Z") / 1000,
    });
    expect(result.expiresAt).toBe("2026-03-01T11:00:00.000Z");
  });

  it("accepts the same fields as JSON", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act
    const decided = await harness.api(
      proxyEvent({
        method: "POST",
        approvalId,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({ token, decision: "approve" }),
        approver: "api-user",
      }),
    );
    // Assess
    expect(decided.statusCode).toBe(200);
    expect(harness.callback.successes).toHaveLength(1);
  });
});

describe("deny", () => {
  it("answers the task with SendTaskFailure ApprovalDeniedError and a JSON cause", async () => {
    // Prepare
    const { payload, approvalId, token } = await requested();
    // Act
    const decided = await post(approvalId, {
      token,
      decision: "deny",
      decidedBy: "Sam",
      reason: "no pushes on Fridays",
    });
    // Assess
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain("Denied by Sam");
    expect(harness.callback.successes).toEqual([]);
    expect(harness.callback.failures).toHaveLength(1);
    const [failure] = harness.callback.failures;
    expect(failure!.taskToken).toBe(payload.taskToken);
    expect(failure!.error).toBe("ApprovalDeniedError");
    expect(JSON.parse(failure!.cause)).toEqual({
      approvalId,
      commandHash: payload.command.commandHash,
      reason: "no pushes on Fridays",
      decidedBy: "Sam",
    });
    expect((await recordOf(harness, approvalId)).status).toBe("denied");
    expect((await readAudit(harness.auditPath)).map((row) => row.outcome)).toEqual(["requested", "denied"]);
  });
});

describe("expiry", () => {
  it("refuses a late decision with 410, marks the approval expired and fails the task with ApprovalExpiredError", async () => {
    // Prepare
    const { payload, approvalId, token } = await requested();
    harness.clock.advanceSeconds(3600);
    // Act
    const late = await post(approvalId, { token, decision: "approve", decidedBy: "Late Larry" });
    const again = await post(approvalId, { token, decision: "approve", decidedBy: "Late Larry" });
    // Assess
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain("Approval expired");
    expect(again.statusCode).toBe(410);
    expect(harness.callback.successes).toEqual([]);
    expect(harness.callback.failures).toHaveLength(1);
    expect(harness.callback.failures[0]!.error).toBe("ApprovalExpiredError");
    expect(JSON.parse(harness.callback.failures[0]!.cause)).toMatchObject({
      approvalId,
      commandHash: payload.command.commandHash,
      expiresAt: "2026-03-01T11:00:00.000Z",
    });
    expect((await recordOf(harness, approvalId)).status).toBe("expired");
    expect((await readAudit(harness.auditPath)).map((row) => row.outcome)).toEqual([
      "requested",
      "expired",
      "refused-expired",
      "refused-expired",
    ]);
  });

  it("still decides one second before the deadline", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    harness.clock.advanceSeconds(3599);
    // Act
    const decided = await post(approvalId, { token, decision: "approve", decidedBy: "Just In Time" });
    // Assess
    expect(decided.statusCode).toBe(200);
    expect(harness.callback.successes).toHaveLength(1);
  });

  it("shows 410 on GET after the deadline without changing anything", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    harness.clock.advanceSeconds(4000);
    const before = await recordOf(harness, approvalId);
    // Act
    const page = await show(approvalId, token);
    // Assess
    expect(page.statusCode).toBe(410);
    expect(page.body).not.toContain("<form");
    expect(await recordOf(harness, approvalId)).toEqual(before);
    expect(harness.callback.calls).toBe(0);
  });
});

describe("replay", () => {
  it("refuses a second POST with 409 and never calls the task twice", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    const fields = { token, decision: "approve", decidedBy: "Dana" };
    await post(approvalId, fields);
    // Act
    const replayed = await post(approvalId, fields);
    const flipped = await post(approvalId, { ...fields, decision: "deny", reason: "changed my mind" });
    // Assess
    expect(replayed.statusCode).toBe(409);
    expect(replayed.body).toContain("Already decided");
    expect(flipped.statusCode).toBe(409);
    expect(harness.callback.successes).toHaveLength(1);
    expect(harness.callback.failures).toHaveLength(0);
    expect((await recordOf(harness, approvalId)).status).toBe("approved");
    expect((await readAudit(harness.auditPath)).map((row) => row.outcome)).toEqual([
      "requested",
      "approved",
      "refused-replayed",
      "refused-replayed",
    ]);
  });

  it("lets exactly one of two simultaneous decisions win", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act
    const results = await Promise.all([
      post(approvalId, { token, decision: "approve", decidedBy: "A" }),
      post(approvalId, { token, decision: "deny", decidedBy: "B", reason: "no" }),
    ]);
    // Assess
    expect(results.map((result) => result.statusCode).sort()).toEqual([200, 409]);
    expect(harness.callback.calls).toBe(1);
  });
});

describe("forgery", () => {
  function tamperPayload(token: string): string {
    const [payload, mac] = token.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { e: number };
    claims.e += 86_400;
    return `${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${mac}`;
  }

  function tamperMac(token: string): string {
    const [payload, mac] = token.split(".") as [string, string];
    const bytes = Buffer.from(mac, "base64url");
    bytes[0] = bytes[0]! ^ 0x01;
    return `${payload}.${bytes.toString("base64url")}`;
  }

  it.each([
    ["a tampered payload (later expiry)", tamperPayload],
    ["a tampered mac", tamperMac],
    ["a truncated token", (token: string) => token.slice(0, -3)],
    ["no mac", (token: string) => token.split(".")[0]!],
    ["garbage", () => "not-a-token"],
  ])("refuses %s with 403, audits it, and changes nothing", async (_label, forge) => {
    // Prepare
    const { approvalId, token } = await requested();
    const before = await recordOf(harness, approvalId);
    // Act
    const refused = await post(approvalId, {
      token: forge(token),
      decision: "approve",
      decidedBy: "Mallory",
    });
    // Assess
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("Link not valid");
    expect(harness.callback.calls).toBe(0);
    expect(await recordOf(harness, approvalId)).toEqual(before);
    const audit = await readAudit(harness.auditPath);
    expect(audit.at(-1)).toMatchObject({ outcome: "refused-forged", approvalId, actor: "Mallory" });
  });

  it("refuses a token signed with another key", async () => {
    // Prepare
    const { approvalId, payload } = await requested();
    const otherKey = Buffer.alloc(32, 7);
    const token = createDecisionToken(otherKey, {
      approvalId,
      commandHash: payload.command.commandHash,
      expiresAt: Date.parse("2026-03-01T11:00:00.000Z") / 1000,
      nonce: "AAAAAAAAAAAAAAAAAAAAAA",
    });
    // Act
    const refused = await post(approvalId, { token, decision: "approve", decidedBy: "Mallory" });
    // Assess
    expect(refused.statusCode).toBe(403);
    expect(harness.callback.calls).toBe(0);
  });

  it("refuses a token of one approval used on another", async () => {
    // Prepare
    const first = await requested();
    const second = await requested({ command: "npm publish" });
    // Act
    const refused = await post(second.approvalId, {
      token: first.token,
      decision: "approve",
      decidedBy: "Mallory",
    });
    // Assess
    expect(refused.statusCode).toBe(403);
    expect(harness.callback.calls).toBe(0);
    expect((await readAudit(harness.auditPath)).at(-1)?.outcome).toBe("refused-wrong-approval");
  });
});

describe("wrong command", () => {
  it("refuses a validly signed token made for another command text with 403", async () => {
    // Prepare
    const { approvalId } = await requested();
    const record = await recordOf(harness, approvalId);
    const key = await harness.signingKey();
    const token = createDecisionToken(key, {
      approvalId,
      commandHash: commandHash("git push --force origin main"),
      expiresAt: record.expiresAt,
      nonce: record.tokenNonce,
    });
    // Act
    const page = await show(approvalId, token);
    const refused = await post(approvalId, { token, decision: "approve", decidedBy: "Mallory" });
    // Assess
    expect(page.statusCode).toBe(403);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("different command text");
    expect(harness.callback.calls).toBe(0);
    expect((await recordOf(harness, approvalId)).status).toBe("pending");
    expect((await readAudit(harness.auditPath)).at(-1)).toMatchObject({
      outcome: "refused-wrong-command",
      commandHash: record.commandHash,
    });
  });

  it("refuses a review whose hash is not the hash of its command text", async () => {
    // Prepare
    const payload = waitForApprovalPayload();
    const inconsistent = { ...payload, command: { ...payload.command, command: "git push --force" } };
    // Act
    const attempt = harness.requestApproval(inconsistent);
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "ValidationFailedError" });
    await expect(attempt).rejects.toThrow(/command\.commandHash/);
    expect(harness.notices).toEqual([]);
  });
});

describe("GET never decides", () => {
  it("leaves the store, the audit trail and the task untouched however often the link is opened", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    const before = await recordOf(harness, approvalId);
    const auditBefore = await readAudit(harness.auditPath);
    // Act
    const first = await show(approvalId, token);
    const second = await show(approvalId, token);
    const forged = await show(approvalId, `${token}x`);
    // Assess
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(forged.statusCode).toBe(403);
    expect(await recordOf(harness, approvalId)).toEqual(before);
    expect(await readAudit(harness.auditPath)).toEqual(auditBefore);
    expect(harness.callback.calls).toBe(0);
  });

  it("asks for the full link when the token is missing", async () => {
    // Prepare
    const { approvalId } = await requested();
    // Act
    const page = await show(approvalId);
    // Assess
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain("full link");
    expect(page.body).not.toContain("<form");
  });
});

describe("pages", () => {
  it("refuses a command that display redaction would mask: nobody could review it", async () => {
    // Act
    const attempt = harness.requestApproval(
      waitForApprovalPayload({ command: `curl -H "Authorization: Bearer abc.def" https://x/` }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "UnreviewableChangeError" });
    expect(harness.notices).toHaveLength(0);
  });

  it("refuses a decision by a signed-in person who is not an approver, and by nobody, auditing both", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act
    const byEve = await post(approvalId, { token, decision: "approve", decidedBy: "Eve" });
    const byNobody = await post(approvalId, { token, decision: "approve" });
    // Assess
    expect(byEve.statusCode).toBe(403);
    expect(byEve.body).toContain("Eve is not an approver of sample-repo");
    expect(byNobody.statusCode).toBe(401);
    expect(harness.callback.calls).toBe(0);
    expect((await recordOf(harness, approvalId)).status).toBe("pending");
    const audit = await readAudit(harness.auditPath);
    expect(audit.map((row) => [row.outcome, row.actor])).toEqual(
      expect.arrayContaining([
        ["refused-not-approver", "Eve"],
        ["refused-unauthenticated", "unauthenticated"],
      ]),
    );
  });

  it("takes the approver from authentication, never from a form field", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act: the body claims to be someone else; the authorizer says Dana.
    const page = await harness.api(
      proxyEvent({
        method: "POST",
        approvalId,
        body: formBody({ token, decision: "approve", decidedBy: "The CEO" }),
        contentType: "application/x-www-form-urlencoded",
        approver: "Dana",
      }),
    );
    // Assess
    expect(page.statusCode).toBe(200);
    expect(harness.callback.successes[0]!.output.decidedBy).toBe("Dana");
  });

  it("escapes a hostile command, reasons and requester, and masks secrets in the reasons", async () => {
    // Prepare
    const command = `echo "<script>alert('x')</script>" && curl https://x/"><img src=x>`;
    const { approvalId, token } = await requested({
      command,
      reasons: [`<img src=x onerror=alert(1)> ghp_${"a".repeat(36)}`],
      requestedBy: `<b onmouseover="x">eve</b>`,
    });
    // Act
    const page = await show(approvalId, token);
    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("<script>");
    expect(page.body).not.toContain("<img");
    expect(page.body).not.toContain("<b ");
    expect(page.body).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(page.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page.body).not.toContain(`ghp_${"a".repeat(36)}`);
    expect(page.body).toContain("[REDACTED:");
  });

  it("sends no-store, a strict CSP, no framing and no referrer on every page", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act
    const pages = [
      await show(approvalId, token),
      await show(approvalId, "forged"),
      await post(approvalId, { token, decision: "approve", decidedBy: "Dana" }),
      await harness.api(proxyEvent({ method: "PUT", approvalId })),
    ];
    // Assess
    for (const page of pages) {
      expect(page.headers).toMatchObject({
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store, max-age=0",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
      });
      const csp = String(page.headers?.["Content-Security-Policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("script-src");
    }
    expect(pages[3]!.statusCode).toBe(405);
    expect(pages[3]!.headers?.Allow).toBe("GET, POST");
  });

  it("refuses an incomplete form with 400 naming the fields, and the approval stays pending", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    // Act
    const page = await post(approvalId, { token, decision: "maybe" });
    // Assess
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain("decision: must be &quot;approve&quot; or &quot;deny&quot;");
    expect(page.body).not.toContain(token);
    expect((await recordOf(harness, approvalId)).status).toBe("pending");
  });

  it("answers 404 for an address that is not an approval id", async () => {
    // Act
    const page = await show("../../etc/passwd", "x");
    // Assess
    expect(page.statusCode).toBe(404);
  });
});

describe("the waiting task is gone", () => {
  it("keeps the decision, audits the failed callback and says nothing will run", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    harness.callback.failWith = Object.assign(new Error("Task Timed Out: 'arn:...:task-token-secret'"), {
      name: "TaskTimedOut",
    });
    // Act
    const page = await post(approvalId, { token, decision: "approve", decidedBy: "Dana" });
    // Assess
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain("no longer waiting");
    expect(page.body).not.toContain("task-token-secret");
    expect((await recordOf(harness, approvalId)).status).toBe("approved");
    const outcomes = (await readAudit(harness.auditPath)).map((row) => row.outcome);
    expect(outcomes).toEqual(["requested", "callback-failed", "approved"]);
  });

  it("reports a callback that failed for another reason as 502, without a second chance", async () => {
    // Prepare
    const { approvalId, token } = await requested();
    harness.callback.failWith = Object.assign(new Error("boom"), { name: "InternalServerError" });
    // Act
    const page = await post(approvalId, { token, decision: "deny", decidedBy: "Dana", reason: "no" });
    harness.callback.failWith = undefined;
    const retry = await post(approvalId, { token, decision: "deny", decidedBy: "Dana", reason: "no" });
    // Assess
    expect(page.statusCode).toBe(502);
    expect(page.body).toContain("InternalServerError");
    expect(retry.statusCode).toBe(409);
    expect(harness.callback.calls).toBe(0);
  });
});

describe("request-approval", () => {
  it("is idempotent per task token: a repeated call finds the record and re-sends the same link", async () => {
    // Prepare
    const payload = waitForApprovalPayload();
    // Act
    const first = await harness.requestApproval(payload);
    const second = await harness.requestApproval(payload);
    // Assess
    expect(second).toEqual(first);
    expect(harness.notices).toHaveLength(2);
    expect(harness.notices[1]!.link).toBe(harness.notices[0]!.link);
    const audit = await readAudit(harness.auditPath);
    expect(audit.map((row) => row.outcome)).toEqual(["requested", "requested"]);
    expect(audit[1]!.reason).toContain("repeated request");
  });

  it("gives different waiting tasks different approvals", async () => {
    // Act
    const first = await requested();
    const second = await requested();
    // Assess
    expect(second.approvalId).not.toBe(first.approvalId);
    expect(second.token).not.toBe(first.token);
  });

  it("names the field when the task input is invalid", async () => {
    // Prepare
    const payload = waitForApprovalPayload();
    // Act
    const attempt = harness.requestApproval({ ...payload, taskToken: "" });
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "ValidationFailedError" });
    await expect(attempt).rejects.toThrow(/taskToken/);
  });
});
