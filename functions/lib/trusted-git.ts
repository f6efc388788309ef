import { shellQuote } from "./shell-quote.ts";

/**
 * How the system runs git inside the session, where everything (the work tree, `.git/config`, `.git/hooks`,
 * `.gitattributes`) may have been written by the agent. Nothing planted there may run when the system itself calls
 * git (prepare, resume, measure, export, revert):
 *
 * - No system or global configuration (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), and none of the
 *   environment variables that point git at other programs or directories.
 * - Every call: no hooks (`core.hooksPath=/dev/null`), no fsmonitor, no pager or editor, no askpass or ssh
 *   command, no `ext::` transport. External diff and textconv are refused per diff command (`--no-ext-diff
 *   --no-textconv`): `-c diff.external=` with an empty value makes git try to run "" and die (git 2.39, checked).
 * - Measuring and exporting never read the workspace's own `.git/config` at all: they use a fresh git directory
 *   in /tmp whose objects come from the workspace through `objects/info/alternates` and whose index is built from
 *   the prepared revision (`isolatedRepository`). A clean/smudge filter, a diff driver or an fsmonitor set in the
 *   workspace's config is therefore undefined for them; `.gitattributes` can only name drivers that do not exist.
 * - Resuming a workspace (which must use its own `.git`) first rewrites `.git/config` from the few values the
 *   system needs and empties `.git/hooks` (`resetRepositoryConfig`), before any other git command reads it.
 */

const UNSET = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_CEILING_DIRECTORIES",
  "GIT_EXTERNAL_DIFF",
  "GIT_DIFF_OPTS",
  "GIT_PAGER",
  "PAGER",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "EDITOR",
  "VISUAL",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "GIT_PROXY_COMMAND",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_SYSTEM",
  "GIT_EXEC_PATH",
  "GIT_TEMPLATE_DIR",
  "GIT_ATTR_SOURCE",
  "GIT_REPLACE_REF_BASE",
] as const;

/** The `-c` settings every system git call carries (each key exists in git 2.39's git-config(1)). */
const TRUSTED_GIT_SETTINGS = [
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "core.untrackedCache=false",
  "core.pager=cat",
  "core.editor=true",
  "sequence.editor=true",
  "core.askPass=",
  "core.sshCommand=ssh",
  "protocol.ext.allow=never",
  "credential.helper=",
  "diff.noprefix=false",
  "diff.mnemonicPrefix=false",
  "diff.relative=false",
  "core.quotePath=true",
  "gc.auto=0",
  "maintenance.auto=false",
  "advice.detachedHead=false",
  "init.templateDir=",
] as const;

/**
 * Shell lines that make `git` in the rest of the script the trusted git: a function that calls the real binary
 * (`command git`) with the settings above and a clean environment. Put it first in every system script.
 */
export function trustedGitPrelude(): string {
  const settings = TRUSTED_GIT_SETTINGS.map((setting) => `-c ${shellQuote(setting)}`).join(" ");
  return [
    `unset ${UNSET.join(" ")}`,
    "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 GIT_OPTIONAL_LOCKS=0 GIT_NO_REPLACE_OBJECTS=1",
    `git() { command git ${settings} "$@"; }`,
  ].join("\n");
}

/** A revision the scripts may embed: a full object id (sha1 or sha256), nothing else. */
export function assertObjectId(value: string, field: string): string {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value)) {
    throw new Error(
      `${field} must be a full hexadecimal object id, got ${JSON.stringify(value.slice(0, 80))}`,
    );
  }
  return value;
}

/**
 * Shell lines (after the prelude) that point git at a fresh repository in /tmp: the workspace (the script's cwd)
 * as its work tree, the workspace's objects as alternates, an index holding `base`, and every change in the work
 * tree (tracked, untracked, deleted) added to that index. The workspace's own `.git` (config, hooks, index,
 * attributes, excludes) is never read; the run directory `.repair/` is excluded as prepare-workspace excludes it.
 * The temporary directory is removed when the script exits.
 */
export function isolatedRepository(base: string): string {
  const revision = assertObjectId(base, "baseRevision");
  return [
    "ws=$(pwd -P)",
    '[ -d "$ws/.git/objects" ] || { echo "repair: $ws/.git/objects is missing" >&2; exit 96; }',
    'scratch=$(mktemp -d "${TMPDIR:-/tmp}/repair-git.XXXXXXXX")',
    "trap 'rm -rf -- \"$scratch\"' EXIT",
    'git init --quiet --bare --template= -- "$scratch/git" >/dev/null',
    'printf "%s\\n" "$ws/.git/objects" > "$scratch/git/objects/info/alternates"',
    'mkdir -p "$scratch/git/info" && printf ".repair/\\n" > "$scratch/git/info/exclude"',
    'export GIT_DIR="$scratch/git" GIT_WORK_TREE="$ws" GIT_INDEX_FILE="$scratch/git/index"',
    "git config core.bare false",
    `git read-tree ${revision}`,
    "git add --all -- .",
  ].join("\n");
}

/**
 * Rewrites the workspace's `.git/config` from the values the system needs (format, object format, origin) and
 * empties `.git/hooks`: run in the workspace before any other git command on resume. Reading a value with
 * `git config --get` runs nothing (no hook, filter or fsmonitor is involved in reading configuration).
 */
export function resetRepositoryConfig(): string {
  return [
    // --file reads that file alone (no include.path is followed, none of the environment's configuration).
    "origin_url=$(git config --file .git/config --get remote.origin.url || true)",
    "format_version=$(git config --file .git/config --get core.repositoryformatversion || echo 0)",
    "object_format=$(git config --file .git/config --get extensions.objectformat || true)",
    "rm -f .git/config",
    'git config --file .git/config core.repositoryformatversion "$format_version"',
    'if [ -n "$object_format" ]; then git config --file .git/config extensions.objectformat "$object_format"; fi',
    "git config --file .git/config core.bare false",
    "git config --file .git/config core.filemode true",
    "git config --file .git/config core.logallrefupdates true",
    'if [ -n "$origin_url" ]; then',
    '  git config --file .git/config remote.origin.url "$origin_url"',
    "  git config --file .git/config remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'",
    "fi",
    "git config --file .git/config core.fsmonitor false",
    "git config --file .git/config gc.auto 0",
    "rm -rf .git/hooks && mkdir .git/hooks",
    "rm -f .git/info/attributes",
  ].join("\n");
}

/**
 * Prints `internals=<sha256>`: a digest of what git itself does not show as a change but decides what runs:
 * `.git/config`, `.git/hooks`, `.git/info`, and the tool shims in ignored directories (node_modules/.bin,
 * a virtualenv's bin/). prepare-workspace records it; every measurement compares against it.
 */
export function internalsDigestScript(): string {
  return [
    "internals=$( {",
    '  for f in .git/config .git/info/attributes .git/info/exclude; do [ -f "$f" ] && sha256sum -- "$f"; done',
    "  for d in .git/hooks node_modules/.bin .venv/bin venv/bin env/bin; do",
    '    [ -d "$d" ] && find "$d" -maxdepth 1 \\( -type f -o -type l \\) ! -name "*.sample" -printf "%p %m %l\\n" 2>/dev/null',
    '    [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name "*.sample" -exec sha256sum -- {} + 2>/dev/null',
    "  done",
    "} | LC_ALL=C sort | sha256sum | cut -c1-64 )",
    'echo "internals=$internals"',
  ].join("\n");
}
