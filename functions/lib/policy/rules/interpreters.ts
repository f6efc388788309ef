import { posix } from "node:path";
import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  judgeTaskName,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";
import { judgeScriptFile } from "./scripts.ts";

/** `node node_modules/.bin/jest`, `node ./node_modules/typescript/bin/tsc`: judged as the tool. */
function packageBinary(path: string): string | undefined {
  const bin = /(?:^|\/)node_modules\/\.bin\/([^/]+)$/.exec(path);
  if (bin?.[1] !== undefined) return bin[1];
  const pkg =
    /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:bin|dist\/bin|lib\/bin)\/([^/]+?)(?:\.[cm]?js)?$/.exec(
      path,
    );
  return pkg?.[2] ?? undefined;
}

function stdinCode(inv: Invocation, language: string): Finding[] {
  return runtimeOnly(
    inv,
    `runs ${language} from standard input${inv.stdin.kind === "text" ? " (a here-document)" : ""}, which the policy cannot judge`,
  );
}

const NODE_VALUED = [
  "-r",
  "--require",
  "--import",
  "--loader",
  "--experimental-loader",
  "-C",
  "--conditions",
  "--env-file",
  "--env-file-if-exists",
  "--input-type",
  "--inspect-port",
  "--title",
  "--test-reporter",
  "--test-reporter-destination",
  "--test-name-pattern",
  "--test-concurrency",
  "--watch-path",
  "--stack-size",
  "--max-old-space-size",
  "--disable-warning",
  "--experimental-config-file",
  "--run",
];

function nodeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [...NODE_VALUED, "-e", "--eval", "-p", "--print"],
    stopAtPositional: true,
    clusters: false,
  });
  if (hasOption(parsed, "-e", "--eval", "-p", "--print"))
    return runtimeOnly(inv, "runs inline JavaScript the policy cannot judge");
  if (hasOption(parsed, "-v", "--version", "-h", "--help", "--v8-options"))
    return readOnly(inv, "prints node information");
  if (hasOption(parsed, "-c", "--check")) return readOnly(inv, "checks syntax without running");
  const run = optionValue(parsed, "--run");
  if (run !== undefined) return judgeTaskName(inv, "package.json script", run);
  if (hasOption(parsed, "--test")) return workspaceWrite(inv, "runs the project's tests (node --test)");
  const script = parsed.positionals[0];
  if (script === undefined) return stdinCode(inv, "JavaScript");
  if (script.value === "-") return stdinCode(inv, "JavaScript");
  return scriptOrTool(inv, ctx, script, parsed.rest);
}

/** A script path that is really a tool's entry point is judged as the tool; anything else as a script file. */
function scriptOrTool(inv: Invocation, ctx: RuleContext, script: Word, rest: readonly Word[]): Finding[] {
  if (script.value !== null) {
    const tool = packageBinary(script.value);
    if (tool !== undefined && ctx.knows(tool)) return ctx.judge({ ...inv, name: tool, args: rest });
  }
  return judgeScriptFile(inv, ctx, script, "runs");
}

/** tsx, ts-node, babel-node and friends: node with TypeScript. */
function nodeLikeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      ...NODE_VALUED,
      "-e",
      "--eval",
      "-p",
      "--print",
      "--tsconfig",
      "-P",
      "--project",
      "-O",
      "--compiler-options",
    ],
    stopAtPositional: true,
    clusters: false,
  });
  if (hasOption(parsed, "-e", "--eval", "-p", "--print"))
    return runtimeOnly(inv, "runs inline code the policy cannot judge");
  if (hasOption(parsed, "-v", "--version", "-h", "--help"))
    return readOnly(inv, `prints ${inv.name} information`);
  if (hasOption(parsed, "--test")) return workspaceWrite(inv, "runs the project's tests");
  const positionals = [...parsed.positionals, ...parsed.rest];
  const script = positionals[0]?.value === "watch" ? positionals[1] : positionals[0];
  if (script === undefined) return stdinCode(inv, "code");
  return scriptOrTool(inv, ctx, script, positionals.slice(positionals.indexOf(script) + 1));
}

const PYTHON_VALUED = ["-W", "-X", "--check-hash-based-pycs"];

