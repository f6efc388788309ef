import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { hasOption, optionValue, optionValues, type ParsedArgs, parseArgs } from "./arguments.ts";
import {
  classed,
  pathFindings,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";

const reads = (detail: string) => (inv: Invocation) => readOnly(inv, detail);

/** Tools that only read files and print (credential files among their arguments are caught separately). */
const READERS: RuleTable = Object.fromEntries(
  [
    "ls",
    "dir",
    "vdir",
    "tree",
    "cat",
    "tac",
    "nl",
    "head",
    "tail",
    "less",
    "more",
    "bat",
    "batcat",
    "wc",
    "cut",
    "tr",
    "diff",
    "diff3",
    "sdiff",
    "colordiff",
    "cmp",
    "comm",
    "file",
    "stat",
    "du",
    "df",
    "pwd",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "date",
    "cal",
    "ncal",
    "whoami",
    "id",
    "groups",
    "uname",
    "hostname",
    "arch",
    "nproc",
    "free",
    "uptime",
    "lscpu",
    "lsblk",
    "lsmem",
    "ps",
    "pgrep",
    "pidof",
    "lsof",
    "netstat",
    "ss",
    "column",
    "fold",
    "fmt",
    "paste",
    "join",
    "rev",
    "expand",
    "unexpand",
    "numfmt",
    "seq",
    "shuf",
    "od",
    "hexdump",
    "strings",
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "shasum",
    "cksum",
    "b2sum",
    "sum",
    "base64",
    "base32",
    "basenc",
    "man",
    "info",
    "tldr",
    "apropos",
    "whatis",
    "whereis",
    "which",
    "clear",
    "tput",
    "locale",
    "getconf",
    "tty",
    "dircolors",
    "yes",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "ack",
    "zgrep",
    "zcat",
    "bzcat",
    "xzcat",
    "zstdcat",
    "lz4cat",
    "zless",
    "fd",
    "fdfind",
    "locate",
    "cloc",
    "tokei",
    "scc",
    "w",
    "who",
    "last",
    "vmstat",
    "iostat",
    "mpstat",
    "top",
    "htop",
    "btop",
    "nslookup",
    "dig",
    "host",
    "ping",
    "ping6",
    "traceroute",
    "tracepath",
    "mtr",
    "whois",
    "ssh-keyscan",
    "expr",
    "bc",
    "dc",
    "factor",
    "tsort",
    "pr",
    "ldd",
    "nm",
    "objdump",
    "readelf",
    "size",
    "lsattr",
    "getfacl",
    "namei",
    "mountpoint",
    "findmnt",
    "lspci",
    "lsusb",
    "dmesg",
    "journalctl",
    "lsb_release",
    "delta",
    "difft",
    "glow",
    "jless",
    "fx",
    "gron",
    "jc",
    "xmllint",
    "mdcat",
    "look",
    "wait-on",
    "envsubst",
    "uuidgen",
    "systemd-detect-virt",
    "lsns",
    "pstree",
    "fzf",
    "md5",
    "sha256",
    "cowsay",
  ].map((name) => [name, reads("reads files or prints information")]),
);

function targetsAfterMode(parsed: ParsedArgs): Word[] {
  // chmod MODE FILE..., chown OWNER FILE...; with --reference=F every positional is a file.
  return hasOption(parsed, "--reference") ? [...parsed.positionals] : parsed.positionals.slice(1);
}

const COPY_VALUED = [
  "-t",
  "--target-directory",
  "-S",
  "--suffix",
  "--backup",
  "--sparse",
  "--reflink",
  "--preserve",
];

/** `cp SRC... DEST` or `cp -t DIR SRC...`: writes the destination. */
function copyRule(removesSources: boolean) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued: COPY_VALUED });
    const target = optionValue(parsed, "-t", "--target-directory");
    const positionals = [...parsed.positionals];
    const destination = target ?? positionals.pop();
    const sources = target === undefined ? positionals : [...parsed.positionals];
    if (destination === undefined) return runtimeOnly(inv, `${inv.name} without a destination`);
    const removed = removesSources ? pathFindings(inv, ctx, sources, "remove") : [];
    const written = writesPaths(
      inv,
      ctx,
      [destination],
      "write",
      `${removesSources ? "moves" : "copies"} files within the workspace`,
    );
    return [...removed.filter((f) => f.class !== "workspace-write"), ...written];
  };
}

function removeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["--interactive", "--preserve-root"] });
  if (hasOption(parsed, "--no-preserve-root")) {
    return classed("destructive", inv, "removes with --no-preserve-root");
  }
  if (parsed.positionals.length === 0) return readOnly(inv, `${inv.name} with nothing to remove`);
  return writesPaths(inv, ctx, parsed.positionals, "remove", "removes files under the workspace");
}

function writeAllPositionals(
  valued: readonly string[],
  detail: string,
  access: "write" | "remove" = "write",
) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued });
    if (parsed.positionals.length === 0) return readOnly(inv, `${inv.name} with no files`);
    return writesPaths(inv, ctx, parsed.positionals, access, detail);
  };
}

function modeRule(detail: string) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const parsed = parseArgs(inv.args, { valued: ["--reference", "--from"] });
    const targets = targetsAfterMode(parsed);
    if (targets.length === 0) return runtimeOnly(inv, `${inv.name} without files`);
    return writesPaths(inv, ctx, targets, "write", detail);
  };
}

function linkRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-t", "--target-directory", "-S", "--suffix"] });
  const target = optionValue(parsed, "-t", "--target-directory");
  if (target !== undefined)
    return writesPaths(inv, ctx, [target], "write", "creates links under the workspace");
  const positionals = parsed.positionals;
  // `ln -s TARGET` creates the link in the current directory; `ln -s TARGET LINK` creates LINK.
  const link = positionals.length >= 2 ? positionals.at(-1) : { value: ".", raw: "." };
  return writesPaths(
    inv,
    ctx,
    link === undefined ? [] : [link],
    "write",
    "creates links under the workspace",
  );
}

function installRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-m", "--mode", "-o", "--owner", "-g", "--group", "-t", "--target-directory", "-S", "--suffix"],
  });
  const target = optionValue(parsed, "-t", "--target-directory");
  if (hasOption(parsed, "-d", "--directory")) {
    return writesPaths(inv, ctx, parsed.positionals, "write", "creates directories under the workspace");
  }
  const destination = target ?? parsed.positionals.at(-1);
  return writesPaths(
    inv,
    ctx,
    destination === undefined ? [] : [destination],
    "write",
    "installs files under the workspace",
  );
}

function ddRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const outputs: Word[] = [];
  for (const a of inv.args) {
    if (a.value === null) return runtimeOnly(inv, `dd with an operand only known at run time (${a.raw})`);
    if (a.value.startsWith("of=")) outputs.push({ value: a.value.slice(3), raw: a.raw });
  }
  if (outputs.length === 0) return readOnly(inv, "copies data to standard output");
  return writesPaths(inv, ctx, outputs, "write", "writes a file under the workspace");
}

function teeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["--output-error"] });
  if (parsed.positionals.length === 0) return readOnly(inv, "copies input to output");
  return writesPaths(inv, ctx, parsed.positionals, "write", "writes files under the workspace");
}

function sortRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-o",
      "--output",
      "-k",
      "--key",
      "-t",
      "--field-separator",
      "-S",
      "--buffer-size",
      "-T",
      "--temporary-directory",
      "--parallel",
      "--files0-from",
      "--batch-size",
      "--compress-program",
      "--sort",
      "--random-source",
    ],
  });
  if (optionValue(parsed, "--compress-program") !== undefined)
    return runtimeOnly(inv, "sort runs a compression program");
  const output = optionValue(parsed, "-o", "--output");
  if (output === undefined) return readOnly(inv, "sorts input");
  return writesPaths(inv, ctx, [output], "write", "writes sorted output under the workspace");
}

function uniqRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars", "--group", "--all-repeated"],
  });
  const output = parsed.positionals[1];
  if (output === undefined) return readOnly(inv, "filters input");
  return writesPaths(inv, ctx, [output], "write", "writes output under the workspace");
}

function splitRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-a",
      "-b",
      "-C",
      "-l",
      "-n",
      "-t",
      "--suffix-length",
      "--bytes",
      "--line-bytes",
      "--lines",
      "--number",
      "--separator",
      "--additional-suffix",
      "--filter",
      "-f",
      "--prefix",
    ],
  });
  if (optionValue(parsed, "--filter") !== undefined) return runtimeOnly(inv, "split runs a filter command");
  const prefix = parsed.positionals[1] ?? optionValue(parsed, "-f", "--prefix") ?? { value: "x", raw: "x" };
  return writesPaths(inv, ctx, [prefix], "write", "writes pieces under the workspace");
}

function mktempRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-p", "--tmpdir", "--suffix"] });
  const dir = optionValue(parsed, "-p", "--tmpdir");
  if (dir !== undefined) return writesPaths(inv, ctx, [dir], "write", "creates a temporary file");
  const template = parsed.positionals[0];
  if (template !== undefined && !hasOption(parsed, "-t", "--tmpdir") && template.value?.includes("/")) {
    return writesPaths(inv, ctx, [template], "write", "creates a temporary file");
  }
  return workspaceWrite(inv, "creates a temporary file");
}

/** GNU sed script commands that run programs (`e`, `s///e`) or write files (`w`, `s///w`). */
const SED_RISKY = /(^|[;\n{}]|^\s*\d*,?\d*\$?\/?)\s*[ew](\s|$)|\/[gpiImM0-9]*[ew][gpiImM0-9]*\s*($|;|\s|\})/;

function sedRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-e", "--expression", "-f", "--file", "-l", "--line-length", "-s"],
  });
  // GNU `-i[SUFFIX]` (`-i.bak`), BSD `-i ''` and `-I`, or `--in-place[=SUFFIX]`.
  const inPlace = parsed.options.some((o) => /^-[iI]/.test(o.name) || o.name.startsWith("--in-place"));
  if (optionValue(parsed, "-f", "--file") !== undefined) {
    return unknownPart(inv, "sed runs a script file the policy cannot see into");
  }
  const scripts = optionValues(parsed, "-e", "--expression");
  const positionals = [...parsed.positionals];
  if (scripts.length === 0 && optionValue(parsed, "-f", "--file") === undefined) {
    const script = positionals.shift();
    if (script !== undefined) scripts.push(script);
  }
  for (const script of scripts) {
    if (script.value === null)
      return runtimeOnly(inv, `sed runs a script only known at run time (${script.raw})`);
    if (SED_RISKY.test(script.value))
      return runtimeOnly(inv, "the sed script runs a command or writes a file (e / w)");
  }
  if (!inPlace) return readOnly(inv, "edits a stream");
  // BSD `sed -i '' ...`: an empty suffix argument, not a file.
  const files = positionals.filter((w) => w.value !== "");
  if (files.length === 0) return runtimeOnly(inv, "sed -i without files");
  return writesPaths(inv, ctx, files, "write", "edits files under the workspace");
}

