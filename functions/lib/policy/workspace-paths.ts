import { posix } from "node:path";
import { DEFAULT_MOUNT_PATH } from "../settings.ts";

/**
 * Paths are judged as absolute, normalised strings. The home directory is the sentinel `/~`, so `~/.ssh`,
 * `$HOME/.ssh` and `cd ~ && ... .ssh` all become `/~/.ssh`, and `/~/../etc` normalises to `/etc` as it should.
 */
export const HOME = "/~";

/** The workspace of a repository when none is given: `/mnt/workspace/<repo>`. */
export function defaultWorkspace(repoName: string, mountPath: string = DEFAULT_MOUNT_PATH): string {
  return posix.join(mountPath, repoName);
}

/** Temporary directories: per session, gone with it, so writing under them is like writing in the workspace. */
const SCRATCH_ROOTS = ["/tmp", "/var/tmp", "/dev/shm"] as const;

const DISCARD_DEVICES = new Set([
  "/dev/null",
  "/dev/stdout",
  "/dev/stderr",
  "/dev/stdin",
  "/dev/tty",
  "/dev/zero",
]);

export function normalizeAbsolute(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** Resolves a path against the working directory; null when it is relative and the directory is unknown. */
export function resolvePath(value: string, cwd: string | null): string | null {
  if (value.startsWith("/")) return normalizeAbsolute(value);
  if (cwd === null) return null;
  return normalizeAbsolute(posix.join(cwd, value === "" ? "." : value));
}

export function displayPath(path: string): string {
  if (path === HOME) return "~";
  if (path.startsWith(`${HOME}/`)) return `~${path.slice(HOME.length)}`;
  return path;
}

export function isWithin(path: string, dir: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path === dir || path.startsWith(`${dir}/`);
}

const GLOB_CHARS = /[*?[{]/;

/** The directory part before the first segment holding a glob (`/*` → `/`, `src/*.js` → `src`). */
export function globBase(path: string): { readonly base: string; readonly glob: boolean } {
  const segments = path.split("/");
  const index = segments.findIndex((s) => GLOB_CHARS.test(s));
  if (index < 0) return { base: path, glob: false };
  const base = segments.slice(0, index).join("/");
  return { base: base === "" ? "/" : base, glob: true };
}

export type Zone =
  | { readonly kind: "discard" }
  | { readonly kind: "network-device" }
  | { readonly kind: "device" }
  | { readonly kind: "workspace"; readonly root: boolean; readonly gitDir: boolean }
  | { readonly kind: "scratch" }
  | { readonly kind: "outside" };

export function zoneOf(path: string, workspace: string): Zone {
  if (DISCARD_DEVICES.has(path) || path.startsWith("/dev/fd/") || path.startsWith("/proc/self/fd/")) {
    return { kind: "discard" };
  }
  if (path.startsWith("/dev/tcp/") || path.startsWith("/dev/udp/")) return { kind: "network-device" };
  if (isWithin(path, workspace)) {
    return { kind: "workspace", root: path === workspace, gitDir: path === `${workspace}/.git` };
  }
  if (path.startsWith("/dev/")) return { kind: "device" };
  if (SCRATCH_ROOTS.some((root) => path.startsWith(`${root}/`))) return { kind: "scratch" };
  return { kind: "outside" };
}

export function isScratchOrWorkspace(path: string, workspace: string): boolean {
  const zone = zoneOf(path, workspace);
  return zone.kind === "workspace" || zone.kind === "scratch";
}

const CREDENTIAL_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\/\.aws(\/|$)/, "AWS credentials and profiles"],
  [/\/\.ssh(\/|$)/, "SSH keys and configuration"],
  [/(^|\/)id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/, "a private SSH key"],
  [
    /(^|\/)(\.npmrc|\.yarnrc\.yml|\.pypirc|\.netrc|_netrc|\.git-credentials|\.pgpass|\.my\.cnf)$/,
    "a file that holds registry or service tokens",
  ],
  [
    /(^|\/)(\.vault-token|\.dockercfg|\.boto|\.s3cfg|\.terraformrc|credentials\.tfrc\.json)$/,
    "a file that holds tokens",
  ],
  [/\/\.docker\/config\.json$/, "container registry credentials"],
  [/\/\.kube(\/|$)/, "Kubernetes credentials"],
  [/\/\.config\/(gh|hub|gcloud)(\/|$)/, "CLI credentials"],
  [/\/\.(azure|gnupg|password-store)(\/|$)/, "stored credentials or keys"],
  [/\/\.cargo\/credentials(\.toml)?$/, "crates.io token"],
  [/\/\.gem\/credentials$/, "RubyGems token"],
  [/\/\.m2\/settings(-security)?\.xml$/, "Maven repository credentials"],
  [/\/\.gradle\/gradle\.properties$/, "Gradle credentials"],
  [/\/\.pulumi\/credentials\.json$/, "Pulumi credentials"],
  [/^\/etc\/(shadow|gshadow|sudoers)(\/|$|\.d)/, "system password or privilege files"],
  [/^\/proc\/[^/]+\/environ$/, "a process environment (holds credentials)"],
  [/^\/(var\/)?run\/secrets(\/|$)/, "mounted service secrets"],
  [/(^|\/)\.env(rc)?$/, "an environment file (usually holds secrets)"],
  [
    /(^|\/)\.env\.(?!(example|sample|template|dist|defaults|schema)$)[^/]+$/,
    "an environment file (usually holds secrets)",
  ],
];

/** What kind of credential a path holds, or null. */
export function credentialPath(path: string): string | null {
  for (const [pattern, description] of CREDENTIAL_PATTERNS) {
    if (pattern.test(path)) return description;
  }
  return null;
}
