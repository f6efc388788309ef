import { posix } from "node:path";
import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { displayPath, isScratchOrWorkspace, resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, optionValues, type ParsedArgs, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  judgeWrapped,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";

const GLOBAL_VALUED = [
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--config-env",
  "--super-prefix",
  "--list-cmds",
];

const READ_ONLY = new Set([
  "status",
  "log",
  "show",
  "diff",
  "blame",
  "annotate",
  "grep",
  "ls-files",
  "ls-tree",
  "ls-remote",
  "rev-parse",
  "rev-list",
  "describe",
  "shortlog",
  "cat-file",
  "name-rev",
  "merge-base",
  "for-each-ref",
  "show-ref",
  "show-branch",
  "whatchanged",
  "count-objects",
  "check-ignore",
  "check-attr",
  "check-ref-format",
  "var",
  "version",
  "help",
  "cherry",
  "diff-tree",
  "diff-files",
  "diff-index",
  "verify-commit",
  "verify-tag",
  "verify-pack",
  "range-diff",
  "request-pull",
  "fsck",
  "get-tar-commit-id",
  "column",
  "patch-id",
  "fmt-merge-msg",
  "show-index",
  "fast-export",
  "merge-tree",
  "diagnose",
  "bugreport",
]);

/** Subcommands that change only the local repository and its working tree. */
const LOCAL_WRITES: Readonly<Record<string, string>> = {
  add: "stages changes",
  stage: "stages changes",
  commit: "records a local commit",
  checkout: "checks out files or a branch",
  switch: "switches branches",
  restore: "restores files",
  reset: "resets the index or branch",
  merge: "merges locally",
  "cherry-pick": "applies commits locally",
  revert: "reverts commits locally",
  am: "applies patches locally",
  mv: "moves tracked files",
  rm: "removes tracked files",
  init: "creates a repository",
  fetch: "fetches from a remote into the local repository",
  pull: "fetches and merges into the local branch",
  gc: "compacts the local repository",
  prune: "prunes the local repository",
  repack: "repacks the local repository",
  "pack-refs": "packs local refs",
  "commit-graph": "updates local indexes",
  "multi-pack-index": "updates local indexes",
  notes: "edits local notes",
  "sparse-checkout": "changes the sparse checkout",
  "update-index": "updates the index",
  "update-ref": "updates a local ref",
  "read-tree": "reads a tree into the index",
  "write-tree": "writes a tree object",
  "commit-tree": "writes a commit object",
  "hash-object": "hashes objects",
  mktag: "writes a tag object",
  mktree: "writes a tree object",
  replace: "edits local replace refs",
  rerere: "records conflict resolutions",
  "fast-import": "imports into the local repository",
  "unpack-objects": "unpacks objects locally",
  "index-pack": "indexes a pack locally",
  "pack-objects": "writes a pack",
  "interpret-trailers": "edits commit message trailers",
  "filter-repo": "rewrites local history",
  hook: "runs a repository hook",
  "merge-file": "merges files in place",
  "symbolic-ref": "reads or sets a symbolic ref",
};

const CREDENTIAL_SUBCOMMANDS = /^credential(-.*)?$/;

interface GitTarget {
  /** The repository directory the command works on, or null when it cannot be followed. */
  readonly dir: string | null;
  readonly outside: boolean;
  readonly shown: string;
}

function gitRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const global = parseArgs(inv.args, { valued: GLOBAL_VALUED, stopAtPositional: true, clusters: false });
  if (hasOption(global, "--version", "--help", "--html-path", "--man-path", "--info-path")) {
    return readOnly(inv, "prints git information");
  }
  const findings: Finding[] = [];
  for (const o of global.options) {
    if (o.name === "--exec-path" && o.value !== undefined)
      findings.push(...runtimeOnly(inv, "git runs its commands from another --exec-path"));
    if (o.name === "--config-env")
      findings.push(...runtimeOnly(inv, "git takes configuration from the environment (--config-env)"));
  }
  for (const setting of optionValues(global, "-c"))
    findings.push(...configSettingFindings(inv, ctx, setting));
  const target = gitTarget(inv, ctx, global);
  const sub = global.positionals[0];
  if (sub === undefined) return [...findings, ...readOnly(inv, "prints git usage")];
  if (sub.value === null)
    return [...findings, ...runtimeOnly(inv, `git runs a subcommand only known at run time (${sub.raw})`)];
  const args = global.rest;
  return [...findings, ...subcommand(sub.value, args, inv, { ...ctx, cwd: target.dir ?? ctx.cwd }, target)];
}

