/**
 * Deciding an approval the way a person's browser does: GET the link, read the page's form, POST the form's fields
 * (the hidden token, the name, the reason and the pressed button) as application/x-www-form-urlencoded to the
 * form's action. The local runner uses it for `--approve auto|deny|prompt`; tests use it to drive the real page.
 * It reads only the pages the approval API renders itself (double-quoted attributes, one form).
 */

export type Decision = "approve" | "deny";

export interface DecideOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface DecisionResult {
  /** true when the API accepted the decision and told the workflow (HTTP 200). */
  readonly ok: boolean;
  readonly status: number;
  /** The result page's title ("Approved", "Denied", "Already decided", ...). */
  readonly title: string;
  /** The result page's message, as text. */
  readonly message: string;
}

/** The link's page offered no decision (it was refused, expired, already decided) or could not be read. */
export class ApprovalPageError extends Error {
  override readonly name = "ApprovalPageError";
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string) {
    super(`the approval page answered ${status} "${title}": ${message}`);
    this.status = status;
    this.title = title;
  }
}

interface Control {
  readonly tag: "input" | "textarea" | "button";
  readonly attributes: ReadonlyMap<string, string>;
  readonly text: string;
}

export interface PageForm {
  readonly method: string;
  readonly action: string;
  readonly controls: readonly Control[];
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  "#39": "'",
  "#96": "`",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_match, name: string) => ENTITIES[name]!);
}

function attributesOf(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(/([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"]*)")?/g)) {
    attributes.set(match[1]!.toLowerCase(), decodeEntities(match[2] ?? ""));
  }
  return attributes;
}

/** The first form of a page rendered by the approval API, its controls in document order. */
export function readPageForm(html: string): PageForm | undefined {
  const open = /<form\b([^>]*)>/i.exec(html);
  if (!open) return undefined;
  const close = html.indexOf("</form>", open.index);
  const inner = html.slice(open.index + open[0].length, close === -1 ? undefined : close);
  const formAttributes = attributesOf(open[1]!);
  const controls: Control[] = [];
  for (const match of inner.matchAll(/<(input|textarea|button)\b([^>]*)>(?:([\s\S]*?)<\/\1>)?/gi)) {
    const tag = match[1]!.toLowerCase() as Control["tag"];
    controls.push({ tag, attributes: attributesOf(match[2]!), text: decodeEntities(match[3] ?? "") });
  }
  return {
    method: (formAttributes.get("method") ?? "get").toLowerCase(),
    action: formAttributes.get("action") ?? "",
    controls,
  };
}

function pageText(html: string): { title: string; message: string } {
  const title = decodeEntities(/<title>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? "").trim();
  const notice = /<p class="notice">([\s\S]*?)<\/p>/i.exec(html)?.[1] ?? "";
  const items = [...html.matchAll(/<li>([\s\S]*?)<\/li>/gi)].map((match) => decodeEntities(match[1]!));
  const message = decodeEntities(notice.replace(/<[^>]*>/g, "")).trim();
  return {
    title,
    message: items.length > 0 && /check:$/.test(message) ? `${message} ${items.join("; ")}` : message,
  };
}

/**
 * The fields a browser submits: every named control in order, the reason filled, only the pressed button. Who
 * decides is not among them: the approval API takes it from authentication.
 */
function submission(form: PageForm, decision: Decision, reason: string | undefined): URLSearchParams {
  const fields = new URLSearchParams();
  let pressed = false;
  for (const control of form.controls) {
    const name = control.attributes.get("name");
    if (!name || control.attributes.has("disabled")) continue;
    if (control.tag === "button") {
      if (!pressed && control.attributes.get("value") === decision) {
        fields.append(name, decision);
        pressed = true;
      }
      continue;
    }
    if (control.tag === "textarea") {
      fields.append(name, name === "reason" ? (reason ?? control.text) : control.text);
      continue;
    }
    const type = (control.attributes.get("type") ?? "text").toLowerCase();
    if (type === "submit" || type === "button" || type === "reset") continue;
    const value = control.attributes.get("value") ?? "";
    fields.append(name, value);
  }
  if (!pressed)
    throw new ApprovalPageError(200, "No such button", `the page's form offers no "${decision}" button`);
  return fields;
}

export async function decide(
  link: string,
  decision: Decision,
  reason?: string,
  options: DecideOptions = {},
): Promise<DecisionResult> {
  const fetchPage = options.fetch ?? globalThis.fetch;
  const shown = await fetchPage(link, { method: "GET", redirect: "error" });
  const html = await shown.text();
  const form = readPageForm(html);
  if (shown.status !== 200 || !form) {
    const { title, message } = pageText(html);
    throw new ApprovalPageError(shown.status, title, message);
  }
  if (form.method !== "post")
    throw new ApprovalPageError(shown.status, "Unexpected form", "the form does not POST");
  const body = submission(form, decision, reason);
  const decided = await fetchPage(new URL(form.action, link), {
    method: "POST",
    redirect: "error",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
  const text = pageText(await decided.text());
  return { ok: decided.status === 200, status: decided.status, ...text };
}
