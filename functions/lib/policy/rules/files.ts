import { posix } from "node:path";
import { judgeWrappedCommand } from "../dispatcher.ts";
import type { Word } from "../shell-words.ts";
import type { Call, ToolSpec } from "../spec.ts";
import { isScratchOrWorkspace, resolvePath } from "../workspace-paths.ts";
import { writes } from "./logic.ts";

/**
 * Tools that print information or read files; credential files among their operands are caught on their own. Every
 * option they document only changes what they print, so an argument an `xargs` reads in may land anywhere.
 */
const readers: ToolSpec = {
  names: `ls dir vdir cat tac nl head tail wc cut tr diff diff3 sdiff colordiff cmp comm
    file stat du df pwd dirname realpath readlink cal ncal whoami id groups uname arch nproc free uptime lscpu
    lsblk lsmem ps pgrep pidof lsof netstat ss column fold fmt paste join rev expand unexpand numfmt od hexdump
    strings md5sum sha1sum sha224sum sha256sum sha384sum sha512sum shasum cksum b2sum sum info
    tldr apropos whatis whereis which clear tput locale getconf tty dircolors yes grep egrep fgrep zgrep zcat
    bzcat xzcat zstdcat lz4cat locate w who last vmstat iostat mpstat top htop btop expr
    bc factor tsort pr ldd nm objdump readelf size lsattr getfacl namei mountpoint findmnt lspci lsusb lsb_release
    look delta difft glow gron jc mdcat uuidgen systemd-detect-virt lsns pstree md5 sha256 cowsay`,
  class: "read-only",
  detail: "reads files or prints information",
  anyOption: true,
  options: "--files0-from=read",
  operands: "read",
  examples: {
    allow: ["ls -la src", "grep -rn TODO src", "wc -l src/*.ts", "head -n 20 README.md", "ps -o pid,comm"],
    approve: ["cat ~/.aws/credentials", 'cat "$(cat list)"'],
  },
};

/** Readers with a few options that write a file, run a program or follow a pointer to another file. */
const searchers: ToolSpec = {
  names: "rg ag ack bat batcat cloc tokei scc xmllint base64 base32 basenc jless fx",
  class: "read-only",
  detail: "reads files or prints information",
  anyOption: true,
  options: "--output|--output-file|--out|--report-file=write --pre=shell --pre-glob= --files0-from=read",
  operands: "read",
  examples: {
    allow: ["rg -n 'fn main' --glob '*.rs'", "rg -o 'v[0-9]+' CHANGELOG.md", "cloc src"],
    approve: ["rg --pre ./x.sh foo", "xmllint --output /etc/x a.xml"],
  },
};

const fd: ToolSpec = {
  names: "fd fdfind",
  class: "read-only",
  detail: "finds files",
  anyOption: true,
  options: "-x|--exec|-X|--exec-batch=!unknown --base-directory=cwd",
  operands: "data read",
  examples: { allow: ["fd -e ts . src"], approve: ["fd -x rm", "fd . -X sh -c id"] },
};

/** Pagers and printers whose `-o` writes a file (a log, a report, the shuffled lines). */
const pagers: ToolSpec = {
  names: "tree less more zless shuf",
  class: "read-only",
  detail: "reads files or prints information",
  anyOption: true,
  options: "-o|--output|-O|--log-file|--LOG-FILE=write",
  operands: "read",
  examples: {
    allow: ["tree -L 2 src", "less README.md", "shuf -n 3 list.txt"],
    approve: ["less -o /etc/x README.md", "shuf -o /etc/passwd x", "tree -o ~/.bashrc"],
  },
};

/** Tools that print with options that are all harmless, and whose operands are data, not paths. */
const printers: ToolSpec = {
  names: "echo printf true false : test [ sleep basename seq",
  class: "read-only",
  detail: "prints or tests its arguments",
  anyOption: true,
  examples: {
    allow: ['echo "done: $?"', "printf '%s\\n' a b", "test -f package.json", "sleep 1"],
    approve: [],
  },
};