function gitTarget(inv: Invocation, ctx: RuleContext, global: ParsedArgs): GitTarget {
  let dir = ctx.cwd;
  for (const o of global.options) {
    if (o.name !== "-C") continue;
    dir = o.value?.value == null || dir === null ? null : resolvePath(o.value.value, dir);
  }
  const extra: (Word | undefined)[] = [
    optionValue(global, "--git-dir"),
    optionValue(global, "--work-tree"),
    inv.assignments.find((a) => a.name === "GIT_DIR")?.value,
    inv.assignments.find((a) => a.name === "GIT_WORK_TREE")?.value,
  ];
  const paths = [
    dir,
    ...extra
      .filter((w): w is Word => w !== undefined)
      .map((w) => (w.value === null || dir === null ? null : resolvePath(w.value, dir))),
  ];
  const unknown = paths.some((p) => p === null);
  const outsidePath = paths.find((p) => p !== null && !isScratchOrWorkspace(p, ctx.workspace));
  return {
    dir: unknown ? null : dir,
    outside: outsidePath !== undefined || unknown,
    shown:
      outsidePath === undefined || outsidePath === null
        ? "a directory only known at run time"
        : displayPath(outsidePath),
  };
}

function localWrite(inv: Invocation, target: GitTarget, detail: string): Finding[] {
  if (target.outside) {
    return target.dir === null && target.shown.startsWith("a directory")
      ? runtimeOnly(inv, `${detail} in ${target.shown}`)
      : classed("destructive", inv, `${detail} in ${target.shown}, outside the workspace`);
  }
  return workspaceWrite(inv, `${detail} (local repository)`);
}

