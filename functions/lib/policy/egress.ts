import type { Finding } from "./findings.ts";
import type { Word } from "./shell-words.ts";

/**
 * Network contacts are classed by destination: a host on the deployment's egress allow-list is read-only to
 * contact, anything else is network-write (a request can carry data out whatever its method), and so is a
 * destination only known at run time. Entries are host names, `*.suffix` for subdomains, or IP literals.
 */
export const DEFAULT_EGRESS_ALLOW_LIST: readonly string[] = [
  "localhost",
  "127.0.0.1",
  "::1",
  "registry.npmjs.org",
  "registry.yarnpkg.com",
  "pypi.org",
  "files.pythonhosted.org",
  "proxy.golang.org",
  "sum.golang.org",
  "index.crates.io",
  "static.crates.io",
  "repo.maven.apache.org",
  "repo1.maven.org",
  "plugins.gradle.org",
  "rubygems.org",
];

const HOST_ENTRY = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^[0-9a-f:.]+$/;

/** Validates an allow-list; an entry that is not a host name names its index. */
export function parseEgressList(entries: readonly string[], field: string): readonly string[] {
  return entries.map((raw, index) => {
    const entry = raw.trim().toLowerCase();
    if (!HOST_ENTRY.test(entry)) {
      throw new TypeError(`${field}[${index}] must be a host name, *.domain or IP address, got ${raw}`);
    }
    return entry;
  });
}

/** The host a URL or `host[:port]` or `user@host` word names, lower-cased; null when there is none. */
function hostOf(destination: string): string | null {
  let rest = destination.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  rest = rest.replace(/[/?#].*$/s, "");
  const at = rest.lastIndexOf("@");
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith("[")) return rest.slice(1, rest.indexOf("]")).toLowerCase() || null;
  rest = rest.replace(/:\d*$/, "");
  return rest === "" ? null : rest.toLowerCase();
}

function hostAllowed(host: string, allow: readonly string[]): boolean {
  const bare = host.replace(/\.$/, "");
  return allow.some((entry) =>
    entry.startsWith("*.") ? bare.endsWith(entry.slice(1)) && bare.length > entry.length - 1 : bare === entry,
  );
}

export function judgeDestination(subject: string, word: Word, allow: readonly string[]): Finding {
  if (word.value === null) {
    return {
      class: "network-write",
      subject,
      detail: `contacts a destination only known at run time (${word.raw})`,
    };
  }
  const host = hostOf(word.value);
  if (host === null) {
    return {
      class: "network-write",
      subject,
      detail: `contacts ${word.value}, whose host the policy cannot read`,
    };
  }
  if (hostAllowed(host, allow)) {
    return { class: "read-only", subject, detail: `contacts ${host}, on the egress allow-list` };
  }
  return { class: "network-write", subject, detail: `contacts ${host}, outside the egress allow-list` };
}

/** A header, user agent or cookie built at run time can carry anything out: it is network-write. */
export function judgeSentValue(subject: string, word: Word, what: string): Finding | null {
  if (word.value !== null) return null;
  return { class: "network-write", subject, detail: `sends a ${what} only known at run time (${word.raw})` };
}
