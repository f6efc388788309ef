import type { Word } from "../shell-words.ts";
import type { Call, Level, ToolSpec } from "../spec.ts";
import { isScratchOrWorkspace } from "../workspace-paths.ts";
import { hasOption, optionValue, writes } from "./logic.ts";

/**
 * git configuration keys that only change how git prints, merges or identifies the author. Every other key may run
 * a program (hooks path, fsmonitor, editor, pager, external diff, ssh command, credential helpers, `!` aliases,
 * filters, submodule update commands), move the work tree (`core.worktree`) or pull in other files (includes).
 */
const HARMLESS_KEYS =
  /^(user\.(name|email)|core\.(autocrlf|filemode|ignorecase|quotepath|eol|safecrlf|whitespace|longpaths|precomposeunicode|symlinks)|color\.[\w.-]+|diff\.(renames|algorithm|context|indentheuristic|mnemonicprefix|noprefix|colormoved|statgraphwidth)|merge\.(conflictstyle|ff|renames|log|stat)|pull\.(rebase|ff)|push\.(default|autosetupremote|followtags)|fetch\.(prune|prunetags|parallel)|init\.defaultbranch|advice\.[\w.-]+|log\.(date|decorate|follow|showsignature|abbrevcommit)|format\.(pretty|numbered|signoff)|commit\.(verbose|status|cleanup)|rerere\.(enabled|autoupdate)|rebase\.(autostash|autosquash|stat|missingcommitscheck)|status\.(short|branch|showuntrackedfiles|submodulesummary)|apply\.whitespace|branch\.(autosetupmerge|autosetuprebase|sort)|tag\.sort|gc\.auto|maintenance\.auto|pack\.threads|index\.version|feature\.manyfiles|protocol\.version|http\.(postbuffer|lowspeedlimit|lowspeedtime)|i18n\.\w+|help\.autocorrect)$/i;

/** Judges one `key=value` given to `git -c`, `git clone -c` or `git config`. */
function configKey(call: Call, key: Word | undefined, how: string): void {
  if (key === undefined) return call.find("unknown", `${how} without a key`);
  if (key.value === null)
    return call.find("unknown", `${how} sets a key only known at run time (${key.raw})`);
  const [name = "", value] = key.value.split("=");
  if (/^core\.(pager|editor)$/i.test(name) && /^(cat|less|true|:)$/.test(value ?? "")) return;
  if (!HARMLESS_KEYS.test(name)) {
    call.find(
      "unknown",
      `${how} sets ${name}, a key that can run programs or change what git reads or writes`,
    );
  }
}

/** `git config`: old (`--get`, `--unset`, `-l`) and new (`get`, `set`, `list`) syntax. */
function configLogic(call: Call): void {
  const ops = [...call.operands];
  const verbs = "get list set unset rename-section remove-section edit get-color get-colorbool";
  const verb = verbs.split(" ").includes(ops[0]?.value ?? "") ? ops.shift()?.value : undefined;
  if (verb === "edit" || hasOption(call, "-e"))
    return call.find("unknown", "git config --edit opens an editor");
  const reads =
    verb === "get" ||
    verb === "list" ||
    verb?.startsWith("get-") ||
    hasOption(
      call,
      "--get",
      "--get-all",
      "--get-regexp",
      "--get-urlmatch",
      "-l",
      "--get-color",
      "--get-colorbool",
    ) ||
    (verb === undefined &&
      ops.length === 1 &&
      !hasOption(call, "--unset", "--unset-all", "--remove-section", "--rename-section"));
  if (reads) return call.find("read-only", "reads git configuration");
  if (hasOption(call, "--global", "--system"))
    call.find("destructive", "writes git configuration outside the workspace");
  const file = optionValue(call, "-f");
  if (file !== undefined) writes(call, file, "write");
  if (verb?.endsWith("section") || hasOption(call, "--remove-section", "--rename-section")) {
    return call.find("unknown", "git config rewrites a whole section");
  }
  configKey(call, ops[0], "git config");
  call.find("workspace-write", "writes the repository's git configuration");
}

const remoteFetch = "--upload-pack|--receive-pack|--exec=!unknown";

/** Read-only subcommands: their options print differently; the few that write or run are listed. */
const readOnly = (detail: string): Level => ({
  class: "read-only",
  detail,
  anyOption: true,
  options: `--output|--output-directory=write -o|--open-files-in-pager=!unknown --ext-diff!unknown --textconv!unknown
    --exec=!unknown`,
  operands: "data",
});

const local = (detail: string, options = ""): Level => ({
  class: "workspace-write",
  detail,
  anyOption: true,
  options: `${remoteFetch} ${options}`,
  operands: "data",
});