function subcommand(
  sub: string,
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
  target: GitTarget,
): Finding[] {
  if (READ_ONLY.has(sub)) return readOnlySubcommand(sub, args, inv, ctx);
  if (CREDENTIAL_SUBCOMMANDS.test(sub)) return classed("credentials", inv, "reads or stores git credentials");
  switch (sub) {
    case "push":
      return classed("vcs-remote", inv, pushDetail(args));
    case "send-email":
      return classed("network-write", inv, "sends patches by email");
    case "svn":
      return args[0]?.value === "dcommit"
        ? classed("vcs-remote", inv, "commits to a Subversion remote")
        : localWrite(inv, target, "syncs with Subversion");
    case "p4":
      return args[0]?.value === "submit"
        ? classed("vcs-remote", inv, "submits to a Perforce remote")
        : localWrite(inv, target, "syncs with Perforce");
    case "remote":
      return remoteRule(args, inv, target);
    case "config":
      return configRule(args, inv, ctx, target);
    case "branch":
      return branchRule(args, inv, target);
    case "tag":
      return tagRule(args, inv, target);
    case "stash":
      return ["list", "show"].includes(args[0]?.value ?? "")
        ? readOnly(inv, "lists stashes")
        : localWrite(inv, target, "stashes changes");
    case "reflog":
      return ["expire", "delete"].includes(args[0]?.value ?? "")
        ? localWrite(inv, target, "edits the reflog")
        : readOnly(inv, "reads the reflog");
    case "clean":
      return hasOption(parseArgs(args), "-n", "--dry-run")
        ? readOnly(inv, "lists untracked files")
        : localWrite(inv, target, "removes untracked files");
    case "apply":
      return hasOption(
        parseArgs(args, { valued: ["-p", "-C", "--directory", "--exclude", "--include"] }),
        "--check",
        "--stat",
        "--numstat",
        "--summary",
      )
        ? readOnly(inv, "checks a patch")
        : localWrite(inv, target, "applies a patch");
    case "rebase":
      return rebaseRule(args, inv, ctx, target);
    case "bisect":
      if (args[0]?.value === "run")
        return [
          ...localWrite(inv, target, "bisects"),
          ...judgeWrapped(inv, ctx, args.slice(1), "git bisect run"),
        ];
      return localWrite(inv, target, "bisects");
    case "submodule":
      return submoduleRule(args, inv, ctx, target);
    case "worktree":
      return worktreeRule(args, inv, ctx, target);
    case "clone":
      return cloneRule(args, inv, ctx);
    case "archive":
      return outputFileRule(args, inv, ctx, ["-o", "--output"], "writes an archive", [
        "--remote",
        "--exec",
        "--prefix",
        "--format",
      ]);
    case "format-patch":
      return outputFileRule(
        args,
        inv,
        ctx,
        ["-o", "--output-directory"],
        "writes patch files",
        [
          "-v",
          "--reroll-count",
          "--subject-prefix",
          "--base",
          "--cover-from-description",
          "--in-reply-to",
          "--to",
          "--cc",
          "--from",
        ],
        ".",
      );
    case "bundle":
      return bundleRule(args, inv, ctx, target);
    case "lfs":
      return lfsRule(args, inv, target);
    case "maintenance":
      return ["start", "register", "unregister", "stop"].includes(args[0]?.value ?? "")
        ? classed("destructive", inv, "changes the user's git configuration and scheduled tasks")
        : localWrite(inv, target, "maintains the local repository");
    case "filter-branch":
      return filterBranchRule(args, inv, ctx, target);
    case "difftool":
    case "mergetool":
      return runtimeOnly(inv, `git ${sub} runs an external tool the policy cannot see`);
    case "daemon":
    case "instaweb":
    case "shell":
    case "upload-pack":
    case "receive-pack":
    case "http-backend":
    case "http-push":
      return runtimeOnly(inv, `git ${sub} serves or talks to the network in ways the policy cannot judge`);
  }
  const fetchLike = sub === "fetch" || sub === "pull";
  if (fetchLike) {
    const risky = transportFindings(args, inv);
    if (risky.length > 0) return risky;
  }
  if (sub === "commit" && args.some((a) => a.value === "-i" || a.value === "--interactive")) {
    return runtimeOnly(inv, "git commit --interactive waits for input");
  }
  const detail = LOCAL_WRITES[sub];
  if (detail !== undefined) {
    if (sub === "symbolic-ref" && parseArgs(args).positionals.length < 2)
      return readOnly(inv, "reads a symbolic ref");
    return localWrite(inv, target, detail);
  }
  return unknownPart(inv, `git ${sub} is not a git command the policy knows (an alias or an extension?)`);
}

function readOnlySubcommand(
  sub: string,
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
): Finding[] {
  const parsed = parseArgs(args, { valued: ["-o", "--output", "--ext-diff"] });
  const output = optionValue(parsed, "--output");
  if ((sub === "diff" || sub === "log" || sub === "show") && hasOption(parsed, "--ext-diff")) {
    return runtimeOnly(inv, "runs an external diff program");
  }
  if (sub === "grep" && hasOption(parsed, "-O", "--open-files-in-pager"))
    return runtimeOnly(inv, "opens files in a pager program");
  if (output !== undefined)
    return writesPaths(inv, ctx, [output], "write", "writes output under the workspace");
  if (sub === "ls-remote") return readOnly(inv, "lists a remote's refs");
  return readOnly(inv, `reads the repository (git ${sub})`);
}

function pushDetail(args: readonly Word[]): string {
  const flags = new Set(args.map((a) => a.value ?? ""));
  const force =
    ["-f", "--force", "--force-with-lease", "--force-if-includes", "--mirror"].some((f) => flags.has(f)) ||
    [...flags].some((f) => f.startsWith("+") || f.startsWith("--force-with-lease="));
  const tags = flags.has("--tags") || flags.has("--follow-tags");
  const del =
    flags.has("--delete") || flags.has("-d") || [...flags].some((f) => f.startsWith(":") && f.length > 1);
  const parts = ["pushes to a remote"];
  if (force) parts.push("rewriting its history (force)");
  if (tags) parts.push("including tags");
  if (del) parts.push("deleting remote refs");
  if (flags.has("--dry-run") || flags.has("-n"))
    parts.push("(a dry run still contacts the remote; flags never lower a push)");
  return parts.join(", ");
}