const writers: ToolSpec = {
  names: "mkdir touch truncate dos2unix unix2dos sponge rmdir unlink",
  class: "workspace-write",
  detail: "creates or changes files",
  anyOption: true,
  options: "-r|--reference=read -t|--date|-d|-m|--mode|-s|--size|--context=",
  operands: "write",
  examples: {
    allow: ["mkdir -p build/out", "touch src/new.ts", "rmdir empty"],
    approve: ["mkdir /etc/x", "touch ~/.bashrc"],
  },
};

const remove: ToolSpec = {
  names: "rm shred trash del rimraf",
  class: "workspace-write",
  detail: "removes files",
  options: `-r|-R|--recursive -f|--force -i -I --interactive= -v|--verbose -d|--dir --one-file-system --preserve-root=
    --no-preserve-root!destructive -u|--remove -z|--zero -n|--iterations= -s|--size= --glob`,
  operands: "remove",
  examples: {
    allow: ["rm -rf node_modules dist", "rm -f /tmp/out.txt", "rimraf coverage"],
    approve: [
      "rm -rf /",
      "rm -rf ~",
      "rm -rf .git",
      "rm -rf .",
      "rm -rf --no-preserve-root /",
      'rm -rf "$DIR"/',
    ],
  },
};

const copy: ToolSpec = {
  names: "cp mv install cpy copyfiles cpx ncp",
  class: "workspace-write",
  detail: "copies or moves files",
  options: `-r|-R|--recursive -a|--archive -f|--force -i|--interactive -n|--no-clobber -v|--verbose -p -u|--update
    -l|--link -s|--symbolic-link -L|--dereference -P|--no-dereference -H -b --backup= -S|--suffix= -T
    -t|--target-directory=write --preserve= --parents --reflink= -x|--one-file-system -d|--directory -D
    -m|--mode= -o|--owner= -g|--group= -C|--compare --strip-trailing-slashes --sparse= --no-target-directory -Z`,
  operands: "copy",
  logic: (call) => {
    // `mv` removes its sources: moving a file out of the workspace's reach is judged like removing it.
    if (call.inv.name !== "mv") return;
    for (const source of call.operands.slice(0, -1)) writes(call, source, "remove");
  },
  examples: {
    allow: ["cp -r src/a src/b", "mv src/old.ts src/new.ts", "cp README.md /tmp/x"],
    approve: ["cp evil ~/.bashrc", "mv src /etc/x", "cp x .git/hooks/pre-commit", "mv /etc/passwd here"],
  },
};

const modes: ToolSpec = {
  names: "chmod chown chgrp chattr setfacl",
  class: "workspace-write",
  detail: "changes permissions or ownership",
  options: `-R|--recursive -v|--verbose -c|--changes -f|--silent|--quiet -h|--no-dereference --reference=read
    --from= -H -L -P --preserve-root --no-preserve-root!destructive -m|-x|-M|-X=`,
  operands: "data write",
  examples: { allow: ["chmod +x scripts/test.sh"], approve: ["chmod -R 777 /", "chown root /etc/x"] },
};

/** `ln`: the link is written; a symbolic link whose target is outside the workspace lets later writes escape. */
const link: ToolSpec = {
  names: "ln",
  class: "workspace-write",
  detail: "creates a link",
  options: `-s|--symbolic -f|--force -n|--no-dereference -v|--verbose -r|--relative -i|--interactive -b --backup=
    -S|--suffix= -T|--no-target-directory -t|--target-directory=write -L|--logical -P|--physical`,
  operands: "read",
  logic: (call) => {
    const { operands } = call;
    const targetDir = call.options.find((o) => o.name === "-t")?.value;
    const linkWord = targetDir ?? (operands.length >= 2 ? operands.at(-1) : { value: ".", raw: "." });
    if (linkWord !== undefined) writes(call, linkWord, "write");
    const linkPath = linkWord?.value == null ? null : resolvePath(linkWord.value, call.ctx.cwd);
    const targets = targetDir !== undefined || operands.length < 2 ? operands : operands.slice(0, -1);
    for (const target of targets) {
      if (target.value === null || linkPath === null) {
        call.find("unknown", `links to ${target.raw}, a target only known at run time`);
        continue;
      }
      const base = target.value.startsWith("/") || linkPath === null ? call.ctx.cwd : posix.dirname(linkPath);
      const resolved = resolvePath(target.value, base);
      if (resolved === null || !isScratchOrWorkspace(resolved, call.ctx.workspace)) {
        call.find(
          "destructive",
          `links to ${target.value}, outside the workspace (writes through it escape)`,
        );
      }
    }
  },
  examples: {
    allow: ["ln -s ../lib src/lib", "ln -sf dist/cli.js bin/cli"],
    approve: ["ln -s /etc etc", "ln -s ~/.ssh keys"],
  },
};

