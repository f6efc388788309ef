/**
 * A Dockerfile lint for the rules of hadolint (https://github.com/hadolint/hadolint#rules) that apply to the
 * agent image, plus the project's own: the base image pinned by digest and a non-root USER before CMD. hadolint
 * itself is a Haskell binary that is not installable from npm; these are its documented rules, implemented on
 * the instructions and the shell words of RUN. `# hadolint ignore=DLxxxx` on the line before an instruction skips
 * those rules for it, as hadolint does.
 */

export interface Finding {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
  readonly ignored: ReadonlySet<string>;
}

const RULES = {
  DL3000: "Use absolute WORKDIR",
  DL3002: "Last USER should not be root",
  DL3004: "Do not use sudo",
  DL3006: "Always tag the version of an image explicitly",
  DL3007: "Using latest is prone to errors if the image will ever update",
  DL3008: "Pin versions in apt-get install",
  DL3009: "Delete the apt-get lists after installing something",
  DL3013: "Pin versions in pip",
  DL3015: "Avoid additional packages by specifying --no-install-recommends",
  DL3016: "Pin versions in npm",
  DL3020: "Use COPY instead of ADD for files and folders",
  DL3025: "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
  DL4006: "Set the SHELL option -o pipefail before RUN with a pipe in it",
  AR001: "Pin the base image by digest (@sha256:...)",
  AR002: "Switch to a non-root USER before CMD",
} as const;

function parse(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  let pendingIgnore = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      const ignore = /^#\s*hadolint\s+ignore=([A-Z0-9,]+)/.exec(trimmed);
      if (ignore?.[1]) for (const rule of ignore[1].split(",")) pendingIgnore.add(rule);
      continue;
    }
    const start = i;
    let joined = trimmed;
    while (joined.endsWith("\\") && i + 1 < lines.length) {
      i++;
      const next = (lines[i] ?? "").trim();
      joined = `${joined.slice(0, -1)} ${next.startsWith("#") ? "" : next}`;
    }
    const match = /^(\w+)\s*(.*)$/s.exec(joined);
    if (match?.[1]) {
      instructions.push({
        keyword: match[1].toUpperCase(),
        args: (match[2] ?? "").trim(),
        line: start + 1,
        ignored: pendingIgnore,
      });
    }
    pendingIgnore = new Set();
  }
  return instructions;
}

/** The simple commands of a shell line: split on ;, &&, || and | (enough for RUN lines; no subshells). */
function commands(shell: string): string[][] {
  return shell
    .split(/&&|\|\||;|\|/)
    .map((part) =>
      part
        .trim()
        .split(/\s+/)
        .filter((word) => word !== ""),
    )
    .filter((words) => words.length > 0);
}

function packagesAfter(words: readonly string[], subcommand: string): string[] {
  const index = words.indexOf(subcommand);
  if (index < 0) return [];
  return words.slice(index + 1).filter((word) => !word.startsWith("-") && !word.startsWith("$"));
}

export function lintDockerfile(text: string): Finding[] {
  const findings: Finding[] = [];
  const instructions = parse(text);
  const report = (instruction: Instruction, rule: keyof typeof RULES, detail?: string) => {
    if (instruction.ignored.has(rule)) return;
    findings.push({
      rule,
      line: instruction.line,
      message: detail ? `${RULES[rule]}: ${detail}` : RULES[rule],
    });
  };
  let pipefail = false;
  let lastUser: Instruction | undefined;

  for (const instruction of instructions) {
    const { keyword, args } = instruction;
    if (keyword === "FROM") {
      const image = args.split(/\s+/).find((word) => !word.startsWith("--")) ?? "";
      const [nameAndTag = "", digest] = image.split("@");
      const tag = /:([^/:]+)$/.exec(nameAndTag)?.[1];
      if (image.toLowerCase() !== "scratch") {
        if (!tag && !digest) report(instruction, "DL3006", image);
        if (tag === "latest") report(instruction, "DL3007", image);
        if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) report(instruction, "AR001", image);
      }
    }
    if (keyword === "WORKDIR" && !args.startsWith("/") && !args.startsWith("$"))
      report(instruction, "DL3000", args);
    if (keyword === "USER") lastUser = instruction;
    if (keyword === "ADD" && !/https?:\/\/|\.tar|\.tgz|\.gz|\.xz|\.bz2/.test(args))
      report(instruction, "DL3020", args);
    if ((keyword === "CMD" || keyword === "ENTRYPOINT") && !args.startsWith("["))
      report(instruction, "DL3025", args);
    if (keyword === "SHELL" && args.includes("pipefail")) pipefail = true;
    if (keyword === "RUN") {
      const shell = args;
      if (/(^|[^|])\|([^|]|$)/.test(shell) && !pipefail) report(instruction, "DL4006");
      let installsApt = false;
      for (const words of commands(shell)) {
        if (words[0] === "sudo") report(instruction, "DL3004");
        if (words[0] === "apt-get" && words.includes("install")) {
          installsApt = true;
          if (!words.includes("--no-install-recommends")) report(instruction, "DL3015");
          for (const pkg of packagesAfter(words, "install").filter((p) => !p.includes("="))) {
            report(instruction, "DL3008", pkg);
          }
        }
        if ((words[0] === "pip" || words[0] === "pip3") && words.includes("install")) {
          const args = packagesAfter(words, "install");
          if (!words.includes("-r") && !words.includes("--requirement")) {
            for (const pkg of args.filter((p) => !/[=<>~]=|@|\.whl$|^\./.test(p)))
              report(instruction, "DL3013", pkg);
          }
        }
        if (words[0] === "npm" && (words[1] === "install" || words[1] === "i" || words[1] === "add")) {
          for (const pkg of packagesAfter(words, words[1]).filter(
            (p) => !/^@?[^@]+@.+$/.test(p) && !p.startsWith("."),
          )) {
            report(instruction, "DL3016", pkg);
          }
        }
      }
      if (installsApt && !/rm -rf \/var\/lib\/apt\/lists\/?\*?/.test(shell)) report(instruction, "DL3009");
    }
  }

  const cmd = instructions.findLast(
    (instruction) => instruction.keyword === "CMD" || instruction.keyword === "ENTRYPOINT",
  );
  if (lastUser) {
    const user = lastUser.args.split(":")[0];
    if (user === "root" || user === "0") report(lastUser, "DL3002", lastUser.args);
  }
  if (cmd && (!lastUser || lastUser.line > cmd.line)) report(cmd, "AR002");
  return findings;
}