function remoteRule(args: readonly Word[], inv: Invocation, target: GitTarget): Finding[] {
  const parsed = parseArgs(args, { stopAtPositional: true });
  const action = parsed.positionals[0]?.value;
  if (action === undefined) return readOnly(inv, "lists remotes");
  if (action === null) return runtimeOnly(inv, "git remote with an action only known at run time");
  if (["show", "get-url"].includes(action)) return readOnly(inv, "reads remote settings");
  if (["add", "set-url", "remove", "rm", "rename", "set-branches"].includes(action)) {
    return classed("vcs-remote", inv, "changes the repository's remotes");
  }
  if (["prune", "update", "set-head"].includes(action))
    return localWrite(inv, target, "updates remote-tracking refs");
  return unknownPart(inv, `git remote ${action} is not one the policy knows`);
}

const PROGRAM_KEYS =
  /^(alias\..+|core\.(pager|editor|sshcommand|fsmonitor|askpass|gitproxy)|diff\.external|diff\..+\.(command|textconv)|filter\..+|merge\..+\.driver|gpg\.program|gpg\..+\.program|sequence\.editor|pager\..+|uploadpack\..+|receivepack\..+|remote\..+\.(uploadpack|receivepack|proxy)|include\.path|includeif\..+|init\.templatedir|interactive\.difffilter|protocol\..+|ssh\.variant|http\.proxy|https\.proxy|credential\..+|url\..+)$/;
const HARMLESS_PROGRAM_VALUES = /^(cat|less|less -r|less -frx|more|true|false|:|vi|vim|nano|)$/;

/** `-c key=value` or `git config key value`: settings that run programs or touch credentials. */
function settingFindings(inv: Invocation, ctx: RuleContext, key: string, value: string | null): Finding[] {
  const k = key.toLowerCase();
  if (k.startsWith("credential."))
    return classed("credentials", inv, `sets ${key}, which decides how credentials are stored`);
  if (/^remote\..+\.(url|pushurl)$/.test(k))
    return classed("vcs-remote", inv, `points a remote somewhere else (${key})`);
  if (k === "core.hookspath") {
    const path = value === null ? null : resolvePath(value, ctx.cwd);
    if (path !== null && isScratchOrWorkspace(path, ctx.workspace)) return [];
    return runtimeOnly(inv, `runs hooks from ${value ?? "a run-time path"} (core.hooksPath)`);
  }
  if (PROGRAM_KEYS.test(k)) {
    if (
      value !== null &&
      HARMLESS_PROGRAM_VALUES.test(value.trim().toLowerCase()) &&
      !k.startsWith("alias.") &&
      !k.startsWith("url.")
    )
      return [];
    if (k.startsWith("alias.") && value !== null && !value.trim().startsWith("!")) return [];
    if (k.startsWith("url.") || k.startsWith("protocol.") || k.endsWith(".proxy")) {
      return runtimeOnly(inv, `changes how git reaches remotes (${key})`);
    }
    return runtimeOnly(inv, `sets ${key}, which makes git run ${value ?? "a run-time value"}`);
  }
  return [];
}

function configSettingFindings(inv: Invocation, ctx: RuleContext, setting: Word): Finding[] {
  if (setting.value === null)
    return runtimeOnly(inv, `git -c with a setting only known at run time (${setting.raw})`);
  const eq = setting.value.indexOf("=");
  const key = eq < 0 ? setting.value : setting.value.slice(0, eq);
  return settingFindings(inv, ctx, key, eq < 0 ? "true" : setting.value.slice(eq + 1));
}