const dd: ToolSpec = {
  names: "dd",
  class: "read-only",
  rawArgs: true,
  detail: "copies data",
  logic: (call) => {
    for (const word of call.operands) {
      if (word.value === null)
        call.find("unknown", `dd with an operand only known at run time (${word.raw})`);
      else if (word.value.startsWith("of="))
        writes(call, { value: word.value.slice(3), raw: word.raw }, "write");
      else if (!/^(if|bs|ibs|obs|cbs|count|skip|seek|conv|iflag|oflag|status)=/.test(word.value)) {
        call.find("unknown", `${word.value} is not a dd operand the policy knows`, true);
      }
    }
  },
  examples: {
    allow: ["dd if=/dev/zero of=build/blob bs=1k count=4"],
    approve: ["dd if=/dev/zero of=/dev/sda"],
  },
};

const tee: ToolSpec = {
  names: "tee",
  class: "read-only",
  detail: "copies input to files",
  options: "-a|--append -i|--ignore-interrupts -p --output-error=",
  operands: "write",
  examples: { allow: ["tee build/log.txt"], approve: ["tee /etc/hosts", "tee -a ~/.bashrc"] },
};

const streams: ToolSpec = {
  names: "sort uniq iconv xxd csplit split",
  class: "read-only",
  detail: "transforms text",
  anyOption: true,
  options: `-o|--output=write --compress-program=shell!unknown --filter=shell -f|--prefix= -t|--to-code|--from-code=
    -k|--key= -T|--temporary-directory=write -S|--buffer-size= -c|-g|-l|-s|-n|-b|--lines|--bytes|--suffix-format=`,
  operands: "read",
  logic: (call) => {
    // `uniq IN OUT` and `xxd IN OUT` write their second operand; `split IN PREFIX` and `csplit` write pieces.
    const name = call.inv.name;
    const second = call.operands[1];
    if ((name === "uniq" || name === "xxd" || name === "split") && second !== undefined)
      writes(call, second, "write");
    if (name === "split" && second === undefined) writes(call, { value: "x", raw: "x" }, "write");
    if (name === "csplit") writes(call, { value: "xx", raw: "xx" }, "write");
  },
  examples: {
    allow: ["sort -u names.txt", "sort -o sorted.txt names.txt", "uniq -c words"],
    approve: ["sort -o /etc/passwd x"],
  },
};

/**
 * sed: GNU and BSD scripts. Any command that runs a program or opens a file (`e`, `w`, `W`, `r`, `R`, the `e` and
 * `w` flags of `s`) needs a person, whatever the delimiter or address; `-i` edits the operands in place.
 */
function sedLogic(call: Call): void {
  const scripts = call.options.filter((o) => o.name === "-e").map((o) => o.value);
  const operands = [...call.operands];
  if (call.options.some((o) => o.name === "-f")) {
    call.find("unknown", "sed runs a script file the policy cannot see into", true);
    return;
  }
  if (scripts.length === 0) scripts.push(operands.shift());
  for (const script of scripts) {
    if (script === undefined) {
      call.find("unknown", "sed without a script");
      return;
    }
    if (script.value === null) {
      call.find("unknown", `sed runs a script only known at run time (${script.raw})`);
      return;
    }
    const risky = sedRiskyCommand(script.value);
    if (risky !== null) call.find("unknown", `the sed script ${risky}`);
  }
  const inPlace = call.options.some((o) => o.name === "-i");
  if (!inPlace) {
    for (const file of operands) writes(call, file, "read");
    return;
  }
  const files = operands.filter((w) => w.value !== "");
  if (files.length === 0) call.find("unknown", "sed -i without files");
  for (const file of files) writes(call, file, "write");
  if (files.length > 0) call.find("workspace-write", "edits files in place");
}

/**
 * Reads a sed script command by command (addresses, `s` with any delimiter, `y`, blocks, labels) and returns what a
 * risky command does, or null. A script it cannot read is risky.
 */
