import { shellQuote } from "../shell-quote.ts";
import {
  assertObjectId,
  internalsDigestScript,
  isolatedRepository,
  resetRepositoryConfig,
  trustedGitPrelude,
} from "../trusted-git.ts";

/**
 * The scripts export-change runs in the session (through run-command, which alone may call
 * InvokeAgentRuntimeCommand). Their stdout is `key=value` lines whose values are base64 or plain ASCII, so
 * non-UTF-8 bytes (paths, binary files, Latin-1 text) cross the command stream unchanged.
 */

/** Raw and numstat listings longer than this are cut (the record keeps at most CHANGE_FILES_MAX files anyway). */
const LISTING_MAX_BYTES = 256 * 1024;
/** Package manifests whose before/after text is sent for the scripts check; larger ones count as surfaces. */
export const MANIFEST_MAX_BYTES = 64 * 1024;
const MANIFESTS_MAX = 20;
/**
 * Largest patch exported. Its base64 (4/3 of it) travels back in run-command's reply, which Lambda caps at 6 MB.
 */
export const PATCH_MAX_BYTES = 3_500_000;

/** Who the exported commit is by: the system, on behalf of the agent (the approver is recorded separately). */
export interface CommitIdentity {
  readonly name: string;
  readonly email: string;
  /** ISO-8601: the request's acceptedAt, so the same change exports to the same bytes (and hash). */
  readonly date: string;
}

/** Lines that print what changed against `base` (the isolated index already holds base + the work tree). */
function measurementLines(base: string): string[] {
  const diff = `git diff --cached -M --no-ext-diff --no-textconv -z`;
  return [
    `${diff} --raw ${base} -- > "$scratch/raw"`,
    `${diff} --numstat ${base} -- > "$scratch/numstat"`,
    // Totals over every file, even when the listings are cut; binary files count 0 lines.
    `git diff --cached -M --no-ext-diff --no-textconv --numstat ${base} -- | awk -F'\\t' '{n++; if ($1 != "-") i += $1; if ($2 != "-") d += $2} END {printf "totals=%d %d %d\\n", n, i, d}'`,
    `printf 'raw='; head -c ${LISTING_MAX_BYTES} "$scratch/raw" | base64 -w0; echo`,
    `printf 'numstat='; head -c ${LISTING_MAX_BYTES} "$scratch/numstat" | base64 -w0; echo`,
    `[ "$(wc -c < "$scratch/raw")" -le ${LISTING_MAX_BYTES} ] || echo 'listing=truncated'`,
    // package.json: the before and after text, so the task can tell a scripts change from a dependency bump.
    `git diff --cached -M --no-ext-diff --no-textconv --name-only -z ${base} -- | tr '\\0' '\\n' | grep -E '(^|/)package\\.json$' | head -n ${MANIFESTS_MAX} | while IFS= read -r manifest; do`,
    `  before=$(git cat-file blob "${base}:$manifest" 2>/dev/null | head -c ${MANIFEST_MAX_BYTES + 1} | base64 -w0)`,
    `  after=$(git cat-file blob ":$manifest" 2>/dev/null | head -c ${MANIFEST_MAX_BYTES + 1} | base64 -w0)`,
    `  printf 'manifest=%s:%s:%s\\n' "$(printf '%s' "$manifest" | base64 -w0)" "$before" "$after"`,
    "done",
    internalsDigestScript(),
  ];
}

/** Measures the change since `base`: nothing in the workspace is modified. */
export function measureScript(base: string): string {
  const revision = assertObjectId(base, "baseRevision");
  return ["set -eu", trustedGitPrelude(), isolatedRepository(revision), ...measurementLines(revision)].join(
    "\n",
  );
}

/**
 * Measures, then writes the change as one commit on `base` and prints it in `git format-patch` form (binary
 * patches, full index lines, no signature: `git am` and `git apply` both take it) as base64, with its size.
 * Nothing in the workspace changes: the commit lives in the temporary repository.
 */
export function exportScript(base: string, message: string, identity: CommitIdentity): string {
  const revision = assertObjectId(base, "baseRevision");
  const env = [
    `GIT_AUTHOR_NAME=${shellQuote(identity.name)}`,
    `GIT_AUTHOR_EMAIL=${shellQuote(identity.email)}`,
    `GIT_AUTHOR_DATE=${shellQuote(identity.date)}`,
    `GIT_COMMITTER_NAME=${shellQuote(identity.name)}`,
    `GIT_COMMITTER_EMAIL=${shellQuote(identity.email)}`,
    `GIT_COMMITTER_DATE=${shellQuote(identity.date)}`,
  ].join(" ");
  return [
    "set -eu",
    trustedGitPrelude(),
    isolatedRepository(revision),
    ...measurementLines(revision),
    "tree=$(git write-tree)",
    `if [ "$tree" = "$(git rev-parse ${revision}^{tree})" ]; then echo 'empty=1'; exit 0; fi`,
    `printf '%s' ${shellQuote(Buffer.from(message, "utf8").toString("base64"))} | base64 -d > "$scratch/message"`,
    `commit=$(${env} git commit-tree "$tree" -p ${revision} -F "$scratch/message")`,
    'echo "commit=$commit"',
    `git format-patch --stdout --binary --full-index --no-signature --no-ext-diff -M -1 "$commit" > "$scratch/patch"`,
    'bytes=$(wc -c < "$scratch/patch")',
    'echo "bytes=$bytes"',
    `if [ "$bytes" -gt ${PATCH_MAX_BYTES} ]; then echo 'too-large=1'; exit 0; fi`,
    `printf 'patch='; base64 -w0 < "$scratch/patch"; echo`,
  ].join("\n");
}

/**
 * Puts `paths` back as they are at `base` (restored, or removed when base does not have them), and with
 * `internals` rewrites `.git/config` and empties `.git/hooks`: a person denied that change. Paths are passed as
 * base64 of NUL-separated bytes and taken literally (no pathspec magic).
 */
export function revertScript(base: string, paths: readonly string[], internals: boolean): string {
  const revision = assertObjectId(base, "baseRevision");
  const list = Buffer.from(paths.map((path) => `${path}\0`).join(""), "utf8").toString("base64");
  return [
    "set -eu",
    trustedGitPrelude(),
    ...(internals ? [resetRepositoryConfig(), "echo internals=reset"] : []),
    isolatedRepository(revision),
    "export GIT_LITERAL_PATHSPECS=1",
    `printf '%s' ${shellQuote(list)} | base64 -d > "$scratch/paths"`,
    'while IFS= read -r -d "" path; do',
    `  if git cat-file -e "${revision}:$path" 2>/dev/null; then`,
    `    git checkout --quiet ${revision} -- "$path"`,
    '  else rm -f -- "$ws/$path"; fi',
    "  printf 'reverted=%s\\n' \"$(printf '%s' \"$path\" | base64 -w0)\"",
    'done < "$scratch/paths"',
  ].join("\n");
}
