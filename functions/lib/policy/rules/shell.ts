import { judgeScriptFile, judgeWrappedCommand } from "../dispatcher.ts";
import type { Assignment } from "../invocation.ts";
import { isSecretVariable } from "../sensitive-references.ts";
import type { Word } from "../shell-words.ts";
import type { Call, ToolSpec } from "../spec.ts";
import { resolvePath } from "../workspace-paths.ts";
import { loaderVariable } from "./environment.ts";
import { optionValue } from "./logic.ts";

const builtins: ToolSpec = {
  names: `exit return break continue shift wait getopts type help jobs times ulimit umask shopt dirs caller disown
    compgen compopt bind local deactivate cd pushd popd read readarray alias unalias history`,
  class: "read-only",
  detail: "a shell builtin that changes only the shell itself",
  anyOption: true,
  examples: { allow: ["cd src", "pushd packages/api", "read -r line", "type node"], approve: [] },
};

/** Builtins that execute strings: `mapfile -C`, `hash -p`, `complete -C`, `let` and `declare` on run-time values. */
const evaluating: ToolSpec = {
  names: "mapfile hash complete let enable",
  class: "read-only",
  detail: "a shell builtin",
  anyOption: true,
  options: "-C|-p|-F|-x!unknown -f!unknown",
  logic: (call) => {
    if (call.inv.name === "let" && call.operands.some((w) => w.value === null || /[$`[]/.test(w.value))) {
      call.find("unknown", "arithmetic on run-time values can run commands (a[$(…)])");
    }
  },
  examples: {
    allow: ["mapfile -t lines < list.txt", "hash -r", "let i=i+1"],
    approve: ["mapfile -C 'rm -rf /' -c 1 x", "hash -p /tmp/x ls", "complete -C ./x git"],
  },
};

const set: ToolSpec = {
  names: "set",
  class: "read-only",
  detail: "sets shell options",
  anyOption: true,
  logic: (call) => {
    if (call.inv.args.length === 0)
      call.find("credentials", "prints every shell variable, credentials included");
  },
  examples: { allow: ["set -euo pipefail"], approve: ["set"] },
};

const printenv: ToolSpec = {
  names: "printenv",
  class: "read-only",
  detail: "prints environment variables",
  options: "-0|--null",
  logic: (call) => {
    const secret = call.operands.find((w) => w.value === null || isSecretVariable(w.value));
    if (call.operands.length === 0)
      call.find("credentials", "prints the environment, which holds credentials");
    else if (secret !== undefined) call.find("credentials", `prints ${secret.raw}, which may hold a secret`);
  },
  examples: { allow: ["printenv NODE_ENV"], approve: ["printenv", "printenv AWS_SECRET_ACCESS_KEY"] },
};

/** `eval`, `trap`, `watch`: shell text parsed and judged again. */
function shellText(call: Call, words: readonly Word[], how: string, sameShell = false): void {
  if (words.length === 0) return;
  const dynamic = words.find((w) => w.value === null);
  if (dynamic !== undefined) {
    call.find("unknown", `${how} runs text only known at run time (${dynamic.raw})`);
    return;
  }
  for (const f of call.ctx.judgeScript(words.map((w) => w.value).join(" "), how, { sameShell })) {
    call.find(f.class, f.detail, f.overridable);
  }
}

const evaluate: ToolSpec = {
  names: "eval",
  class: "read-only",
  detail: "evaluates shell text",
  logic: (call) => shellText(call, call.inv.args, "eval", true),
  examples: { allow: ["eval 'npm test'"], approve: ['eval "$(echo git push)"', "eval 'git push'"] },
};

const trap: ToolSpec = {
  names: "trap",
  class: "read-only",
  detail: "sets or lists traps",
  options: "-l -p",
  logic: (call) => {
    const [action] = call.operands;
    if (action !== undefined && action.value !== "" && action.value !== "-")
      shellText(call, [action], "trap");
  },
  examples: {
    allow: ["trap - EXIT", "trap 'rm -f /tmp/x' EXIT"],
    approve: ["trap 'git push' EXIT", 'trap "$X" EXIT'],
  },
};

const watch: ToolSpec = {
  names: "watch",
  class: "read-only",
  detail: "runs a command repeatedly",
  options:
    "-n|--interval= -d|--differences -t|--no-title -g|--chgexit -e|--errexit -b|--beep -c|--color -p|--precise -x|--exec -q|--equexit=",
  stopOptions: true,
  logic: (call) => {
    if (call.options.some((o) => o.name === "-x")) {
      for (const f of judgeWrappedCommand(call.inv, call.ctx, call.operands, "watch -x"))
        call.find(f.class, f.detail, f.overridable);
    } else shellText(call, call.operands, "watch");
  },
  examples: { allow: ["watch -n 5 ls"], approve: ["watch 'git push'"] },
};

const source: ToolSpec = {
  names: "source .",
  detail: "runs a file in this shell",
  logic: (call) => {
    const [file] = call.operands;
    if (file === undefined) {
      call.find("unknown", "source without a file");
      return;
    }
    const path = file.value === null ? null : resolvePath(file.value, call.ctx.cwd);
    if (path?.startsWith(`${call.ctx.workspace}/`) && path.endsWith("/bin/activate")) {
      call.find("workspace-write", "activates a virtual environment under the workspace");
      return;
    }
    for (const f of judgeScriptFile(call.inv, call.ctx, file, "sources"))
      call.find(f.class, f.detail, f.overridable);
  },
  examples: { allow: ["source .venv/bin/activate"], approve: ["source ~/.bashrc", "source /dev/stdin"] },
};

/** `bash -c TEXT`, `bash script.sh`, `bash` reading a here-document, a file, or a pipe. */
const shells: ToolSpec = {
  names: "bash sh dash zsh ksh mksh ash",
  class: "read-only",
  detail: "starts a shell",
  options: `-c -s -i!unknown -l|--login -e -u -x -v -o|+o|-O|+O= -n --norc --noprofile --posix --rcfile|--init-file=!unknown
    --restricted -r --version --help -a -f -h -k -m -p -t -B -C -E -H -P -T`,
  stopOptions: true,
  logic: (call) => {
    const has = (n: string) => call.options.some((o) => o.name === n);
    const first = call.operands[0];
    if (has("-c")) return shellText(call, first === undefined ? [] : [first], `${call.inv.name} -c`);
    if (has("-n") || has("--version") || has("--help")) return;
    if (call.operands[0] !== undefined && !has("-s")) {
      for (const f of judgeScriptFile(call.inv, call.ctx, call.operands[0], "runs"))
        call.find(f.class, f.detail, f.overridable);
      return;
    }
    const stdin = call.inv.stdin;
    if (stdin.kind === "text")
      return shellText(call, [{ value: stdin.text, raw: "" }], `${call.inv.name} reading a here-document`);
    if (stdin.kind === "file") {
      for (const f of judgeScriptFile(call.inv, call.ctx, stdin.word, "runs"))
        call.find(f.class, f.detail, f.overridable);
      return;
    }
    call.find("unknown", `${call.inv.name} reads commands from standard input, which the policy cannot see`);
  },
  examples: {
    allow: ["bash -c 'npm test'", "bash scripts/test.sh", "sh -n scripts/x.sh", "bash -euo pipefail -c 'ls'"],
    approve: [
      "bash -c 'git push'",
      "curl -s x | bash",
      'bash -c "$CMD"',
      "bash ~/x.sh",
      "bash --rcfile x -i",
    ],
  },
};

/** Wrappers whose options never run anything else; the command after them is judged like any other. */
const wrappers: ToolSpec = {
  names: "nice nohup setsid unbuffer caffeinate eatmydata nocache time builtin exec stdbuf",
  class: "read-only",
  detail: "runs a command",
  options: `-n|--adjustment= -o|--output=write -f|--format= -a|--append -p|--portability -v|--verbose -c|--ctty
    -w|--wait -i|--input|-e|--error= -l -d -t= -s|-u`,
  operands: "command",
  examples: {
    allow: ["nice -n 10 make", "time npm run build", "exec npm test", "nohup npm start"],
    approve: ["nice rm -rf /", 'exec "$(printf git)" push', "time -o /etc/x ls"],
  },
};

/** Wrappers with one fixed operand before the command: a duration, a CPU mask, a priority. */
const timed: ToolSpec = {
  names: "timeout gtimeout taskset chrt",
  class: "read-only",
  detail: "runs a command with a limit",
  options: `-s|--signal= -k|--kill-after= --preserve-status --foreground -v|--verbose -c|--cpu-list -a|--all-tasks
    -p|--pid!unknown -m|--max -b|--batch -d|--deadline -f|--fifo -i|--idle -o|--other -r|--rr -R|--reset-on-fork
    -T|-P|-D|--sched-runtime|--sched-period|--sched-deadline=`,
  operands: "data command",
  examples: {
    allow: ["timeout 60 npm test", "taskset -c 0 make"],
    approve: ["timeout 5 git push", 'timeout "$T" ls'],
  },
};

const ionice: ToolSpec = {
  names: "ionice",
  class: "read-only",
  detail: "runs a command with an I/O priority",
  options: "-c|--class|-n|--classdata= -t|--ignore -p|-P|-u|--pid|--pgid|--uid!unknown",
  operands: "command",
  examples: { allow: ["ionice -c 3 make"], approve: ["ionice -p 1"] },
};

const lookup: ToolSpec = {
  names: "command",
  class: "read-only",
  detail: "runs or looks up a command",
  options: "-v -V -p",
  stopOptions: true,
  logic: (call) => {
    if (call.options.some((o) => o.name === "-v" || o.name === "-V")) return;
    for (const f of judgeWrappedCommand(call.inv, call.ctx, call.operands, "command"))
      call.find(f.class, f.detail, f.overridable);
  },
  examples: { allow: ["command -v node", "command ls"], approve: ["command git push"] },
};

const flock: ToolSpec = {
  names: "flock",
  class: "read-only",
  detail: "runs a command holding a lock",
  options: `-s|--shared -x|-e|--exclusive -u|--unlock -n|--nb|--nonblock -o|--close -F|--no-fork -v|--verbose
    -w|--wait|--timeout|-E|--conflict-exit-code= -c|--command=shell`,
  operands: "data command",
  examples: {
    allow: ["flock /tmp/lock npm test"],
    approve: ["flock -c 'git push' /tmp/l", "flock /tmp/l git push"],
  },
};

/** Tracers and debuggers: they run the command and write their log where told. */
const tracers: ToolSpec = {
  names: "strace ltrace valgrind",
  class: "read-only",
  detail: "runs a command under a tracer",
  options: `-o|--output|--log-file|--xml-file|--log-socket=write -e|-s|-P|-u|-a|-E|-I|-S|-X|-b|-n= -f|-ff|-c|-t|-tt|-T|-v|-y
    -p!unknown --tool= --leak-check= --show-leak-kinds= --error-exitcode= --track-origins= -q|--quiet --trace-children=
    --vgdb=!unknown --db-command|--db-attach|--vgdb-prefix=!unknown`,
  operands: "command",
  examples: {
    allow: ["valgrind --leak-check=full ./build/app", "strace -f -o /tmp/trace ls"],
    approve: ["valgrind --log-file=/etc/x ls", "strace -p 1"],
  },
};

const privileged: ToolSpec = {
  names: "sudo doas pkexec run0 su chroot fakeroot",
  class: "destructive",
  detail: "runs with other privileges or another root, beyond anything the workspace needs",
  anyOption: true,
  options:
    "-u|-g|-h|-p|-r|-t|-U|-T|-C|--user|--group|--host|--prompt|--userspec|--groups= -D|--chdir=cwd -c|--command=shell -s|--shell=",
  operands: "command",
  examples: { allow: [], approve: ["sudo npm test", "su -c 'id'", "chroot /mnt sh"] },
};

/** `xargs CMD ARGS`: the command gets more arguments from its input, which the policy cannot see. */
const xargs: ToolSpec = {
  names: "xargs",
  class: "read-only",
  detail: "runs a command with arguments from its input",
  options: `-0|--null -r|--no-run-if-empty -t|--verbose -p|--interactive -x|--exit -o|--open-tty -n|--max-args=
    -L|--max-lines= -P|--max-procs= -d|--delimiter= -E|-e|--eof= -s|--max-chars= -a|--arg-file=read
    -I|-i|--replace= --process-slot-var=`,
  logic: (call) => {
    const input: Word = { value: null, raw: "<arguments read by xargs>", input: true };
    const replace = call.options.find((o) => o.name === "-I");
    const command = call.operands.length > 0 ? call.operands : [{ value: "echo", raw: "echo" }];
    const token = replace === undefined ? undefined : (replace.value?.value ?? "{}");
    const built =
      token === undefined
        ? [...command, input]
        : command.map((w, i): Word => (i > 0 && w.value?.includes(token) ? { ...input, raw: w.raw } : w));
    for (const f of judgeWrappedCommand(call.inv, call.ctx, built, "xargs"))
      call.find(f.class, f.detail, f.overridable);
  },
  stopOptions: true,
  examples: {
    allow: ["xargs echo", "xargs wc -l", "xargs -0 grep -l TODO"],
    approve: [
      "xargs rm -rf",
      "xargs -I{} sh -c '{}'",
      "xargs git push",
      "xargs -I{} cp {} /etc/",
      "xargs git show",
      "xargs sed -i s/a/b/",
    ],
  },
};

/** Environment setters: `env`, `cross-env`, `dotenv`, `env-cmd`. Assignments that load code need a person. */
function runWithEnvironment(call: Call, words: readonly Word[], how: string): void {
  const assignments: Assignment[] = [...call.inv.assignments];
  let i = 0;
  for (; i < words.length; i += 1) {
    const text = words[i]?.value;
    const m = text == null ? null : /^([A-Za-z_]\w*)=(.*)$/s.exec(text);
    if (m === null || m[1] === undefined) break;
    assignments.push({ name: m[1], value: { value: m[2] ?? "", raw: words[i]?.raw ?? "" } });
    const detail = loaderVariable(m[1], m[2] ?? "", call.ctx.workspace);
    if (detail !== null) call.find("unknown", detail);
  }
  const rest = words.slice(i);
  if (rest.length === 0) {
    if (how === "env") call.find("credentials", "prints the environment, which holds credentials");
    return;
  }
  const inv = { ...call.inv, assignments };
  for (const f of judgeWrappedCommand(inv, call.ctx, rest, how)) call.find(f.class, f.detail, f.overridable);
}

const env: ToolSpec = {
  names: "env",
  class: "read-only",
  detail: "runs a command with a changed environment",
  options:
    "-i|--ignore-environment -0|--null -u|--unset= -C|--chdir=cwd -S|--split-string= -v|--debug --block-signal|--default-signal|--ignore-signal=",
  stopOptions: true,
  logic: (call) => {
    const split = optionValue(call, "-S");
    if (split !== undefined) {
      const words = [split, ...call.operands];
      return shellText(call, words, "env -S");
    }
    runWithEnvironment(call, call.operands, "env");
  },
  examples: {
    allow: ["env NODE_ENV=test npm test", "env -C packages/api npm test"],
    approve: [
      "env",
      "env -C / rm -rf tmp",
      "env -S 'git push'",
      "env NODE_OPTIONS=--require=./x.js node a.js",
      "env --split-string='git push'",
    ],
  },
};

const envLoaders: ToolSpec = {
  names: "cross-env dotenv env-cmd",
  class: "read-only",
  detail: "runs a command with a changed environment",
  options:
    "-e|-v|-c|-p|-f|--file|--environments|-r|--rc-file= --silent --no-override --verbose --use-shell!unknown",
  stopOptions: true,
  logic: (call) => runWithEnvironment(call, call.operands, call.inv.name),
  examples: {
    allow: ["cross-env NODE_ENV=test jest"],
    approve: ["cross-env NODE_OPTIONS=--require=./evil.js jest"],
  },
};

const crossEnvShell: ToolSpec = {
  names: "cross-env-shell",
  class: "read-only",
  detail: "runs shell text with a changed environment",
  logic: (call) =>
    shellText(
      call,
      call.operands.filter((w) => !/^[A-Za-z_]\w*=/.test(w.value ?? "")),
      "cross-env-shell",
    ),
  examples: { allow: ["cross-env-shell NODE_ENV=test 'npm test'"], approve: ["cross-env-shell 'git push'"] },
};

const dotenvx: ToolSpec = {
  names: "dotenvx",
  default: "unknown",
  options: "-f|--env-file|-e|--env|--convention= -q|--quiet --overload",
  subcommands: {
    run: {
      class: "read-only",
      detail: "runs a command with an environment file",
      options: "-f|--env-file|-e|--env|--convention= --overload -q|--quiet",
      operands: "command",
    },
    "get set encrypt decrypt keypair": "credentials",
  },
  examples: { allow: ["dotenvx run -- npm test"], approve: ["dotenvx get", "dotenvx run -- git push"] },
};

const history: ToolSpec = {
  names: "fc",
  class: "unknown",
  detail: "re-runs commands from the shell history",
  anyOption: true,
  examples: { allow: [], approve: ["fc -s"] },
};

export const shellSpecs: readonly ToolSpec[] = [
  builtins,
  evaluating,
  set,
  printenv,
  evaluate,
  trap,
  watch,
  source,
  shells,
  wrappers,
  timed,
  ionice,
  lookup,
  flock,
  tracers,
  privileged,
  xargs,
  env,
  envLoaders,
  crossEnvShell,
  dotenvx,
  history,
];
