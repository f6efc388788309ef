import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import { isSecretVariable } from "../sensitive-references.ts";
import { dynamicWord, type Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  judgeWrapped,
  pathFindings,
  readOnly,
  runtimeOnly,
  workspaceWrite,
} from "./helpers.ts";
import { judgeScriptFile } from "./scripts.ts";

const builtin = (detail: string) => (inv: Invocation) => readOnly(inv, detail);

/** Shell builtins and plumbing that change nothing outside the shell itself. */
const PLUMBING: RuleTable = Object.fromEntries(
  [
    "echo",
    "printf",
    "true",
    "false",
    ":",
    "exit",
    "return",
    "break",
    "continue",
    "shift",
    "wait",
    "sleep",
    "getopts",
    "let",
    "test",
    "[",
    "type",
    "hash",
    "help",
    "jobs",
    "times",
    "ulimit",
    "umask",
    "shopt",
    "history",
    "dirs",
    "caller",
    "disown",
    "complete",
    "compgen",
    "compopt",
    "bind",
    "local",
    "declare",
    "typeset",
    "readonly",
    "export",
    "unset",
    "deactivate",
  ].map((name) => [name, builtin("shell builtin")]),
);

const CHANGES_DIRECTORY = builtin("changes the working directory");

function setRule(inv: Invocation): Finding[] {
  if (inv.args.length === 0)
    return classed("credentials", inv, "prints every shell variable, credentials included");
  return readOnly(inv, "sets shell options");
}

function printenvRule(inv: Invocation): Finding[] {
  const names = inv.args.filter((a) => a.value === null || !a.value.startsWith("-"));
  if (names.length === 0)
    return classed("credentials", inv, "prints the environment, which holds credentials");
  const secret = names.find((a) => a.value === null || isSecretVariable(a.value));
  if (secret !== undefined)
    return classed("credentials", inv, `prints ${secret.raw}, which may hold a secret`);
  return readOnly(inv, "prints environment variables");
}

function evalRule(inv: Invocation, ctx: RuleContext): Finding[] {
  if (inv.args.length === 0) return readOnly(inv, "eval with nothing to run");
  const dynamic = inv.args.find((a) => a.value === null);
  if (dynamic !== undefined)
    return runtimeOnly(inv, `evaluates text only known at run time (${dynamic.raw})`);
  return ctx.judgeScript(inv.args.map((a) => a.value).join(" "), "eval", { sameShell: true });
}

function sourceRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const file = inv.args[0];
  if (file === undefined) return runtimeOnly(inv, "source without a file");
  const path = file.value === null ? null : resolvePath(file.value, ctx.cwd);
  if (path?.startsWith(`${ctx.workspace}/`) && path.endsWith("/bin/activate")) {
    return workspaceWrite(inv, "activates a virtual environment under the workspace");
  }
  return judgeScriptFile(inv, ctx, file, "sources");
}

function trapRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const first = inv.args[0];
  if (first === undefined || first.value === "-l" || first.value === "-p")
    return readOnly(inv, "lists traps");
  if (first.value === "" || first.value === "-") return readOnly(inv, "resets a trap");
  return judgeShellText(inv, ctx, first, "trap");
}

function execRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-a"], stopAtPositional: true });
  const words = [...parsed.positionals, ...parsed.rest];
  if (words.length === 0) return readOnly(inv, "changes this shell's file descriptors");
  return judgeWrapped(inv, ctx, words, "exec");
}

function commandRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { stopAtPositional: true });
  if (hasOption(parsed, "-v", "-V")) return readOnly(inv, "looks up a command");
  return judgeWrapped(inv, ctx, [...parsed.positionals, ...parsed.rest], "command");
}

const SHELL_VALUED = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);

