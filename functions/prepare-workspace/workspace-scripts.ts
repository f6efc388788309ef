import type { RepositorySource } from "#lib/contracts.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { shellQuote } from "#lib/shell-quote.ts";
import { internalsDigestScript, resetRepositoryConfig, trustedGitPrelude } from "#lib/trusted-git.ts";
import { toolCacheExports } from "#lib/workspace-shell.ts";

/**
 * The shell scripts prepare-workspace runs in the session. Every URL, path, branch and revision is single-quoted
 * (shellQuote) and passed after `--` or as an option's value, so neither shell metacharacters nor a leading dash
 * can change what runs. Results come back as `key=value` lines on stdout. Every script starts with the trusted git
 * prelude (functions/lib/trusted-git.ts): no hook, fsmonitor, pager, editor or global configuration runs.
 */

export interface WorkspaceTarget {
  readonly workspacePath: string;
  readonly mountPath: string;
  readonly source: RepositorySource;
  readonly toolCacheDir: string;
}

/** A ref or revision that git could read as an option, or that holds control characters, is refused. */
export function assertRefName(value: string | undefined, field: string): void {
  if (value === undefined) return;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (value.startsWith("-") || /[\u0000-\u001f\u007f]/.test(value) || value.length > 255) {
    throw new ValidationFailedError([
      {
        field,
        problem: "must not start with '-' or contain control characters, and is at most 255 characters",
      },
    ]);
  }
}

function originMatches(target: WorkspaceTarget): string {
  const workspace = shellQuote(target.workspacePath, "workspacePath");
  if (target.source.kind === "git") {
    return `[ "$(git -C ${workspace} config --get remote.origin.url 2>/dev/null)" = ${shellQuote(target.source.url, "source.url")} ]`;
  }
  // A local clone's origin is a path: compare where both paths really lead.
  const expected = shellQuote(target.source.path, "source.path");
  return `[ "$(cd "$(git -C ${workspace} config --get remote.origin.url 2>/dev/null)" 2>/dev/null && pwd -P)" = "$(cd ${expected} 2>/dev/null && pwd -P)" ]`;
}

/** Read-only: what session storage holds at the workspace path. */
export function probeScript(target: WorkspaceTarget): string {
  const workspace = shellQuote(target.workspacePath, "workspacePath");
  return [
    trustedGitPrelude(),
    `if [ -d ${workspace}/.git ]; then`,
    "  echo state=repository",
    `  if ${originMatches(target)}; then echo origin=match; else echo origin=other; fi`,
    `elif [ -e ${workspace} ]; then echo state=other`,
    "else echo state=absent; fi",
  ].join("\n");
}

/** Resolves the requested revision to a commit (fetching it if the clone lacks it) and checks it out. */
function checkoutRevision(revision: string | undefined, force: boolean): string[] {
  if (revision === undefined) return [];
  const commit = shellQuote(`${revision}^{commit}`, "source.revision");
  const rev = shellQuote(revision, "source.revision");
  return [
    `target=$(git rev-parse --verify --quiet --end-of-options ${commit} || { git fetch --quiet origin -- ${rev} >&2 && git rev-parse --verify --end-of-options ${commit}; })`,
    `if [ "$(git rev-parse --verify --quiet HEAD)" != "$target" ]; then`,
    `  git -c advice.detachedHead=false checkout --quiet ${force ? "--force " : ""}--detach "$target"`,
    "fi",
  ];
}

/**
 * Settings that matter on session storage: no fsmonitor daemon (it needs a socket), no automatic gc (a background
 * gc cut off by a session stop leaves locks behind), and our run directory kept out of `git status`.
 */
const REPOSITORY_SETTINGS = [
  "git config core.fsmonitor false",
  "git config gc.auto 0",
  "mkdir -p .git/info",
  "grep -qxF '.repair/' .git/info/exclude 2>/dev/null || echo '.repair/' >> .git/info/exclude",
];

/**
 * Clones into a temporary directory beside the workspace and renames it into place only when complete, so an
 * interrupted clone never looks like a repository on resume. `replaceExisting`: something else occupies the path.
 */
export function cloneScript(target: WorkspaceTarget, replaceExisting: boolean): string {
  const workspace = shellQuote(target.workspacePath, "workspacePath");
  const partial = shellQuote(`${target.workspacePath}.partial`, "workspacePath");
  const source = target.source;
  const from =
    source.kind === "git"
      ? `${source.branch ? `--branch ${shellQuote(source.branch, "source.branch")} ` : ""}-- ${shellQuote(source.url, "source.url")}`
      : // Session storage has no hard links: a local clone must copy its objects.
        `--no-hardlinks -- ${shellQuote(source.path, "source.path")}`;
  return [
    "set -e",
    trustedGitPrelude(),
    toolCacheExports(target.toolCacheDir),
    `rm -rf -- ${partial}`,
    ...(replaceExisting ? [`rm -rf -- ${workspace}`] : []),
    `mkdir -p -- ${shellQuote(target.mountPath, "mountPath")}`,
    `git -c core.fsmonitor=false clone --quiet ${from} ${partial}`,
    `cd ${partial}`,
    ...REPOSITORY_SETTINGS,
    ...checkoutRevision(source.revision, false),
    "cd /",
    `mv -- ${partial} ${workspace}`,
    `cd ${workspace}`,
    'echo "revision=$(git rev-parse HEAD)"',
    internalsDigestScript(),
  ].join("\n");
}

/**
 * Reuses the repository session storage kept: removes lock files a stopped session left behind (no git process
 * survives a stop), and moves to the requested revision only if HEAD is elsewhere, so work in progress on the
 * requested revision is kept.
 */
export function resumeScript(target: WorkspaceTarget): string {
  const workspace = shellQuote(target.workspacePath, "workspacePath");
  return [
    "set -e",
    trustedGitPrelude(),
    toolCacheExports(target.toolCacheDir),
    `cd ${workspace}`,
    `find .git -type f -name '*.lock' -print0 | while IFS= read -r -d '' lock; do rm -f -- "$lock" && printf 'cleared=%s\\n' "$lock"; done`,
    // The agent could write .git/config and hooks: rewrite them before any git command here reads them.
    resetRepositoryConfig(),
    ...REPOSITORY_SETTINGS,
    ...checkoutRevision(target.source.revision, true),
    'echo "revision=$(git rev-parse HEAD)"',
    internalsDigestScript(),
  ].join("\n");
}

export interface ScriptReport {
  readonly values: ReadonlyMap<string, string>;
  readonly cleared: readonly string[];
}

/** Reads `key=value` lines; `cleared=` may repeat. */
export function parseReport(text: string): ScriptReport {
  const values = new Map<string, string>();
  const cleared: string[] = [];
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1);
    if (key === "cleared") cleared.push(value);
    else values.set(key, value);
  }
  return { values, cleared };
}
