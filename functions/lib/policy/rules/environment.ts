import { isWithin, resolvePath } from "../workspace-paths.ts";

/**
 * Environment variables that load code or name a program another tool runs: setting one before a command (or
 * through `env`, `cross-env`) hides a command from the policy. Only harmless values pass: a pager, a Node
 * heap size, a Python path inside the workspace.
 */
const LOADS_CODE =
  /^(NODE_OPTIONS|NODE_PATH|npm_config_.*|NPM_CONFIG_.*|YARN_.*|PYTHON.*|PERL5OPT|PERL5LIB|PERLLIB|PERL5DB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|MAVEN_OPTS|GRADLE_OPTS|MAKEFILES|MAKEFLAGS|MFLAGS|GIT_.*|PATH|PS4|PS1|PS0|PROMPT_COMMAND|BASH_ENV|ENV|BASH_FUNC_.*|LD_.*|DYLD_.*|CDPATH|PAGER|MANPAGER|EDITOR|VISUAL|LESSOPEN|LESSCLOSE|SSH_ASKPASS|SHELLOPTS|BASHOPTS|GLOBIGNORE|IFS|HOME|TMPDIR|XDG_CONFIG_HOME|SHELL|GCONV_PATH|LOCPATH|HOSTALIASES|RUSTC_WRAPPER|RUSTFLAGS|CARGO_.*|GOFLAGS|CGO_.*|CC|CXX|NODE_REPL_EXTERNAL_MODULE|ELECTRON_RUN_AS_NODE|PIP_.*|UV_.*|TF_CLI_ARGS.*)$/;

const HARMLESS: readonly (readonly [RegExp, RegExp])[] = [
  [/^(PAGER|GIT_PAGER|MANPAGER)$/, /^(|cat|less|less -R|less -FRX|more)$/],
  [/^(EDITOR|VISUAL|GIT_EDITOR|GIT_SEQUENCE_EDITOR)$/, /^(|true|:|cat|vi|vim|nano)$/],
  [
    /^NODE_OPTIONS$/,
    /^((--max-old-space-size=\d+|--max-semi-space-size=\d+|--stack-size=\d+|--experimental-vm-modules|--no-warnings|--enable-source-maps|--trace-warnings|--trace-deprecation|--unhandled-rejections=\w+|--no-deprecation|--experimental-strip-types|--expose-gc)\s*)*$/,
  ],
  [
    /^(PYTHONDONTWRITEBYTECODE|PYTHONUNBUFFERED|PYTHONHASHSEED|PYTHONUTF8|PYTHONIOENCODING|PYTHONFAULTHANDLER|PYTHONDEVMODE|PYTHONWARNINGS|PYTHONOPTIMIZE)$/,
    /^[\w.,:=-]*$/,
  ],
  [
    /^(GIT_AUTHOR_NAME|GIT_AUTHOR_EMAIL|GIT_COMMITTER_NAME|GIT_COMMITTER_EMAIL|GIT_AUTHOR_DATE|GIT_COMMITTER_DATE|GIT_TERMINAL_PROMPT|GIT_OPTIONAL_LOCKS|GIT_FLUSH|GIT_MERGE_AUTOEDIT)$/,
    /^[^$`]*$/,
  ],
  [
    /^(CGO_ENABLED|CARGO_TERM_COLOR|CARGO_INCREMENTAL|CARGO_TERM_VERBOSE|npm_config_loglevel|npm_config_fund|npm_config_audit|npm_config_yes|NPM_CONFIG_LOGLEVEL|YARN_ENABLE_IMMUTABLE_INSTALLS|PIP_DISABLE_PIP_VERSION_CHECK|PIP_NO_CACHE_DIR|UV_NO_CACHE)$/,
    /^[\w.-]*$/,
  ],
  [/^(TMPDIR|HOME)$/, /^\/tmp(\/[\w.-]+)*$/],
];

/** The finding detail when `name=value` loads code, or null. `value` is null when only known at run time. */
export function loaderVariable(name: string, value: string | null, workspace: string): string | null {
  if (!LOADS_CODE.test(name)) return null;
  if (value !== null) {
    if (HARMLESS.some(([n, v]) => n.test(name) && v.test(value.trim()))) return null;
    // Module search paths inside the workspace load the workspace's own code, which the repair runs anyway.
    if (
      /^(PYTHONPATH|NODE_PATH|PERL5LIB|RUBYLIB)$/.test(name) &&
      value.split(":").every((p) => inWorkspace(p, workspace))
    ) {
      return null;
    }
  }
  return `sets ${name}, which loads code or names a program, to ${value === null ? "a run-time value" : value}`;
}

function inWorkspace(path: string, workspace: string): boolean {
  const resolved = resolvePath(path === "" ? "." : path, workspace);
  return resolved !== null && isWithin(resolved, workspace);
}