function sedRiskyCommand(script: string): string | null {
  let i = 0;
  const n = script.length;
  const skipSpace = () => {
    while (i < n && /[\s;]/.test(script[i] as string)) i += 1;
  };
  const readDelimited = (delim: string): boolean => {
    while (i < n && script[i] !== delim) {
      if (script[i] === "\\") i += 1;
      if (script[i] === "\n" && delim !== "\n") return false;
      i += 1;
    }
    if (i >= n) return false;
    i += 1;
    return true;
  };
  const readAddress = (): boolean => {
    if (script[i] === "/" || script[i] === "\\") {
      const delim = script[i] === "\\" ? script[i + 1] : "/";
      i += script[i] === "\\" ? 2 : 1;
      if (delim === undefined || !readDelimited(delim)) return false;
      while (/[IM]/.test(script[i] ?? "")) i += 1;
      return true;
    }
    while (i < n && /[0-9$~+]/.test(script[i] as string)) i += 1;
    return true;
  };
  while (true) {
    skipSpace();
    if (i >= n) return null;
    if (script[i] === "#") {
      while (i < n && script[i] !== "\n") i += 1;
      continue;
    }
    if (!readAddress()) return "has an address the policy cannot read";
    skipSpace();
    if (script[i] === ",") {
      i += 1;
      skipSpace();
      if (!readAddress()) return "has an address the policy cannot read";
    }
    while (script[i] === "!" || script[i] === " ") i += 1;
    const command = script[i];
    i += 1;
    if (command === undefined) return null;
    if (command === "{" || command === "}") continue;
    if ("ewWrRFz".includes(command) && command !== "F" && command !== "z") {
      return `uses the ${command} command, which ${command === "e" ? "runs a program" : "opens a file"}`;
    }
    if (command === "s" || command === "y") {
      const delim = script[i];
      if (delim === undefined || delim === "\n" || delim === "\\")
        return "has an s command the policy cannot read";
      i += 1;
      if (!readDelimited(delim) || !readDelimited(delim)) return "has an s command the policy cannot read";
      if (command === "s") {
        const flags = /^[gpiImM0-9ew]*/.exec(script.slice(i))?.[0] ?? "";
        i += flags.length;
        if (flags.includes("e")) return "uses the e flag, which runs the pattern space as a command";
        if (flags.includes("w")) return "uses the w flag, which writes a file";
      }
      continue;
    }
    if ("aic".includes(command)) {
      while (i < n && script[i] !== "\n") i += script[i] === "\\" ? 2 : 1;
      continue;
    }
    if (":btTlqQvLm".includes(command)) {
      while (i < n && !/[;\n}]/.test(script[i] as string)) i += 1;
      continue;
    }
    if (!"dDgGhHnNpPxl=FzqQ".includes(command)) return `uses "${command}", which the policy does not know`;
  }
}

const sed: ToolSpec = {
  names: "sed gsed",
  class: "read-only",
  detail: "edits a stream",
  options: `-n|--quiet|--silent -e|--expression= -f|--file=read -E|-r|--regexp-extended -s|--separate -u|--unbuffered
    -z|--null-data -l|--line-length= --posix --debug --sandbox -i|-I|--in-place=? --follow-symlinks -b|--binary`,
  logic: sedLogic,
  examples: {
    allow: [
      "sed -n '1,20p' src/a.ts",
      "sed -i 's/foo/bar/g' src/a.ts",
      "sed -i.bak -e 's|a|b|' src/x.js",
      "sed -E 's#x#y#' f",
    ],
    approve: [
      "sed -i 's/a/b/' /etc/hosts",
      "sed 's/x/id/e' f",
      "sed '1e id' f",
      "sed -n 'w /etc/x' f",
      "sed 's|a|b|w out' f",
      "sed '1r /etc/shadow' f",
      'sed "$S" f',
    ],
  },
};