/** `bash -c TEXT`, `bash script.sh`, `bash` reading a here-document or a pipe. */
function shellRule(inv: Invocation, ctx: RuleContext): Finding[] {
  let commandMode = false;
  let interactive = false;
  let fromStdin = false;
  let i = 0;
  for (; i < inv.args.length; i += 1) {
    const text = inv.args[i]?.value;
    if (text === null || text === undefined) break;
    if (text === "--" || text === "-") {
      i += 1;
      break;
    }
    if (text === "--version" || text === "--help") return readOnly(inv, "prints shell information");
    if (SHELL_VALUED.has(text)) {
      i += 1;
      continue;
    }
    if (text.startsWith("--")) continue;
    if (!/^[-+][A-Za-z]+$/.test(text)) break;
    if (text.startsWith("-") && text.includes("c")) commandMode = true;
    if (text.startsWith("-") && text.includes("i")) interactive = true;
    if (text.startsWith("-") && text.includes("s")) fromStdin = true;
    if (text.startsWith("-") && text.includes("n") && !commandMode) {
      return readOnly(inv, "checks shell syntax without running it");
    }
  }
  const positional = inv.args[i];
  if (commandMode) return judgeShellText(inv, ctx, positional, `${inv.name} -c`);
  if (interactive) return runtimeOnly(inv, "starts an interactive shell");
  // `sh -s -- ARGS`: the words are arguments to commands read from standard input, not a script.
  if (positional !== undefined && !fromStdin) return judgeScriptFile(inv, ctx, positional, "runs");
  switch (inv.stdin.kind) {
    case "text":
      return ctx.judgeScript(inv.stdin.text, `${inv.name} reading a here-document`);
    case "file":
      return judgeScriptFile(inv, ctx, inv.stdin.word, "runs");
    default:
      return runtimeOnly(inv, `${inv.name} reads commands from standard input, which the policy cannot see`);
  }
}

function suRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-c", "--command", "-s", "--shell", "-g", "-G", "-w"] });
  const root = classed("destructive", inv, "runs as another user");
  const text = optionValue(parsed, "-c", "--command");
  if (text === undefined)
    return [...root, ...runtimeOnly(inv, "starts an interactive shell as another user")];
  return [...root, ...judgeShellText(inv, ctx, text, "su -c")];
}

const SUDO_VALUED = [
  "-u",
  "-g",
  "-h",
  "-p",
  "-C",
  "-D",
  "-r",
  "-t",
  "-U",
  "-T",
  "--user",
  "--group",
  "--host",
  "--prompt",
  "--close-from",
  "--chdir",
  "--role",
  "--type",
  "--other-user",
  "--command-timeout",
];

function sudoRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: SUDO_VALUED, stopAtPositional: true });
  const words = [...parsed.positionals, ...parsed.rest];
  if (words.length === 0) {
    if (hasOption(parsed, "-i", "-s", "--login", "--shell"))
      return runtimeOnly(inv, "starts an interactive root shell");
    return readOnly(inv, "checks or resets cached privileges");
  }
  const root = classed(
    "destructive",
    inv,
    `runs with root privileges (${inv.name}), beyond anything the workspace needs`,
  );
  if (hasOption(parsed, "-e", "--edit")) return [...root, ...pathFindings(inv, ctx, words, "write")];
  const chdir = optionValue(parsed, "-D", "--chdir");
  const cwd = chdir?.value ? resolvePath(chdir.value, ctx.cwd) : ctx.cwd;
  return [...root, ...judgeWrapped(inv, ctx, words, inv.name, { cwd })];
}

/** Wrappers that take options, then (optionally) one fixed positional such as a CPU mask, then the command. */
function wrapper(valued: readonly string[], skipPositional = false, pidOption?: string) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued, stopAtPositional: true });
    if (pidOption !== undefined && hasOption(parsed, pidOption))
      return readOnly(inv, "inspects a running process");
    const words = skipPositional ? parsed.rest : [...parsed.positionals, ...parsed.rest];
    if (words.length === 0) return readOnly(inv, `${inv.name} with nothing to run`);
    const out = outputFileFindings(inv, ctx, parsed.options);
    return [...out, ...judgeWrapped(inv, ctx, words, inv.name)];
  };
}

function outputFileFindings(
  inv: Invocation,
  ctx: RuleContext,
  options: readonly { name: string; value: Word | undefined }[],
): Finding[] {
  const files = options.filter((o) => (o.name === "-o" || o.name === "--output") && o.value !== undefined);
  return pathFindings(
    inv,
    ctx,
    files.map((o) => o.value as Word),
    "write",
  ).filter((f) => f.class !== "workspace-write");
}

function timeoutRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-s", "--signal", "-k", "--kill-after"],
    stopAtPositional: true,
  });
  return judgeWrapped(inv, ctx, parsed.rest, "timeout");
}

