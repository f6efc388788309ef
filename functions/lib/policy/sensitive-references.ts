import type { Node } from "web-tree-sitter";
import type { Finding } from "./findings.ts";
import type { Invocation } from "./invocation.ts";
import { credentialPath, displayPath, resolvePath } from "./workspace-paths.ts";

/**
 * References to credentials that do not depend on what the command is: cloud metadata endpoints (instance and
 * task credentials), variables that hold secrets, and credential files named as arguments.
 */
const METADATA_ENDPOINT =
  /169\.254\.169\.254|169\.254\.170\.2|fd00:ec2::254|a9fe:a9fe|metadata\.google\.internal|100\.100\.100\.200|\b2852039166\b|0xa9fea9fe|0251\.0376\.0251\.0376|instance-data(\.ec2\.internal)?\b|AWS_CONTAINER_CREDENTIALS_(RELATIVE|FULL)_URI|AWS_CONTAINER_AUTHORIZATION_TOKEN|ECS_CONTAINER_METADATA_URI/i;

const SECRET_SEGMENTS = new Set([
  "SECRET",
  "SECRETS",
  "TOKEN",
  "TOKENS",
  "PASSWORD",
  "PASSWD",
  "PASSPHRASE",
  "CREDENTIAL",
  "CREDENTIALS",
  "APIKEY",
  "AUTHTOKEN",
]);
const SECRET_PAIRS = [/ACCESS_KEY/, /API_KEY/, /PRIVATE_KEY/, /SECRET_KEY/, /SIGNING_KEY/, /CLIENT_SECRET/];

export function isSecretVariable(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper.split(/_+/).some((segment) => SECRET_SEGMENTS.has(segment))) return true;
  return SECRET_PAIRS.some((p) => p.test(upper));
}

/** Commands that only print their arguments or test them: a credential path there is not opened. */
const DATA_ONLY_COMMANDS = new Set(["echo", "printf", "test", "[", ":", "true", "false"]);

export function scanCommandText(subject: string, node: Node, push: (f: Finding) => void): void {
  if (METADATA_ENDPOINT.test(node.text)) {
    push({ class: "credentials", subject, detail: "reaches a cloud metadata or credentials endpoint" });
  }
  if (!node.text.includes("$")) return;
  const name = node.childForFieldName("name")?.text;
  if (name !== undefined && DATA_ONLY_COMMANDS.has(name) && name !== "echo" && name !== "printf") return;
  const seen = new Set<string>();
  for (const expansion of node.descendantsOfType(["simple_expansion", "expansion"])) {
    const variable = expansion.namedChildren.find((c) => c.type === "variable_name")?.text;
    if (variable === undefined || seen.has(variable) || !isSecretVariable(variable)) continue;
    seen.add(variable);
    push({ class: "credentials", subject, detail: `uses $${variable}, which holds a secret` });
  }
}

export function scanInvocation(
  inv: Invocation,
  cwd: string | null,
  push: (f: Finding) => void,
  existing: readonly Finding[],
): void {
  if (DATA_ONLY_COMMANDS.has(inv.name)) return;
  const reported = new Set<string>();
  for (const arg of inv.args) {
    if (arg.value === null) continue;
    for (const candidate of pathCandidates(arg.value)) {
      const path = resolvePath(candidate, cwd) ?? candidate;
      const description = credentialPath(path);
      if (description === null) continue;
      const shown = displayPath(path);
      if (reported.has(shown)) continue;
      reported.add(shown);
      const already = existing.some(
        (f) => f.class === "credentials" && f.subject === inv.subject && f.detail.includes(shown),
      );
      if (!already)
        push({ class: "credentials", subject: inv.subject, detail: `uses ${shown}: ${description}` });
    }
  }
}

/** `--file=x`, `@x` (curl data), `file://x`, `user@host:x` all name a file `x`. */
function pathCandidates(value: string): string[] {
  const out = [value];
  const eq = value.indexOf("=");
  if (value.startsWith("-") && eq > 0) out.push(value.slice(eq + 1));
  const at = value.indexOf("@");
  if (at >= 0) out.push(value.slice(at + 1));
  if (value.startsWith("file://")) out.push(value.slice("file://".length));
  // `HEAD:.env` (git show), `host:path` (scp): the part after the colon names a file.
  const colon = value.indexOf(":");
  if (colon > 0 && !value.includes("://")) out.push(value.slice(colon + 1));
  return out.filter((c) => c !== "" && !/^[a-z][a-z0-9+.-]*:\/\//i.test(c));
}