const git: ToolSpec = {
  names: "git",
  default: { class: "read-only", detail: "prints git usage" },
  options: `-C=cwd -c= --config-env=!unknown --exec-path=!unknown --git-dir|--work-tree=write -p|--paginate
    -P|--no-pager --no-replace-objects --bare --literal-pathspecs --glob-pathspecs --noglob-pathspecs
    --icase-pathspecs --no-optional-locks --namespace= --version --help --html-path --man-path --info-path
    --no-lazy-fetch --no-advice`,
  logic: (call) => {
    for (const o of call.options) if (o.name === "-c") configKey(call, o.value, "git -c");
    // `git -C dir` and `--work-tree`: a repository outside the workspace is not the agent's to change.
    const cwd = call.ctx.cwd;
    if (call.leaf !== "read-only" && (cwd === null || !isScratchOrWorkspace(cwd, call.ctx.workspace))) {
      call.find(
        cwd === null ? "unknown" : "destructive",
        `changes a repository in ${cwd ?? "a directory only known at run time"}`,
      );
    }
  },
  subcommands: {
    "status log show diff blame annotate grep ls-files ls-tree rev-parse rev-list describe shortlog cat-file name-rev merge-base for-each-ref show-ref show-branch whatchanged count-objects check-ignore check-attr check-ref-format var version help cherry diff-tree diff-files diff-index verify-commit verify-tag verify-pack range-diff fsck get-tar-commit-id column patch-id fmt-merge-msg show-index merge-tree":
      readOnly("reads the repository"),
    "ls-remote": { ...readOnly("lists a remote's refs"), options: remoteFetch },
    "add stage": local("stages changes"),
    commit: local("records a local commit", "-F|--file|-t|--template=read -e|--edit!unknown"),
    "checkout switch restore reset mv rm init clean notes sparse-checkout update-index update-ref read-tree write-tree commit-tree hash-object mktag mktree replace rerere unpack-objects index-pack pack-objects interpret-trailers merge-file symbolic-ref gc prune repack pack-refs commit-graph multi-pack-index maintenance merge cherry-pick revert am stash branch tag worktree":
      local("changes the local repository and its work tree"),
    "fetch pull": local("fetches from a remote into the local repository"),
    rebase: local("rebases local commits", "-x|--exec=shell -i|--interactive!unknown --edit-todo!unknown"),
    apply: local("applies a patch", "--unsafe-paths!destructive --directory=write"),
    archive: { ...local("writes an archive", "-o|--output=write --remote=!network-write"), anyOption: true },
    "format-patch": local("writes patches", "-o|--output-directory=write"),
    bisect: {
      default: "read-only",
      subcommands: {
        "start bad good new old skip reset log visualize view terms replay": local("bisects"),
        run: "unknown",
      },
    },
    remote: {
      default: { class: "read-only", detail: "lists remotes" },
      options: "-v|--verbose",
      subcommands: {
        "show get-url": readOnly("reads remotes"),
        "add remove rm rename set-url set-head set-branches prune update": {
          class: "vcs-remote",
          detail: "changes where the repository pushes and fetches",
          anyOption: true,
        },
      },
    },
    config: {
      class: undefined,
      options: `--global --system --local --worktree -f|--file=write --blob= --get --get-all --get-regexp --get-urlmatch
        --replace-all --add --unset --unset-all --rename-section --remove-section -l|--list -e|--edit --type= --bool
        --int --bool-or-int --path --expiry-date -z|--null --name-only --show-origin --show-scope --default=
        --get-color --get-colorbool --includes --no-includes --fixed-value --all --value= --comment=`,
      logic: configLogic,
    },
    clone: {
      class: "workspace-write",
      detail: "clones a repository",
      anyOption: true,
      options: `${remoteFetch} -u= --template=!unknown -c|--config= --separate-git-dir=write --reference=read`,
      operands: "urls write",
      logic: (call) => {
        for (const o of call.options) if (o.name === "-c") configKey(call, o.value, "git clone -c");
      },
    },
    submodule: {
      default: "read-only",
      options: "-q|--quiet",
      subcommands: {
        "status summary": "read-only",
        "init sync absorbgitdirs set-branch set-url": local("changes submodules"),
        "update add deinit foreach": "unknown",
      },
    },
    push: { class: "vcs-remote", detail: "pushes to a remote", anyOption: true },
    "send-email request-pull": "network-write",
    "credential credential-store credential-cache": "credentials",
    "hook filter-branch filter-repo difftool mergetool gui citool instaweb daemon http-backend svn p4 fast-import":
      "unknown",
  },
  examples: {
    allow: [
      "git status",
      "git diff --stat",
      "git log --oneline -n 5",
      "git add -A",
      "git commit -m 'fix: total'",
      "git checkout -b fix/x",
      "git config user.name bot",
      "git -c color.ui=never log",
      "git stash",
      "git config --get remote.origin.url",
    ],
    approve: [
      "git push --force origin main",
      "git push --dry-run",
      "git -c core.hooksPath=/tmp/h commit -m x",
      "git config core.fsmonitor ./x.sh",
      "git config alias.st '!sh -c id'",
      "git config --global user.name x",
      "git -c core.pager='sh -c id' log",
      "git apply --unsafe-paths x.diff",
      "git rebase --exec 'git push' main",
      'git "$(printf push)"',
      "git --forc",
      "git -C / clean -fdx",
      "git submodule foreach 'git push'",
    ],
  },
};

export const gitSpecs: readonly ToolSpec[] = [git];
