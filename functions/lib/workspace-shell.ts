import { shellQuote } from "./shell-quote.ts";

/**
 * Shell fragments for commands that run in the repository's workspace. Session storage supports no sockets, FIFOs
 * or hard links, and its 1 GB should hold the repository, not caches: tool caches go to a directory outside the
 * mount path, per command (commands share no environment).
 */

export function toolCacheExports(cacheDirectory: string): string {
  const cache = (name: string) => shellQuote(`${cacheDirectory}/${name}`);
  return [
    `export XDG_CACHE_HOME=${cache("xdg")}`,
    `export npm_config_cache=${cache("npm")}`,
    `export PIP_CACHE_DIR=${cache("pip")}`,
    `export GOCACHE=${cache("go-build")}`,
    `export GOMODCACHE=${cache("go-mod")}`,
    `export YARN_CACHE_FOLDER=${cache("yarn")}`,
    "export GIT_TERMINAL_PROMPT=0",
  ].join("\n");
}

/**
 * Wraps `command` so it runs in `workspacePath` with caches outside the mount path. The command follows on its own
 * line, verbatim, so its own syntax (heredocs, `set -e`, `exit`) is untouched. Exit 97 means the workspace is gone.
 */
export function inWorkspace(workspacePath: string, cacheDirectory: string, command: string): string {
  const path = shellQuote(workspacePath, "workspacePath");
  return [
    `cd ${path} 2>/dev/null || { echo "repair: the workspace "${path}" does not exist" >&2; exit 97; }`,
    toolCacheExports(cacheDirectory),
    command,
  ].join("\n");
}
