import { redact } from "#lib/redaction.ts";

/**
 * Rules for the strings of a repository source: URL, local path, branch and revision. Each check returns the
 * problem as a sentence for ValidationFailedError, or undefined when the value is acceptable.
 *
 * Shell metacharacters (`;`, `$`, backticks, quotes, spaces...) are deliberately NOT rejected here: every later
 * command that uses these values passes them as single-quoted words (prepare-workspace quotes each one), so they
 * reach git as data, never as shell syntax. What is rejected is what quoting cannot make safe: control characters
 * (log and terminal injection, newlines that split a command), a leading "-" (git would read the value as an
 * option: `--upload-pack=...`), git's remote-helper syntax (`ext::sh -c ...` runs arbitrary commands), and names
 * git itself refuses.
 */

/** C0/C1 controls, DEL, Unicode line separators and bidirectional overrides ("Trojan Source"). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const ALLOWED_URL_SCHEMES = ["https", "ssh", "git", "file"] as const;

/** `scheme://...` */
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** git's scp-like syntax `[user@]host:path`: a colon before any slash, and not `transport::address`. */
const SCP_LIKE = /^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?:(?!:)[^\s]+$/;
const ABBREVIATED_COMMIT_ID = /^[0-9a-f]{4,64}$/i;

const URL_MAX_LENGTH = 2048;
const PATH_MAX_LENGTH = 4096;
const REF_MAX_LENGTH = 255;

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/**
 * Masks credentials and query strings in anything that looks like a URL, so an error message never echoes a
 * secret: `https://user:token@host/x?sig=abc` becomes `https://***@host/x?***`.
 */
export function maskUrlCredentials(text: string): string {
  return (
    text
      .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s"']*@/g, "$1***@")
      // scheme-less `user:password@host:path` (scp-like with a password)
      .replace(/(^|[\s"'])[^\s/@"':]+:[^\s/@"']*@/g, "$1***@")
      .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'?#]*)[?#][^\s"']*/g, "$1?***")
  );
}

/**
 * A value quoted for an error message: credentials masked (URL userinfo here, known token shapes by the shared
 * redaction), JSON escapes make control characters visible, long values are cut.
 */
export function quoteForMessage(value: string, maxLength = 80): string {
  const masked = redact(maskUrlCredentials(value));
  const cut = masked.length > maxLength ? `${masked.slice(0, maxLength)}...` : masked;
  return JSON.stringify(cut);
}

export type ClassifiedRepositoryUrl =
  | { readonly kind: "git"; readonly url: string }
  | { readonly kind: "local"; readonly path: string };

/** Problems common to every string that ends up as a word of a git command. */
function commonProblem(value: string, maxLength: number): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > maxLength) return `is ${value.length} characters; the limit is ${maxLength}`;
  if (hasControlCharacters(value)) return "must not contain control characters";
  if (value.startsWith("-")) return "must not begin with '-' (it would be read as a command-line option)";
  return undefined;
}

/**
 * Accepts https://, ssh://, git:// and file:// URLs, scp-like `git@host:owner/repo.git`, and absolute local paths
 * (which become a `local` source). Anything else, including http:// and git's `ext::` helpers, is refused.
 */
export function checkRepositoryUrl(url: string): string | undefined {
  const common = commonProblem(url, URL_MAX_LENGTH);
  if (common) return common;
  if (/\s/.test(url)) return `must not contain whitespace, got ${quoteForMessage(url)}`;
  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!(ALLOWED_URL_SCHEMES as readonly string[]).includes(scheme)) {
      return `scheme "${scheme}" is not allowed (use ${ALLOWED_URL_SCHEMES.join(", ")} or an absolute path), got ${quoteForMessage(url)}`;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `is not a valid URL, got ${quoteForMessage(url)}`;
    }
    if (parsed.search !== "" || parsed.hash !== "") {
      // Query strings are where signed URLs keep their tokens; git remotes do not need one.
      return `must not have a query string or fragment, got ${quoteForMessage(url)}`;
    }
    if (parsed.password !== "" || (scheme === "https" && parsed.username !== "")) {
      // State, logs and the console history would all carry the secret: credentials come from the session's
      // credential helper, never from the request.
      return `must not embed credentials (use a credential helper), got ${quoteForMessage(url)}`;
    }
    if (scheme === "file") {
      if (!parsed.pathname.startsWith("/") || parsed.pathname === "/")
        return "file:// URL needs an absolute path";
      return undefined;
    }
    // WHATWG URL parsing forgives `https:///host/x`; git would not, so look at the text itself.
    if (parsed.hostname === "" || url.charAt(scheme.length + 3) === "/")
      return `needs a host, got ${quoteForMessage(url)}`;
    if (parsed.pathname === "" || parsed.pathname === "/")
      return `needs a repository path, got ${quoteForMessage(url)}`;
    return undefined;
  }
  if (url.startsWith("/")) return checkLocalPath(url);
  if (url.includes("::")) return `git remote helpers ("transport::address") are not allowed`;
  if (SCP_LIKE.test(url)) {
    const user = url.slice(0, Math.max(0, url.indexOf("@")));
    if (user.includes(":")) return "must not embed credentials";
    return undefined;
  }
  return `must be an ${ALLOWED_URL_SCHEMES.map((s) => `${s}://`).join(", ")} URL, an scp-like host:path or an absolute path, got ${quoteForMessage(url)}`;
}