const AWK_RISKY =
  /\bsystem\s*\(|\|\s*(getline|&)|\|&|\bprint[f]?\b[^;}]*(>{1,2}|\|)\s*["$(a-zA-Z]|"\s*\|\s*getline|\benviron\b|ENVIRON/;

function awkRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-F", "-v", "-f", "--file", "-i", "--include", "-l", "--load", "-E", "--exec"],
    clusters: false,
  });
  if (optionValue(parsed, "-l", "--load") !== undefined)
    return runtimeOnly(inv, "awk loads an extension library");
  const positionals = [...parsed.positionals];
  const programFile = optionValue(parsed, "-f", "--file", "-E", "--exec");
  if (programFile === undefined) {
    const program = positionals.shift();
    if (program === undefined) return runtimeOnly(inv, "awk without a program");
    if (program.value === null)
      return runtimeOnly(inv, `awk runs a program only known at run time (${program.raw})`);
    if (AWK_RISKY.test(program.value)) {
      return runtimeOnly(inv, "the awk program runs commands, writes files or reads the environment");
    }
  } else {
    return runtimeOnly(inv, "awk runs a program file the policy cannot see into");
  }
  if (optionValues(parsed, "-i", "--include").some((w) => w.value === "inplace")) {
    return writesPaths(
      inv,
      ctx,
      positionals.filter((w) => !w.value?.includes("=")),
      "write",
      "edits files under the workspace",
    );
  }
  return readOnly(inv, "processes text");
}

function jqRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "--arg",
      "--argjson",
      "--slurpfile",
      "--rawfile",
      "--args",
      "--jsonargs",
      "-f",
      "--from-file",
      "--indent",
      "-L",
    ],
    clusters: true,
  });
  const filter = optionValue(parsed, "-f", "--from-file") === undefined ? parsed.positionals[0] : undefined;
  if (filter !== undefined && (filter.value === null || /\$ENV\b|\benv\b/.test(filter.value))) {
    return classed("credentials", inv, "the jq filter reads the environment");
  }
  return readOnly(inv, "reads JSON");
}

function yqRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-o",
      "--output-format",
      "-p",
      "--input-format",
      "--indent",
      "-I",
      "--from-file",
      "--expression",
    ],
  });
  const expression = parsed.positionals[0];
  if (expression?.value != null && /\benv\(|\$ENV|\bstrenv\(|\benvsubst\b|\bload\(/.test(expression.value)) {
    return classed("credentials", inv, "the yq expression reads the environment or other files");
  }
  if (hasOption(parsed, "-i", "--inplace")) {
    return writesPaths(inv, ctx, parsed.positionals.slice(1), "write", "edits files under the workspace");
  }
  return readOnly(inv, "reads YAML");
}

function compressRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-S", "--suffix", "-o", "--output", "-T", "--threads", "-b", "--block-size"],
  });
  if (hasOption(parsed, "-c", "--stdout", "--to-stdout", "-l", "--list", "-t", "--test")) {
    return readOnly(inv, "reads compressed data");
  }
  const output = optionValue(parsed, "-o", "--output");
  const files = output === undefined ? parsed.positionals : [output];
  if (files.length === 0) return readOnly(inv, "compresses a stream");
  return writesPaths(inv, ctx, files, "write", "compresses or expands files under the workspace");
}

function zipRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-b",
      "-n",
      "-t",
      "-tt",
      "-x",
      "-i",
      "-P",
      "--password",
      "-O",
      "--output-file",
      "-Z",
      "-TT",
      "--unzip-command",
    ],
  });
  if (hasOption(parsed, "-TT", "--unzip-command")) return runtimeOnly(inv, "zip runs a test command");
  const archive = optionValue(parsed, "-O", "--output-file") ?? parsed.positionals[0];
  if (archive === undefined) return runtimeOnly(inv, "zip without an archive");
  return writesPaths(inv, ctx, [archive], "write", "writes an archive under the workspace");
}

function unzipRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-d", "-x", "-P"] });
  if (hasOption(parsed, "-l", "-t", "-p", "-c", "-v", "-Z", "-z"))
    return readOnly(inv, "lists or tests an archive");
  const dir = optionValue(parsed, "-d") ?? { value: ".", raw: "." };
  return writesPaths(inv, ctx, [dir], "write", "extracts an archive under the workspace");
}