/** `env [-i] [-u NAME] [-C DIR] [-S TEXT] [NAME=VALUE...] [COMMAND...]` */
function envRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const assignments = [...inv.assignments];
  let cwd = ctx.cwd;
  let i = 0;
  for (; i < inv.args.length; i += 1) {
    const word = inv.args[i] as Word;
    const text = word.value;
    if (text === null) break;
    if (text === "--") {
      i += 1;
      break;
    }
    if (text === "-u" || text === "--unset") {
      i += 1;
      continue;
    }
    if (text === "-C" || text === "--chdir") {
      const dir = inv.args[i + 1]?.value;
      cwd = dir === null || dir === undefined ? null : resolvePath(dir, cwd);
      i += 1;
      continue;
    }
    if (
      text === "-S" ||
      text === "--split-string" ||
      text.startsWith("--split-string=") ||
      /^-S./.test(text)
    ) {
      const inline = text.startsWith("--split-string=")
        ? text.slice(15)
        : text.startsWith("-S") && text.length > 2
          ? text.slice(2)
          : undefined;
      const rest = inv.args.slice(inline === undefined ? i + 2 : i + 1);
      const head = inline ?? inv.args[i + 1]?.value ?? null;
      if (head === null || rest.some((w) => w.value === null))
        return runtimeOnly(inv, "env -S with text only known at run time");
      return ctx.judgeScript([head, ...rest.map((w) => w.value)].join(" "), "env -S");
    }
    if (text.startsWith("-")) continue;
    const eq = text.indexOf("=");
    if (eq > 0) {
      assignments.push({ name: text.slice(0, eq), value: { value: text.slice(eq + 1), raw: word.raw } });
      continue;
    }
    break;
  }
  const words = inv.args.slice(i);
  if (words.length === 0)
    return classed("credentials", inv, "prints the environment, which holds credentials");
  const first = words[0] as Word;
  if (first.value === null)
    return runtimeOnly(inv, `env runs a command only known at run time (${first.raw})`);
  return ctx.judge({ ...inv, name: first.value, args: words.slice(1), assignments }, { cwd });
}

const ASSIGNMENT_WORD = /^[A-Za-z_]\w*=/s;

/** `cross-env A=b cmd`, `dotenv -e .env -- cmd`, `env-cmd -f .env cmd`: run a command with extra environment. */
function envLoaderRule(valued: readonly string[]) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued, stopAtPositional: true });
    const words = [...parsed.positionals, ...parsed.rest];
    const assignments = [...inv.assignments];
    while (words[0]?.value != null && ASSIGNMENT_WORD.test(words[0].value)) {
      const text = words[0].value;
      const eq = text.indexOf("=");
      assignments.push({ name: text.slice(0, eq), value: { value: text.slice(eq + 1), raw: words[0].raw } });
      words.shift();
    }
    if (words.length === 0) return readOnly(inv, `${inv.name} with nothing to run`);
    return judgeWrapped({ ...inv, assignments }, ctx, words, inv.name);
  };
}

function crossEnvShellRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const words = inv.args.filter((w) => w.value === null || !ASSIGNMENT_WORD.test(w.value));
  if (words.some((w) => w.value === null))
    return runtimeOnly(inv, "cross-env-shell with text only known at run time");
  return ctx.judgeScript(words.map((w) => w.value).join(" "), inv.name);
}

function watchRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-n", "--interval", "-q", "--equexit"],
    stopAtPositional: true,
  });
  const words = [...parsed.positionals, ...parsed.rest];
  if (hasOption(parsed, "-x", "--exec")) return judgeWrapped(inv, ctx, words, "watch -x");
  if (words.some((w) => w.value === null)) return runtimeOnly(inv, "watch runs text only known at run time");
  if (words.length === 0) return readOnly(inv, "watch with nothing to run");
  return ctx.judgeScript(words.map((w) => w.value).join(" "), "watch");
}

const XARGS_VALUED = [
  "-I",
  "-n",
  "-L",
  "-P",
  "-d",
  "-E",
  "-s",
  "-a",
  "--max-args",
  "--max-lines",
  "--max-procs",
  "--delimiter",
  "--eof",
  "--max-chars",
  "--arg-file",
  "--process-slot-var",
];

/** `xargs CMD ARGS`: the command gets more arguments from its input, which the policy cannot see. */
function xargsRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: XARGS_VALUED, stopAtPositional: true, clusters: false });
  const words = [...parsed.positionals, ...parsed.rest];
  const command = words.length > 0 ? words : [{ value: "echo", raw: "echo" }];
  const replaceOption = parsed.options.find(
    (o) => o.name === "-I" || o.name === "-i" || o.name === "--replace" || o.name.startsWith("-i"),
  );
  let replace: string | undefined;
  if (replaceOption !== undefined) {
    replace =
      replaceOption.value?.value ??
      (replaceOption.name.length > 2 && replaceOption.name.startsWith("-i")
        ? replaceOption.name.slice(2)
        : "{}");
  }
  const input = dynamicWord("<arguments read by xargs>");
  const built =
    replace === undefined
      ? [...command, input]
      : command.map((w, index) =>
          index > 0 && w.value?.includes(replace as string) ? dynamicWord(w.raw) : w,
        );
  return judgeWrapped(inv, ctx, built, "xargs");
}

function chrootRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["--userspec", "--groups"], stopAtPositional: true });
  return [
    ...classed("destructive", inv, "runs a command inside another root file system"),
    ...judgeWrapped(inv, ctx, parsed.rest, "chroot", { cwd: null }),
  ];
}

export const shellRules: RuleTable = {
  ...PLUMBING,
  cd: CHANGES_DIRECTORY,
  pushd: CHANGES_DIRECTORY,
  popd: CHANGES_DIRECTORY,
  read: builtin("reads input into a variable"),
  mapfile: builtin("reads input into a variable"),
  readarray: builtin("reads input into a variable"),
  alias: builtin("defines or lists aliases (an alias is judged where it is used)"),
  unalias: builtin("removes an alias"),
  set: setRule,
  printenv: printenvRule,
  env: envRule,
  eval: evalRule,
  source: sourceRule,
  ".": sourceRule,
  trap: trapRule,
  exec: execRule,
  command: commandRule,
  builtin: (inv, ctx) => judgeWrapped(inv, ctx, inv.args, "builtin"),
  fc: (inv) => runtimeOnly(inv, "re-runs commands from the shell history"),
  enable: (inv) =>
    inv.args.some((a) => a.value?.startsWith("-f") !== false)
      ? runtimeOnly(inv, "loads a builtin from a shared library")
      : readOnly(inv, "shell builtin"),
  bash: shellRule,
  sh: shellRule,
  dash: shellRule,
  zsh: shellRule,
  ksh: shellRule,
  mksh: shellRule,
  ash: shellRule,
  su: suRule,
  sudo: sudoRule,
  doas: sudoRule,
  pkexec: sudoRule,
  run0: sudoRule,
  nice: wrapper(["-n", "--adjustment"]),
  nohup: wrapper([]),
  timeout: timeoutRule,
  gtimeout: timeoutRule,
  time: wrapper(["-o", "--output", "-f", "--format"]),
  stdbuf: wrapper(["-i", "-o", "-e", "--input", "--output", "--error"]),
  ionice: wrapper(["-c", "-n", "-P", "-u", "--class", "--classdata", "--pgid", "--uid"], false, "-p"),
  chrt: wrapper(["-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"], true, "-p"),
  taskset: wrapper([], true, "-p"),
  setsid: wrapper([]),
  unbuffer: wrapper([]),
  caffeinate: wrapper(["-t", "-w"]),
  eatmydata: wrapper([]),
  fakeroot: wrapper([]),
  nocache: wrapper([]),
  strace: wrapper(
    ["-o", "-e", "-s", "-P", "-u", "-a", "-E", "-I", "-S", "-X", "-b", "--output"],
    false,
    "-p",
  ),
  ltrace: wrapper(["-o", "-e", "-s", "-u", "-a", "-n", "--output"], false, "-p"),
  valgrind: wrapper([]),
  flock: (inv, ctx) => {
    const parsed = parseArgs(inv.args, {
      valued: ["-w", "--wait", "--timeout", "-E", "--conflict-exit-code"],
      stopAtPositional: true,
    });
    const [flag, text] = parsed.rest;
    if (flag?.value === "-c" || flag?.value === "--command")
      return judgeShellText(inv, ctx, text, "flock -c");
    return judgeWrapped(inv, ctx, parsed.rest, "flock");
  },
  watch: watchRule,
  xargs: xargsRule,
  chroot: chrootRule,
  "cross-env": envLoaderRule([]),
  "cross-env-shell": crossEnvShellRule,
  dotenv: envLoaderRule(["-e", "-v", "-c", "-p"]),
  "env-cmd": envLoaderRule(["-f", "--file", "-e", "--environments", "-r", "--rc-file"]),
  dotenvx: (inv, ctx) => {
    const parsed = parseArgs(inv.args, {
      valued: ["-f", "--env-file", "-e", "--env", "--convention"],
      stopAtPositional: true,
    });
    const sub = parsed.positionals[0]?.value;
    if (sub !== "run")
      return runtimeOnly(inv, "dotenvx subcommand that reads or changes encrypted environment files");
    const rest = parseArgs(parsed.rest, {
      valued: ["-f", "--env-file", "-e", "--env", "--convention"],
      stopAtPositional: true,
    });
    return judgeWrapped(inv, ctx, [...rest.positionals, ...rest.rest], "dotenvx run");
  },
};