/** Modules run with `python -m` that are the same tool as the command of that name. */
const PYTHON_MODULE_ALIASES: Readonly<Record<string, string>> = {
  pre_commit: "pre-commit",
  "http.server": "http-server",
  "json.tool": "jq",
  "pip._internal": "pip",
};
const PYTHON_READ_MODULES = new Set([
  "json.tool",
  "site",
  "platform",
  "sysconfig",
  "pydoc",
  "timeit",
  "tokenize",
  "this",
  "ensurepip-check",
  "calendar",
  "zipfile-list",
  "py_compile-check",
  "tabnanny",
]);
const PYTHON_WORKSPACE_MODULES = new Set([
  "unittest",
  "doctest",
  "compileall",
  "py_compile",
  "cProfile",
  "profile",
  "trace",
  "build",
  "coverage",
  "http.server",
  "pytest",
  "mypy",
  "black",
  "isort",
  "ruff",
  "flake8",
  "pylint",
  "pyright",
  "nox",
  "tox",
  "sphinx",
  "mkdocs",
  "uvicorn",
  "gunicorn",
  "flask",
  "django",
  "alembic-check",
  "pyflakes",
  "pycodestyle",
  "pydocstyle",
  "autopep8",
  "yapf",
  "nose2",
  "behave",
  "bandit",
  "pytest_cov",
  "hypothesis",
  "jupyter",
  "nbconvert",
  "grpc_tools.protoc",
  "setuptools_scm",
  "pip_audit",
  "pipdeptree",
  "wheel",
  "zipapp",
]);

function pythonRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const args = inv.args;
  let i = 0;
  for (; i < args.length; i += 1) {
    const text = args[i]?.value;
    if (text === null || text === undefined || !text.startsWith("-") || text === "-") break;
    if (text === "-c") return runtimeOnly(inv, "runs inline Python the policy cannot judge");
    if (text === "-m" || /^-[BbdEhIiOqRsSuvx]*m$/.test(text) || (text.startsWith("-m") && text.length > 2)) {
      const module =
        text.startsWith("-m") && text.length > 2 ? { value: text.slice(2), raw: text } : args[i + 1];
      return pythonModule(
        inv,
        ctx,
        module,
        args.slice(text.startsWith("-m") && text.length > 2 ? i + 1 : i + 2),
      );
    }
    if (/^-[BbdEhIiOqRsSuvx]*c$/.test(text))
      return runtimeOnly(inv, "runs inline Python the policy cannot judge");
    if (text === "-V" || text === "--version" || text === "-h" || text === "--help")
      return readOnly(inv, "prints python information");
    if (text === "-i") return runtimeOnly(inv, "starts an interactive interpreter");
    if (PYTHON_VALUED.includes(text)) i += 1;
  }
  const script = args[i];
  if (script === undefined || script.value === "-") return stdinCode(inv, "Python");
  if (script.value !== null && posix.basename(script.value) === "manage.py") {
    const command = args[i + 1];
    if (command === undefined) return readOnly(inv, "lists Django commands");
    return judgeDjangoCommand(inv, command);
  }
  return judgeScriptFile(inv, ctx, script, "runs");
}

/** Django management commands that build, check or serve the project; `migrate`, `flush` and the like change a database. */
const DJANGO_WORKSPACE_COMMANDS = new Set([
  "test",
  "check",
  "runserver",
  "collectstatic",
  "makemigrations",
  "showmigrations",
  "sqlmigrate",
  "compilemessages",
  "makemessages",
  "diffsettings",
  "startapp",
  "startproject",
  "help",
  "version",
  "findstatic",
  "validate_templates",
]);

export function judgeDjangoCommand(inv: Invocation, command: Word): Finding[] {
  if (command.value !== null && DJANGO_WORKSPACE_COMMANDS.has(command.value)) {
    return workspaceWrite(inv, `runs the Django command "${command.value}" on the workspace`);
  }
  if (command.value === "shell" || command.value === "dbshell")
    return runtimeOnly(inv, "opens an interactive shell");
  return judgeTaskName(inv, "Django command", command);
}