/** awk programs may run commands (`system`, pipes), read files (`getline <`), and write files (redirects). */
const AWK_RISKY =
  /\bsystem\s*\(|\|\s*&|\|\s*getline|getline\s*<|\bprintf?\b[^;}]*[>|]|\bENVIRON\b|@load|@include|\bclose\s*\(/;

const awk: ToolSpec = {
  names: "awk gawk mawk nawk",
  class: "read-only",
  detail: "processes text",
  options: `-F|--field-separator= -v|--assign= -f|--file=read -E|--exec=read -i|--include= -l|--load=!unknown
    --posix --traditional -b|--characters-as-bytes -c -e|--source= -M|--bignum -S|--sandbox`,
  logic: (call) => {
    const operands = [...call.operands];
    if (call.options.some((o) => o.name === "-f" || o.name === "-E")) {
      call.find("unknown", "awk runs a program file the policy cannot see into", true);
      return;
    }
    const sources = call.options.filter((o) => o.name === "-e").map((o) => o.value);
    if (sources.length === 0) sources.push(operands.shift());
    for (const program of sources) {
      if (program?.value == null) {
        call.find("unknown", "awk runs a program only known at run time");
        return;
      }
      // `>` inside a comparison is harmless, but the policy does not parse awk: any redirect-like text waits.
      if (AWK_RISKY.test(program.value)) {
        call.find(
          "unknown",
          "the awk program may run commands, read or write files, or read the environment",
        );
      }
    }
    if (call.options.some((o) => o.name === "-i" && o.value?.value === "inplace")) {
      for (const file of operands.filter((w) => !w.value?.includes("="))) writes(call, file, "write");
    } else for (const file of operands.filter((w) => !w.value?.includes("="))) writes(call, file, "read");
  },
  examples: {
    allow: ["awk '{print $1}' data.txt", "awk -F, 'NR>1 {s+=$2} END {print s}' x.csv"],
    approve: [
      "awk 'BEGIN{system(\"id\")}'",
      "awk '{print > \"/etc/x\"}' f",
      "awk 'BEGIN{\"id\" | getline x}'",
      "awk 'BEGIN{print ENVIRON[\"TOKEN\"]}'",
    ],
  },
};

const jq: ToolSpec = {
  names: "jq gojq jaq yq",
  class: "read-only",
  detail: "reads JSON or YAML",
  anyOption: true,
  options: `-i|--inplace!workspace-write --arg= --argjson= --slurpfile=read --rawfile=read -f|--from-file=read
    --indent= --args --jsonargs -L=read -o|--output-format|-p|--input-format= --expression=`,
  operands: "data read",
  logic: (call) => {
    const filter = call.operands[0];
    if (
      filter !== undefined &&
      (filter.value === null || /\$ENV\b|\benv\b|strenv\(|load\(/.test(filter.value))
    ) {
      call.find("credentials", "the filter reads the environment or other files");
    }
    if (call.options.some((o) => o.name === "-i"))
      for (const f of call.operands.slice(1)) writes(call, f, "write");
  },
  examples: {
    allow: ["jq .version package.json", "yq -i '.a = 1' config.yml"],
    approve: ["jq -n env", "yq -i '.a=1' /etc/x.yml"],
  },
};

const compress: ToolSpec = {
  names: "gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd lz4 brotli compress uncompress",
  class: "workspace-write",
  detail: "compresses or expands files",
  anyOption: true,
  options: "-o|--output=write -S|--suffix= -T|--threads= -b|--block-size=",
  operands: "write",
  examples: { allow: ["gzip -k build/a.txt", "gunzip -c x.gz"], approve: ["gzip /etc/passwd"] },
};

/**
 * Archives: extraction writes where the archive says unless the tool strips absolute and parent paths; the
 * options that keep them (`tar -P`, `unzip -:`) and tools that never strip them (`cpio`) need a person.
 */
const tar: ToolSpec = {
  names: "tar gtar bsdtar",
  class: "read-only",
  detail: "lists or writes archives",
  options: `-x|--extract|--get!workspace-write -c|--create|-r|--append|-u|--update!workspace-write -t|--list
    -f|--file= -C|--directory=write -z|--gzip|--gunzip -j|--bzip2 -J|--xz --zstd -a|--auto-compress -v|--verbose
    -O|--to-stdout -k|--keep-old-files --strip-components= --exclude= -p|--preserve-permissions --no-same-owner
    --overwrite -P|--absolute-names!destructive --transform|--xform= -T|--files-from=read -X|--exclude-from=read
    --wildcards -h|--dereference -m|--touch --owner= --group= --mtime= --sort= --numeric-owner --format= -W|--verify
    --to-command|--use-compress-program|-I|--info-script|-F|--new-volume-script|--checkpoint-action|--rsh-command=!unknown
    --force-local -s|--same-order --no-recursion`,
  operands: "read",
  logic: (call) => {
    const has = (n: string) => call.options.some((o) => o.name === n);
    let file = call.options.find((o) => o.name === "-f")?.value;
    // Old style `tar czf archive.tgz dir`: the first word is a cluster of letters without a dash.
    const old = call.inv.args[0]?.value;
    if (old != null && /^[A-Za-z]+$/.test(old) && call.operands[0]?.value === old) {
      const archive = old.includes("f") ? call.operands[1] : undefined;
      if (/[cru]/.test(old) && archive !== undefined) writes(call, archive, "write");
      if (old.includes("x") && !has("-C")) writes(call, { value: ".", raw: "." }, "write");
      file = undefined;
      return;
    }
    if (has("-x") && !has("-O") && !has("-C")) writes(call, { value: ".", raw: "." }, "write");
    if ((has("-c") || has("-r")) && file !== undefined && file.value !== "-") writes(call, file, "write");
  },
  examples: {
    allow: ["tar -xzf vendor.tgz -C build", "tar czf dist.tgz dist", "tar -tf x.tar", "tar xzf a.tgz"],
    approve: ["tar -xPf a.tar", "tar -xf a.tar -C /", "tar --to-command=sh -xf a.tar", "tar cf /etc/x.tar ."],
  },
};

const zip: ToolSpec = {
  names: "zip unzip 7z 7za 7zz cpio",
  class: "workspace-write",
  detail: "writes or extracts archives",
  anyOption: true,
  options:
    "-d=write -x= -P= -O|--output-file=write -TT|--unzip-command=!unknown -:!destructive -^!destructive",
  operands: "write read",
  logic: (call) => {
    if (call.inv.name === "cpio") call.find("unknown", "cpio keeps absolute and parent paths of the archive");
  },
  examples: {
    allow: ["unzip -o fixtures.zip -d test/fixtures", "zip -r dist.zip dist"],
    approve: ["unzip -: a.zip", "unzip a.zip -d /", "cpio -idm < a.cpio"],
  },
};

const patch: ToolSpec = {
  names: "patch",
  class: "workspace-write",
  detail: "patches files",
  options: `-p|--strip= -d|--directory=cwd -i|--input=read -o|--output=write -R|--reverse -N|--forward -f|--force
    -s|--silent|--quiet --dry-run -C|--check -b|--backup -E|--remove-empty-files -l|--ignore-whitespace -u|--unified
    -F|--fuzz= --no-backup-if-mismatch -t|--batch -V|--version-control= -r|--reject-file=write -z|--suffix=
    --binary --merge -B|--prefix=`,
  operands: "write read",
  logic: (call) => writes(call, { value: ".", raw: "." }, "write"),
  examples: {
    allow: ["patch -p1 < fix.diff"],
    approve: ["patch -d / -p0 < x.diff", "patch /etc/hosts x.diff"],
  },
};

const editors: ToolSpec = {
  names: "vi vim nvim nano emacs ed ex",
  class: "unknown",
  detail: "opens an interactive editor or runs an editor script the policy cannot see",
  anyOption: true,
  examples: { allow: [], approve: ["vim src/a.ts", "ed -s f < script"] },
};

const mktemp: ToolSpec = {
  names: "mktemp",
  class: "workspace-write",
  detail: "creates a temporary file",
  options: "-d|--directory -u|--dry-run -q|--quiet -p|--tmpdir=write -t --suffix=",
  logic: (call) => {
    const template = call.operands[0];
    const tmpdir = call.options.some((o) => o.name === "-p" || o.name === "-t");
    if (template?.value?.includes("/") && !tmpdir) writes(call, template, "write");
    if (template?.value === null) call.find("unknown", "mktemp with a template only known at run time");
  },
  examples: { allow: ["mktemp -d", "mktemp build/tmp.XXXX"], approve: ["mktemp /etc/x.XXXX"] },
};

const manuals: ToolSpec = {
  names: "man date",
  class: "read-only",
  detail: "prints a manual page or the date",
  anyOption: true,
  options: "-P|--pager|-H|--html=shell -s|--set=!destructive",
  examples: {
    allow: ["man git-rebase", "date +%s"],
    approve: ["man -P 'git push' ls", "date -s 2020-01-01"],
  },
};

export const fileSpecs = (): readonly ToolSpec[] => [
  readers,
  searchers,
  fd,
  pagers,
  printers,
  writers,
  remove,
  copy,
  modes,
  link,
  dd,
  tee,
  streams,
  sed,
  awk,
  jq,
  compress,
  tar,
  zip,
  patch,
  editors,
  mktemp,
  manuals,
  find,
];

const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
const FIND_WRITE = new Set(["-fprint", "-fprint0", "-fprintf", "-fls"]);
const FIND_ONE_ARG = new Set(
  `-name -iname -path -ipath -wholename -iwholename -regex -iregex -type -xtype -size -perm -user -group -uid -gid
  -newer -anewer -cnewer -mtime -atime -ctime -mmin -amin -cmin -maxdepth -mindepth -links -inum -samefile -fstype
  -lname -ilname -printf -regextype -used -context -files0-from`.split(/\s+/),
);

/**
 * `find ROOTS... EXPRESSION`: reads, unless it deletes, writes a file list (`-fprint`), or runs commands
 * (`-exec/-execdir/-ok/-okdir CMD {} ;`), each judged with `{}` standing for a file under each root.
 */
function findLogic(call: Call): void {
  const args = call.inv.args;
  let i = 0;
  while (/^-[HLP]$|^-[DO]/.test(args[i]?.value ?? "")) i += args[i]?.value === "-D" ? 2 : 1;
  const roots: Word[] = [];
  while (i < args.length && !/^[-(!,]/.test(args[i]?.value ?? "-")) roots.push(args[i++] as Word);
  if (roots.length === 0) roots.push({ value: ".", raw: "." });
  let acted = false;
  for (const root of roots) writes(call, root, "read");
  while (i < args.length) {
    const text = args[i]?.value;
    if (text === null || text === undefined) {
      call.find("unknown", `find with a word only known at run time (${args[i]?.raw})`);
      return;
    }
    if (FIND_ONE_ARG.has(text)) i += 2;
    else if (text === "-delete") {
      acted = true;
      for (const r of roots) writes(call, under(r), "remove");
      i += 1;
    } else if (FIND_WRITE.has(text)) {
      acted = true;
      const file = args[i + 1];
      if (file !== undefined) writes(call, file, "write");
      i += text === "-fprintf" ? 3 : 2;
    } else if (FIND_EXEC.has(text)) {
      acted = true;
      const end = args.findIndex((a, k) => k > i && (a.value === ";" || a.value === "+"));
      if (end < 0) {
        call.find("unknown", `${text} without a terminating ; or +`);
        return;
      }
      for (const root of roots) {
        const found = under(root);
        const words = args
          .slice(i + 1, end)
          .map((w) =>
            w.value?.includes("{}")
              ? { value: found.value === null ? null : w.value.split("{}").join(found.value), raw: w.raw }
              : w,
          );
        const foundPath = found.value === null ? null : resolvePath(found.value, call.ctx.cwd);
        const cwd = text.endsWith("dir")
          ? foundPath === null
            ? null
            : posix.dirname(foundPath)
          : call.ctx.cwd;
        for (const f of judgeWrappedCommand(call.inv, { ...call.ctx, cwd }, words, `find ${text}`))
          call.find(f.class, f.detail, f.overridable);
      }
      i = end + 1;
    } else i += 1;
  }
  if (!acted) call.find("read-only", "lists files");
}

function under(root: Word): Word {
  return root.value === null
    ? root
    : { value: `${root.value.replace(/\/+$/, "") || "/"}/*`, raw: `{} under ${root.raw}` };
}

const find: ToolSpec = {
  names: "find gfind",
  rawArgs: true,
  logic: findLogic,
  examples: {
    allow: ["find . -name '*.ts' -type f", "find dist -delete", "find . -name '*.orig' -exec rm {} +"],
    approve: [
      "find / -delete",
      "find . -exec git push \\;",
      "find . -fprint /etc/x",
      "find / -execdir rm {} \\;",
      "find . -ok sh -c 'git push' \\;",
    ],
  },
};