/** Splits an accepted url value into a git URL or, for an absolute path, a local source. */
export function classifyRepositoryUrl(url: string): ClassifiedRepositoryUrl {
  return url.startsWith("/") ? { kind: "local", path: normalizeLocalPath(url) } : { kind: "git", url };
}

/** Local paths: absolute, or relative to the local runner's base directory (it resolves them). */
export function checkLocalPath(path: string): string | undefined {
  const common = commonProblem(path, PATH_MAX_LENGTH);
  if (common) return common;
  if (path.startsWith("~")) return "must be absolute or relative; '~' is not expanded";
  if (path.split("/").includes("..")) return `must not contain '..' segments, got ${quoteForMessage(path)}`;
  return undefined;
}

/** `./a//b/` -> `a/b`; `/x/./y/` -> `/x/y`. Only called on paths that passed checkLocalPath. */
export function normalizeLocalPath(path: string): string {
  const absolute = path.startsWith("/");
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  const joined = segments.join("/");
  if (absolute) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/**
 * git's own rules for a reference name (`git check-ref-format`), so a request never names a ref git would
 * refuse halfway through the repair.
 */
function refFormatProblem(name: string): string | undefined {
  if (/[ ~^:?*[\\]/.test(name))
    return "must not contain space, '~', '^', ':', '?', '*', '[' or '\\' (git ref rules)";
  if (name.includes("..")) return "must not contain '..' (git ref rules)";
  if (name.includes("@{")) return "must not contain '@{' (git ref rules)";
  if (name === "@") return "must not be '@' (git ref rules)";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//"))
    return "must not begin or end with '/' or contain '//' (git ref rules)";
  if (name.endsWith(".")) return "must not end with '.' (git ref rules)";
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return "no path component may begin with '.' (git ref rules)";
    if (component.endsWith(".lock")) return "no path component may end with '.lock' (git ref rules)";
  }
  return undefined;
}

/** Branch names as `git check-ref-format --branch` accepts them (a `refs/heads/` prefix is stripped first). */
export function checkBranchName(branch: string): string | undefined {
  const name = stripHeadsPrefix(branch);
  const common = commonProblem(name, REF_MAX_LENGTH);
  if (common) return common;
  if (name === "HEAD") return "must not be 'HEAD'";
  const problem = refFormatProblem(name);
  return problem ? `${problem}, got ${quoteForMessage(name)}` : undefined;
}

export function stripHeadsPrefix(branch: string): string {
  return branch.startsWith("refs/heads/") ? branch.slice("refs/heads/".length) : branch;
}

/** A revision is a commit id (4-64 hex digits) or a reference name such as a tag or `refs/pull/12/head`. */
export function checkRevision(revision: string): string | undefined {
  const common = commonProblem(revision, REF_MAX_LENGTH);
  if (common) return common;
  if (ABBREVIATED_COMMIT_ID.test(revision) || revision === "HEAD") return undefined;
  const problem = refFormatProblem(revision);
  return problem
    ? `must be a commit id or a ref name: ${problem}, got ${quoteForMessage(revision)}`
    : undefined;
}

/** Commit ids are case-insensitive; keep one spelling so the request id is stable. */
export function canonicalRevision(revision: string): string {
  return ABBREVIATED_COMMIT_ID.test(revision) ? revision.toLowerCase() : revision;
}