const CONFIG_VALUED = ["-f", "--file", "--blob", "--type", "--default", "--comment", "--value", "--url"];
const CONFIG_READS = [
  "--get",
  "--get-all",
  "--get-regexp",
  "--get-urlmatch",
  "--list",
  "-l",
  "--get-color",
  "--get-colorbool",
  "--show-origin",
  "--show-scope",
  "--name-only",
];
const CONFIG_WRITES = [
  "--unset",
  "--unset-all",
  "--add",
  "--replace-all",
  "--rename-section",
  "--remove-section",
  "-e",
  "--edit",
];

function configRule(args: readonly Word[], inv: Invocation, ctx: RuleContext, target: GitTarget): Finding[] {
  const parsed = parseArgs(args, { valued: CONFIG_VALUED, clusters: false });
  const positionals = [...parsed.positionals];
  let action = "";
  if (
    ["get", "list", "set", "unset", "rename-section", "remove-section", "edit"].includes(
      positionals[0]?.value ?? "",
    )
  ) {
    action = positionals.shift()?.value ?? "";
  }
  const writes =
    ["set", "unset", "rename-section", "remove-section", "edit"].includes(action) ||
    hasOption(parsed, ...CONFIG_WRITES) ||
    (action === "" && !hasOption(parsed, ...CONFIG_READS) && positionals.length >= 2);
  if (!writes) return readOnly(inv, "reads git configuration");
  if (action === "edit" || hasOption(parsed, "-e", "--edit"))
    return runtimeOnly(inv, "opens git configuration in an editor");
  const file = optionValue(parsed, "-f", "--file");
  const scopeFindings: Finding[] = [];
  if (hasOption(parsed, "--global", "--system")) {
    scopeFindings.push(
      ...classed("destructive", inv, "changes git configuration outside the workspace (--global/--system)"),
    );
  } else if (file !== undefined) {
    scopeFindings.push(
      ...writesPaths(inv, ctx, [file], "write", "changes a git configuration file under the workspace"),
    );
  } else if (target.outside) {
    scopeFindings.push(...localWrite(inv, target, "changes git configuration"));
  }
  const key = positionals[0];
  const value = positionals[1] ?? optionValue(parsed, "--value");
  if (key?.value == null)
    return [...scopeFindings, ...runtimeOnly(inv, "git config with a key only known at run time")];
  const settings = settingFindings(
    inv,
    ctx,
    key.value,
    value?.value ?? (hasOption(parsed, "--unset", "--unset-all") || action === "unset" ? "" : null),
  );
  const serious = [...scopeFindings, ...settings].filter((f) => f.class !== "workspace-write");
  if (serious.length > 0) return serious;
  return workspaceWrite(inv, "changes the repository's git configuration");
}

function branchRule(args: readonly Word[], inv: Invocation, target: GitTarget): Finding[] {
  const parsed = parseArgs(args, {
    valued: [
      "-u",
      "--set-upstream-to",
      "--contains",
      "--no-contains",
      "--merged",
      "--no-merged",
      "--points-at",
      "--sort",
      "--format",
      "--color",
      "--column",
    ],
  });
  const changing = [
    "-d",
    "-D",
    "--delete",
    "-m",
    "-M",
    "--move",
    "-c",
    "-C",
    "--copy",
    "-f",
    "--force",
    "-u",
    "--set-upstream-to",
    "--unset-upstream",
    "--edit-description",
    "--track",
    "--no-track",
    "--create-reflog",
    "--recurse-submodules",
  ];
  if (hasOption(parsed, ...changing)) return localWrite(inv, target, "changes local branches");
  if (hasOption(parsed, "-l", "--list") || parsed.positionals.length === 0)
    return readOnly(inv, "lists branches");
  return localWrite(inv, target, "creates a local branch");
}

function tagRule(args: readonly Word[], inv: Invocation, target: GitTarget): Finding[] {
  const parsed = parseArgs(args, {
    valued: [
      "-m",
      "--message",
      "-F",
      "--file",
      "-u",
      "--local-user",
      "--contains",
      "--no-contains",
      "--merged",
      "--no-merged",
      "--points-at",
      "--sort",
      "--format",
      "--color",
      "--column",
      "-n",
      "--cleanup",
    ],
  });
  if (hasOption(parsed, "-v", "--verify")) return readOnly(inv, "verifies a tag");
  if (
    hasOption(
      parsed,
      "-d",
      "--delete",
      "-a",
      "--annotate",
      "-s",
      "--sign",
      "-u",
      "--local-user",
      "-m",
      "--message",
      "-F",
      "--file",
      "-f",
      "--force",
    )
  ) {
    return localWrite(inv, target, "changes local tags");
  }
  if (hasOption(parsed, "-l", "--list") || parsed.positionals.length === 0)
    return readOnly(inv, "lists tags");
  return localWrite(inv, target, "creates a local tag");
}

