/** The page of one approval: `${baseUrl}/approvals/<approvalId>`, and the person's link with `?token=`. */
export interface ApprovalLinks {
  /** Carries the decision token: only for the person (never logged, never in an event or in state). */
  readonly link: string;
  readonly pageUrl: string;
}

export function approvalLinks(baseUrl: string, approvalId: string, token: string): ApprovalLinks {
  const pageUrl = `${baseUrl.replace(/\/+$/, "")}/approvals/${encodeURIComponent(approvalId)}`;
  return { pageUrl, link: `${pageUrl}?token=${encodeURIComponent(token)}` };
}