function pythonModule(
  inv: Invocation,
  ctx: RuleContext,
  module: Word | undefined,
  rest: readonly Word[],
): Finding[] {
  if (module === undefined) return runtimeOnly(inv, "python -m without a module");
  if (module.value === null) return runtimeOnly(inv, `runs a module only known at run time (${module.raw})`);
  const name = module.value;
  if (name === "venv" || name === "virtualenv") {
    const dirs = parseArgs(rest, { valued: ["--prompt", "--upgrade-deps"] }).positionals;
    return writesPaths(inv, ctx, dirs, "write", "creates a virtual environment under the workspace");
  }
  if (
    name === "pip" ||
    name === "twine" ||
    name === "poetry" ||
    name === "pipx" ||
    name === "pdm" ||
    name === "hatch" ||
    name === "uv"
  ) {
    // `.venv/bin/python -m pip` installs into that venv: the interpreter's path says so.
    const interpreter = resolvePath(inv.name, ctx.cwd);
    const venv =
      ctx.venv || (interpreter?.startsWith(`${ctx.workspace}/`) && /\/bin\/python[0-9.]*$/.test(interpreter));
    return ctx.judge({ ...inv, name, args: rest }, { venv });
  }
  const alias = PYTHON_MODULE_ALIASES[name];
  if (PYTHON_READ_MODULES.has(name)) return readOnly(inv, `runs the ${name} module`);
  if (alias !== undefined && ctx.knows(alias)) return ctx.judge({ ...inv, name: alias, args: rest });
  if (PYTHON_WORKSPACE_MODULES.has(name)) return workspaceWrite(inv, `runs ${name} on the workspace`);
  if (ctx.knows(name)) return ctx.judge({ ...inv, name, args: rest });
  return unknownPart(inv, `python -m ${name} is not a module the policy knows`);
}

/** Interpreters whose inline-code flag is given; a file argument is a script. */
function interpreter(
  language: string,
  inlineFlags: readonly string[],
  readFlags: readonly string[],
  valued: readonly string[] = [],
) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, {
      valued: [...valued, ...inlineFlags],
      stopAtPositional: true,
      clusters: false,
    });
    // `perl -pie '...'`: a cluster ending in the inline-code flag.
    const clusterInline = (name: string) =>
      inlineFlags.some((f) => /^-[a-zA-Z]+$/.test(name) && name.endsWith(f.slice(1)));
    if (parsed.options.some((o) => inlineFlags.includes(o.name) || clusterInline(o.name))) {
      return runtimeOnly(inv, `runs inline ${language} the policy cannot judge`);
    }
    if (hasOption(parsed, ...readFlags))
      return readOnly(inv, `prints ${inv.name} information or checks syntax`);
    const script = parsed.positionals[0];
    if (script === undefined || script.value === "-") return stdinCode(inv, language);
    if (script.value !== null && /(^|\/)artisan$/.test(script.value)) {
      const command = parsed.rest[0];
      return command === undefined
        ? readOnly(inv, "lists artisan commands")
        : judgeTaskName(inv, "artisan command", command);
    }
    if (script.value !== null && /(^|\/)(vendor\/bin|bin)\/[^/]+$/.test(script.value)) {
      const tool = posix.basename(script.value);
      if (ctx.knows(tool)) return ctx.judge({ ...inv, name: tool, args: parsed.rest });
    }
    return judgeScriptFile(inv, ctx, script, "runs");
  };
}

function javaRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-cp",
      "-classpath",
      "--class-path",
      "-p",
      "--module-path",
      "-m",
      "--module",
      "--add-modules",
      "-jar",
    ],
    stopAtPositional: true,
    clusters: false,
  });
  if (hasOption(parsed, "-version", "--version", "-showversion", "-help", "--help", "-h"))
    return readOnly(inv, "prints java information");
  const jar = optionValue(parsed, "-jar");
  if (jar !== undefined) return judgeScriptFile(inv, ctx, jar, "runs");
  const main = optionValue(parsed, "-m", "--module") ?? parsed.positionals[0];
  if (main === undefined) return readOnly(inv, "prints java usage");
  if (main.value?.endsWith(".java")) return judgeScriptFile(inv, ctx, main, "runs");
  const className = main.value?.split(/[./]/).at(-1);
  return judgeTaskName(inv, "Java main class", { value: className ?? null, raw: main.raw });
}

function denoRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, { stopAtPositional: true });
  const sub = head.positionals[0];
  if (sub === undefined)
    return hasOption(head, "-v", "--version", "-h", "--help", "-V")
      ? readOnly(inv, "prints deno information")
      : runtimeOnly(inv, "starts an interactive REPL");
  if (sub.value === null)
    return runtimeOnly(inv, `deno runs a subcommand only known at run time (${sub.raw})`);
  const rest = head.rest;
  switch (sub.value) {
    case "run":
    case "serve": {
      const parsed = parseArgs(rest, {
        valued: [
          "--config",
          "-c",
          "--import-map",
          "--env-file",
          "--location",
          "--cert",
          "--inspect",
          "--allow-read",
          "--allow-write",
          "--allow-net",
          "--allow-env",
          "--allow-run",
          "--allow-sys",
          "--allow-ffi",
          "--port",
          "--host",
        ],
        stopAtPositional: true,
        clusters: false,
      });
      const script = parsed.positionals[0];
      if (script === undefined) return runtimeOnly(inv, "deno run without a script");
      return judgeScriptFile(inv, ctx, script, "runs");
    }
    case "eval":
    case "repl":
    case "jupyter":
      return runtimeOnly(inv, "runs inline code the policy cannot judge");
    case "task": {
      const task = parseArgs(rest, {
        valued: ["--config", "-c", "--cwd", "-f", "--filter"],
        stopAtPositional: true,
      }).positionals[0];
      return task === undefined ? readOnly(inv, "lists deno tasks") : judgeTaskName(inv, "deno task", task);
    }
    case "publish":
      return classed("package-publish", inv, "publishes to JSR");
    case "deploy":
      return classed("infrastructure", inv, "deploys to Deno Deploy");
    case "upgrade":
      return classed("destructive", inv, "upgrades deno itself, outside the workspace");
    case "install":
    case "uninstall":
      return rest.some((a) => a.value === "-g" || a.value === "--global")
        ? classed("destructive", inv, "installs a command outside the workspace (global)")
        : workspaceWrite(inv, "installs dependencies for the workspace");
    case "info":
    case "doc":
    case "types":
    case "lsp":
    case "completions":
    case "outdated":
      return readOnly(inv, `reads project information (deno ${sub.value})`);
    case "test":
    case "bench":
    case "check":
    case "fmt":
    case "lint":
    case "cache":
    case "compile":
    case "coverage":
    case "init":
    case "add":
    case "remove":
    case "clean":
    case "bundle":
    case "vendor":
      return workspaceWrite(inv, `deno ${sub.value} works in the workspace`);
    default:
      return judgeScriptFile(inv, ctx, sub, "runs");
  }
}

function execStringRule(flag: string, how: string) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued: [flag] });
    const text = optionValue(parsed, flag);
    if (text !== undefined) return judgeShellText(inv, ctx, text, how);
    return runtimeOnly(inv, `${inv.name} without ${flag} starts an interactive shell`);
  };
}

export const interpreterRules: RuleTable = {
  node: nodeRule,
  nodejs: nodeRule,
  tsx: nodeLikeRule,
  "ts-node": nodeLikeRule,
  "ts-node-esm": nodeLikeRule,
  "ts-node-dev": nodeLikeRule,
  tsnd: nodeLikeRule,
  esno: nodeLikeRule,
  esr: nodeLikeRule,
  "babel-node": nodeLikeRule,
  "vite-node": nodeLikeRule,
  jiti: nodeLikeRule,
  "node-dev": nodeLikeRule,
  python: pythonRule,
  python3: pythonRule,
  pypy: pythonRule,
  pypy3: pythonRule,
  py: pythonRule,
  ruby: interpreter(
    "Ruby",
    ["-e"],
    ["-v", "--version", "-c", "-h", "--help"],
    ["-I", "-r", "-C", "-E", "-x"],
  ),
  perl: interpreter("Perl", ["-e", "-E"], ["-v", "-V", "-c", "-h"], ["-I", "-M", "-m", "-x"]),
  php: interpreter(
    "PHP",
    ["-r", "-B", "-R", "-E", "-F"],
    ["-v", "--version", "-l", "-i", "-m", "-h"],
    ["-c", "-d", "-z", "-S", "-t"],
  ),
  Rscript: interpreter("R", ["-e"], ["--version", "--help"]),
  lua: interpreter("Lua", ["-e"], ["-v"], ["-l"]),
  luajit: interpreter("Lua", ["-e"], ["-v"], ["-l"]),
  elixir: interpreter("Elixir", ["-e", "--eval"], ["-v", "--version", "-h"], ["-r", "-pa", "-pz"]),
  java: javaRule,
  deno: denoRule,
  "nix-shell": execStringRule("--run", "nix-shell --run"),
  script: execStringRule("-c", "script -c"),
};