function rebaseRule(args: readonly Word[], inv: Invocation, ctx: RuleContext, target: GitTarget): Finding[] {
  const parsed = parseArgs(args, {
    valued: [
      "-x",
      "--exec",
      "--onto",
      "-s",
      "--strategy",
      "-X",
      "--strategy-option",
      "-C",
      "--whitespace",
      "--empty",
    ],
  });
  const execs = optionValues(parsed, "-x", "--exec").flatMap((text) =>
    judgeShellText(inv, ctx, text, "git rebase --exec"),
  );
  const interactive =
    hasOption(parsed, "-i", "--interactive") &&
    !inv.assignments.some((a) => a.name === "GIT_SEQUENCE_EDITOR" || a.name === "GIT_EDITOR");
  const edits = interactive ? runtimeOnly(inv, "an interactive rebase opens an editor") : [];
  return [...execs, ...edits, ...localWrite(inv, target, "rebases local commits")];
}

function submoduleRule(
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
  target: GitTarget,
): Finding[] {
  const parsed = parseArgs(args, {
    valued: ["-b", "--branch", "--name", "--reference", "--depth", "-j", "--jobs"],
    stopAtPositional: true,
  });
  const action = parsed.positionals[0]?.value;
  if (action === undefined || action === "status" || action === "summary")
    return readOnly(inv, "reads submodule status");
  if (action === null) return runtimeOnly(inv, "git submodule with an action only known at run time");
  if (action === "foreach") {
    const rest = parseArgs(parsed.rest, { stopAtPositional: true });
    const words = [...rest.positionals, ...rest.rest];
    if (words.some((w) => w.value === null))
      return runtimeOnly(inv, "git submodule foreach runs text only known at run time");
    return ctx.judgeScript(words.map((w) => w.value).join(" "), "git submodule foreach");
  }
  return localWrite(inv, target, `updates submodules (${action})`);
}

function worktreeRule(
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
  target: GitTarget,
): Finding[] {
  const action = args[0]?.value;
  if (action === "list") return readOnly(inv, "lists worktrees");
  if (action === "add" || action === "move" || action === "remove") {
    const parsed = parseArgs(args.slice(1), { valued: ["-b", "-B", "--reason", "--orphan"] });
    const paths = action === "move" ? parsed.positionals.slice(0, 2) : parsed.positionals.slice(0, 1);
    return writesPaths(
      inv,
      ctx,
      paths,
      action === "remove" ? "remove" : "write",
      "changes a worktree under the workspace",
    );
  }
  return localWrite(inv, target, "maintains worktrees");
}

function transportFindings(args: readonly Word[], inv: Invocation): Finding[] {
  if (args.some((a) => a.value?.startsWith("ext::") || a.value?.startsWith("fd::"))) {
    return runtimeOnly(inv, "the remote URL runs a command as its transport (ext::)");
  }
  if (
    args.some(
      (a) => a.value === "-u" || a.value?.startsWith("--upload-pack") || a.value?.startsWith("--exec"),
    )
  ) {
    return runtimeOnly(inv, "runs another upload-pack program");
  }
  return [];
}

