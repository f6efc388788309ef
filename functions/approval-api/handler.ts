import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import {
  approvalEnvironment,
  ledgerStoreFromEnvironment,
  sfnTaskCallback,
} from "#lib/approvals/approval-dependencies.ts";
import { parseApprovers } from "#lib/approvals/approvers.ts";
import { awsErrorName } from "#lib/approvals/aws-failure.ts";
import { observeInvocation } from "#lib/define-task.ts";
import { logger } from "#lib/observability.ts";
import {
  type ApprovalApiDependencies,
  type ApprovalApiRequest,
  handleApprovalRequest,
} from "./approval-api.ts";
import { APPROVAL_PAGE_CSP, renderMessagePage } from "./approval-page.ts";

/**
 * API Gateway (REST, Lambda proxy) entry of the approval API: turns the event into an ApprovalApiRequest, lets the
 * core answer, and adds the headers every page needs. The event is never logged: its query string and body carry
 * the decision token.
 */

/** No caching anywhere (the page embeds the token), no framing, no referrer, no sniffing, no indexing. */
export const APPROVAL_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store, max-age=0",
  Pragma: "no-cache",
  "Content-Security-Policy": APPROVAL_PAGE_CSP,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Robots-Tag": "noindex, nofollow",
  "Strict-Transport-Security": "max-age=31536000",
};

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * Who is calling, as API Gateway's authorizer established it: a Cognito user pool authorizer's claims (e-mail,
 * else username), an IAM caller's ARN, or a Lambda authorizer's principal (the local approval server sets one).
 * Never anything the request body or a header of the caller's choosing says.
 */
export function authenticatedApprover(event: APIGatewayProxyEvent): string | undefined {
  const authorizer = (event.requestContext?.authorizer ?? {}) as Record<string, unknown>;
  const claims = (authorizer.claims ?? {}) as Record<string, unknown>;
  const candidates = [
    claims.email,
    claims["cognito:username"],
    event.requestContext?.identity?.userArn,
    authorizer.principalId,
  ];
  const found = candidates.find((value): value is string => typeof value === "string" && value.trim() !== "");
  return found?.trim();
}

export function toApprovalApiRequest(event: APIGatewayProxyEvent): ApprovalApiRequest {
  const approvalId = event.pathParameters?.approvalId;
  const method = event.httpMethod.toUpperCase();
  // A token given twice is as good as none: the page asks for the link again.
  const tokens = event.multiValueQueryStringParameters?.token;
  const token = tokens && tokens.length > 1 ? undefined : event.queryStringParameters?.token;
  if (event.resource?.endsWith("/patch")) {
    return method === "GET" ? { kind: "patch", approvalId, token } : { kind: "method-not-allowed", method };
  }
  if (method === "GET") return { kind: "show", approvalId, token };
  if (method === "POST") {
    const raw = event.body ?? "";
    const body = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
    return {
      kind: "decide",
      approvalId,
      body,
      contentType: header(event, "content-type"),
      approver: authenticatedApprover(event),
    };
  }
  return { kind: "method-not-allowed", method };
}

/** An approval-api Lambda handler; `overrides` replace what the environment would provide (local mode, tests). */
export function createApprovalApiHandler(
  overrides: Partial<ApprovalApiDependencies> = {},
): (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult> {
  let dependencies: ApprovalApiDependencies | undefined;
  const resolve = (): ApprovalApiDependencies => {
    if (dependencies) return dependencies;
    const complete = overrides.store && overrides.audit && overrides.signingKey;
    const environment = complete ? undefined : approvalEnvironment();
    dependencies = {
      store: overrides.store ?? environment!.store,
      audit: overrides.audit ?? environment!.audit,
      signingKey: overrides.signingKey ?? environment!.signingKey,
      taskCallback: overrides.taskCallback ?? sfnTaskCallback(),
      now: overrides.now ?? (() => new Date()),
      isApprover: overrides.isApprover ?? parseApprovers(process.env.APPROVERS),
      ...(overrides.artifacts || ledgerStoreFromEnvironment()
        ? { artifacts: overrides.artifacts ?? ledgerStoreFromEnvironment()! }
        : {}),
    };
    return dependencies;
  };

  return (event, context) =>
    observeInvocation("approval-api", context, async () => {
      try {
        const page = await handleApprovalRequest(resolve(), toApprovalApiRequest(event));
        return {
          statusCode: page.statusCode,
          headers: {
            ...APPROVAL_RESPONSE_HEADERS,
            ...(page.contentType ? { "Content-Type": page.contentType } : {}),
            ...(page.allow ? { Allow: page.allow } : {}),
          },
          body: page.html,
        };
      } catch (error) {
        // Only the name: nothing here should carry a token, and nothing is allowed to risk it.
        logger.error("approval-api failed", { errorName: awsErrorName(error) });
        return {
          statusCode: 503,
          headers: { ...APPROVAL_RESPONSE_HEADERS, "Retry-After": "30" },
          body: renderMessagePage({
            title: "Try again shortly",
            message: "The approval service could not answer. If you were deciding, nothing was decided yet.",
          }),
        };
      }
    });
}

export const handler = createApprovalApiHandler();