const TAR_VALUED = [
  "-f",
  "--file",
  "-C",
  "--directory",
  "-T",
  "--files-from",
  "-X",
  "--exclude-from",
  "-K",
  "-N",
  "-g",
  "--listed-incremental",
  "-b",
  "--blocking-factor",
  "-H",
  "--format",
  "-V",
  "--label",
  "--exclude",
  "--owner",
  "--group",
  "--mode",
  "--mtime",
  "--transform",
  "--strip-components",
  "--xform",
  "--newer",
  "--after-date",
];
const TAR_RUNS = [
  "--to-command",
  "--checkpoint-action",
  "--info-script",
  "--new-volume-script",
  "--rsh-command",
  "-F",
  "-I",
  "--use-compress-program",
];

function tarRule(inv: Invocation, ctx: RuleContext): Finding[] {
  // Old style `tar xzf archive.tgz`: the first word is a cluster of flags without a dash.
  const first = inv.args[0];
  const args =
    first?.value != null && /^[a-zA-Z]+$/.test(first.value) && !first.value.startsWith("-")
      ? [{ value: `-${first.value}`, raw: first.raw }, ...inv.args.slice(1)]
      : inv.args;
  const parsed = parseArgs(args, { valued: [...TAR_VALUED, ...TAR_RUNS] });
  if (parsed.options.some((o) => TAR_RUNS.includes(o.name)))
    return runtimeOnly(inv, "tar runs another program");
  const file = optionValue(parsed, "-f", "--file");
  const directory = optionValue(parsed, "-C", "--directory") ?? { value: ".", raw: "." };
  if (hasOption(parsed, "-x", "--extract", "--get")) {
    if (hasOption(parsed, "-O", "--to-stdout")) return readOnly(inv, "prints archive contents");
    return writesPaths(inv, ctx, [directory], "write", "extracts an archive under the workspace");
  }
  if (
    hasOption(
      parsed,
      "-c",
      "--create",
      "-r",
      "--append",
      "-u",
      "--update",
      "-A",
      "--catenate",
      "--concatenate",
      "--delete",
    )
  ) {
    if (file === undefined || file.value === "-")
      return readOnly(inv, "writes an archive to standard output");
    return writesPaths(inv, ctx, [file], "write", "writes an archive under the workspace");
  }
  return readOnly(inv, "lists an archive");
}

function sevenZipRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const [command, archive] = inv.args;
  if (command?.value === "l" || command?.value === "t" || command?.value === "i" || command?.value === "h") {
    return readOnly(inv, "lists or tests an archive");
  }
  const outDir = inv.args.find((a) => a.value?.startsWith("-o"));
  if (command?.value === "x" || command?.value === "e") {
    const dir = outDir?.value ? { value: outDir.value.slice(2), raw: outDir.raw } : { value: ".", raw: "." };
    return writesPaths(inv, ctx, [dir], "write", "extracts an archive under the workspace");
  }
  return writesPaths(
    inv,
    ctx,
    archive === undefined ? [] : [archive],
    "write",
    "writes an archive under the workspace",
  );
}

function patchRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-p",
      "-i",
      "--input",
      "-o",
      "--output",
      "-d",
      "--directory",
      "-r",
      "--reject-file",
      "-B",
      "-z",
      "-D",
      "-F",
      "-V",
    ],
  });
  if (hasOption(parsed, "--dry-run", "-C", "--check")) return readOnly(inv, "checks a patch");
  const dir = optionValue(parsed, "-d", "--directory");
  const output = optionValue(parsed, "-o", "--output");
  const targets = [output, parsed.positionals[0], dir ?? { value: ".", raw: "." }].filter(
    (w): w is Word => w !== undefined,
  );
  return writesPaths(inv, ctx, targets, "write", "patches files under the workspace");
}

function iconvRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-f", "-t", "-o", "--output", "--from-code", "--to-code"] });
  const output = optionValue(parsed, "-o", "--output");
  if (output === undefined) return readOnly(inv, "converts text");
  return writesPaths(inv, ctx, [output], "write", "writes converted text under the workspace");
}

function xxdRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-c", "-g", "-l", "-o", "-s", "-n"] });
  const output = parsed.positionals[1];
  if (output === undefined) return readOnly(inv, "prints a hex dump");
  return writesPaths(inv, ctx, [output], "write", "writes output under the workspace");
}

function shredRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-n", "--iterations", "-s", "--size", "--random-source", "--remove"],
  });
  return writesPaths(inv, ctx, parsed.positionals, "remove", "destroys files under the workspace");
}

export const fileRules: RuleTable = {
  ...READERS,
  cp: copyRule(false),
  mv: copyRule(true),
  rm: removeRule,
  rmdir: writeAllPositionals([], "removes directories under the workspace", "remove"),
  unlink: writeAllPositionals([], "removes a file under the workspace", "remove"),
  shred: shredRule,
  mkdir: writeAllPositionals(["-m", "--mode", "--context"], "creates directories under the workspace"),
  touch: writeAllPositionals(
    ["-d", "--date", "-r", "--reference", "-t"],
    "touches files under the workspace",
  ),
  truncate: writeAllPositionals(["-s", "--size", "-r", "--reference"], "truncates files under the workspace"),
  dos2unix: writeAllPositionals([], "converts line endings under the workspace"),
  unix2dos: writeAllPositionals([], "converts line endings under the workspace"),
  sponge: writeAllPositionals([], "writes a file under the workspace"),
  chmod: modeRule("changes permissions under the workspace"),
  chown: modeRule("changes ownership under the workspace"),
  chgrp: modeRule("changes ownership under the workspace"),
  chattr: modeRule("changes file attributes under the workspace"),
  setfacl: modeRule("changes access lists under the workspace"),
  ln: linkRule,
  install: installRule,
  dd: ddRule,
  tee: teeRule,
  sort: sortRule,
  uniq: uniqRule,
  split: splitRule,
  csplit: (inv, ctx) => {
    const parsed = parseArgs(inv.args, {
      valued: ["-f", "--prefix", "-b", "--suffix-format", "-n", "--digits"],
    });
    const prefix = optionValue(parsed, "-f", "--prefix") ?? { value: "xx", raw: "xx" };
    return writesPaths(inv, ctx, [prefix], "write", "writes pieces under the workspace");
  },
  mktemp: mktempRule,
  sed: sedRule,
  gsed: sedRule,
  awk: awkRule,
  gawk: awkRule,
  mawk: awkRule,
  nawk: awkRule,
  jq: jqRule,
  gojq: jqRule,
  jaq: jqRule,
  yq: yqRule,
  gzip: compressRule,
  gunzip: compressRule,
  bzip2: compressRule,
  bunzip2: compressRule,
  xz: compressRule,
  unxz: compressRule,
  zstd: compressRule,
  unzstd: compressRule,
  lz4: compressRule,
  brotli: compressRule,
  compress: compressRule,
  uncompress: compressRule,
  zip: zipRule,
  unzip: unzipRule,
  tar: tarRule,
  gtar: tarRule,
  bsdtar: tarRule,
  "7z": sevenZipRule,
  "7za": sevenZipRule,
  "7zz": sevenZipRule,
  patch: patchRule,
  iconv: iconvRule,
  xxd: xxdRule,
  vi: (inv) => runtimeOnly(inv, "opens an interactive editor"),
  vim: (inv) => runtimeOnly(inv, "opens an interactive editor"),
  nvim: (inv) => runtimeOnly(inv, "opens an interactive editor"),
  nano: (inv) => runtimeOnly(inv, "opens an interactive editor"),
  emacs: (inv) => runtimeOnly(inv, "opens an interactive editor"),
  ed: (inv) => runtimeOnly(inv, "runs an editor script the policy cannot see"),
  ex: (inv) => runtimeOnly(inv, "runs an editor script the policy cannot see"),
};