function cloneRule(args: readonly Word[], inv: Invocation, ctx: RuleContext): Finding[] {
  const risky = transportFindings(args, inv);
  if (risky.length > 0) return risky;
  const parsed = parseArgs(args, {
    valued: [
      "-b",
      "--branch",
      "-o",
      "--origin",
      "--depth",
      "--reference",
      "--reference-if-able",
      "--separate-git-dir",
      "-c",
      "--config",
      "--template",
      "--filter",
      "--shallow-since",
      "--shallow-exclude",
      "-j",
      "--jobs",
      "--bundle-uri",
      "--server-option",
      "--revision",
    ],
  });
  const settings = optionValues(parsed, "-c", "--config").flatMap((s) => configSettingFindings(inv, ctx, s));
  const template = optionValue(parsed, "--template");
  if (template !== undefined)
    settings.push(...runtimeOnly(inv, "clones with hooks from a --template directory"));
  const [source, dir] = parsed.positionals;
  if (source === undefined) return runtimeOnly(inv, "git clone without a repository");
  const destination =
    dir ??
    (source.value === null
      ? source
      : { value: posix.basename(source.value.replace(/\/+$/, "")).replace(/\.git$/, ""), raw: source.raw });
  const separate = optionValue(parsed, "--separate-git-dir");
  const writes = writesPaths(
    inv,
    ctx,
    separate === undefined ? [destination] : [destination, separate],
    "write",
    "clones into the workspace",
  );
  return [...settings, ...writes];
}

function outputFileRule(
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
  outputOptions: readonly string[],
  detail: string,
  otherValued: readonly string[],
  defaultOutput?: string,
): Finding[] {
  const parsed = parseArgs(args, { valued: [...outputOptions, ...otherValued] });
  if (optionValue(parsed, "--exec") !== undefined)
    return runtimeOnly(inv, "runs another program on the remote side (--exec)");
  const output =
    optionValue(parsed, ...outputOptions) ??
    (defaultOutput === undefined ? undefined : { value: defaultOutput, raw: defaultOutput });
  if (output === undefined) return readOnly(inv, `${detail} to standard output`);
  return writesPaths(inv, ctx, [output], "write", `${detail} under the workspace`);
}

function bundleRule(args: readonly Word[], inv: Invocation, ctx: RuleContext, target: GitTarget): Finding[] {
  const action = args[0]?.value;
  if (action === "verify" || action === "list-heads") return readOnly(inv, "reads a bundle");
  if (action === "create") {
    const parsed = parseArgs(args.slice(1), { valued: ["--version"] });
    const file = parsed.positionals[0];
    return writesPaths(
      inv,
      ctx,
      file === undefined ? [] : [file],
      "write",
      "writes a bundle under the workspace",
    );
  }
  return localWrite(inv, target, "unbundles into the local repository");
}

function lfsRule(args: readonly Word[], inv: Invocation, target: GitTarget): Finding[] {
  const action = args[0]?.value;
  if (action === "push") return classed("vcs-remote", inv, "pushes large files to the remote");
  if (action === "lock" || action === "unlock")
    return classed("vcs-remote", inv, "changes locks on the remote");
  if (action === "install" || action === "uninstall") {
    return args.some((a) => a.value === "--local" || a.value === "--worktree")
      ? localWrite(inv, target, "installs LFS hooks")
      : classed("destructive", inv, "changes the user's git configuration (git lfs install without --local)");
  }
  if (
    ["env", "ls-files", "status", "version", "logs", "locks", "track"].includes(action ?? "") &&
    args.length <= 1
  ) {
    return readOnly(inv, "reads LFS state");
  }
  return localWrite(inv, target, `git lfs ${action ?? ""}`.trim());
}

const FILTERS = [
  "--env-filter",
  "--tree-filter",
  "--index-filter",
  "--parent-filter",
  "--msg-filter",
  "--commit-filter",
  "--tag-name-filter",
];

function filterBranchRule(
  args: readonly Word[],
  inv: Invocation,
  ctx: RuleContext,
  target: GitTarget,
): Finding[] {
  const parsed = parseArgs(args, {
    valued: [...FILTERS, "--subdirectory-filter", "--prune-empty", "-d", "--original", "--state-branch"],
  });
  const filters = parsed.options.filter((o) => FILTERS.includes(o.name));
  const judged = filters.flatMap((o) => judgeShellText(inv, ctx, o.value, `git filter-branch ${o.name}`));
  return [...judged, ...localWrite(inv, target, "rewrites local history")];
}

export const gitRules: RuleTable = { git: gitRule };
