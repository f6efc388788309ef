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
  if (key === undefined) {
    call.find("unknown", `${how} without a key`);
    return;
  }
  if (key.value === null) {
    call.find("unknown", `${how} sets a key only known at run time (${key.raw})`);
    return;
  }
  const [name = "", value] = key.value.split("=");
  if (/^core\.(pager|editor)$/i.test(name) && /^(cat|less|true|:)$/.test(value ?? "")) return;
  if (/^credential\./i.test(name))
    call.find("credentials", `${how} sets ${name}, which decides where credentials go`);
  if (/^(remote\.[^.]+\.(url|pushurl)|url\..+\.(insteadof|pushinsteadof))$/i.test(name)) {
    call.find("vcs-remote", `${how} sets ${name}, which changes where the repository pushes and fetches`);
  }
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
  if (verb === "edit" || hasOption(call, "-e")) {
    call.find("unknown", "git config --edit opens an editor");
    return;
  }
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
  if (reads) {
    call.find("read-only", "reads git configuration");
    return;
  }
  if (hasOption(call, "--global", "--system"))
    call.find("destructive", "writes git configuration outside the workspace");
  const file = optionValue(call, "-f");
  if (file !== undefined) writes(call, file, "write");
  if (verb?.endsWith("section") || hasOption(call, "--remove-section", "--rename-section")) {
    call.find("unknown", "git config rewrites a whole section");
    return;
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
    "checkout switch restore reset mv rm init clean notes sparse-checkout update-index update-ref read-tree write-tree commit-tree hash-object mktag mktree replace rerere unpack-objects index-pack pack-objects interpret-trailers merge-file symbolic-ref gc prune repack pack-refs commit-graph multi-pack-index maintenance merge cherry-pick revert am":
      local("changes the local repository and its work tree"),
    // `git branch`, `git tag` with no name list; any name or a writing option changes refs.
    "branch tag": {
      anyOption: true,
      options: `${remoteFetch} --contains|--no-contains|--merged|--no-merged|--points-at|--sort|--format= -l|--list
        --show-current`,
      logic: (call) => {
        const writing = call.options.some((o) =>
          (call.path === "git tag"
            ? /^(-[dfasumF]|--(delete|force|annotate|sign|local-user|message|file))$/
            : /^(-[dDmMcCfu]|--(delete|move|copy|force|set-upstream-to|unset-upstream|edit-description|track|create-reflog))$/
          ).test(o.written),
        );
        const listing = call.options.some((o) =>
          /^(-l|--list|--contains|--merged|--no-merged|--points-at|--show-current)$/.test(o.written),
        );
        if (writing || (call.operands.length > 0 && !listing))
          call.find("workspace-write", `${call.path} changes local refs`);
        else call.find("read-only", `${call.path} lists refs`);
      },
    },
    stash: {
      default: local("stashes changes"),
      anyOption: true,
      subcommands: {
        "list show": readOnly("reads the stash"),
        "push save pop apply drop clear branch create store": local("stashes changes"),
      },
    },
    lfs: {
      default: { class: "read-only", detail: "prints git lfs usage" },
      anyOption: true,
      subcommands: {
        "ls-files status env version track untrack locks logs fsck pointer":
          readOnly("reads large files' state"),
        "pull fetch checkout prune migrate dedup": local("fetches or rewrites large files locally"),
        "push lock unlock": {
          class: "vcs-remote",
          detail: "changes the remote's large files",
          anyOption: true,
        },
        "install uninstall update": {
          class: "unknown",
          detail: "installs git hooks and filters, global unless --local",
          anyOption: true,
        },
      },
    },
    worktree: {
      default: "read-only",
      subcommands: {
        list: readOnly("lists work trees"),
        add: {
          ...local("checks out another work tree", "-b|-B|--reason= --orphan"),
          operands: "write data",
        },
        move: { ...local("moves a work tree"), operands: "read write" },
        remove: { ...local("removes a work tree"), operands: "remove" },
        "prune lock unlock repair": local("maintains work trees"),
      },
    },
    "fetch pull": local("fetches from a remote into the local repository"),
    rebase: {
      ...local("rebases local commits", "-x|--exec=shell -i|--interactive --edit-todo!unknown"),
      // `-i` opens the todo list in an editor, unless the sequence editor is a no-op (`GIT_SEQUENCE_EDITOR=:`).
      logic: (call) => {
        const editor = call.inv.assignments.findLast((a) => a.name === "GIT_SEQUENCE_EDITOR")?.value.value;
        if (hasOption(call, "-i") && !/^(:|true)$/.test(editor ?? "")) {
          call.find("unknown", "git rebase -i opens an editor on the todo list");
        }
      },
    },
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
        // The ext:: and fd:: transports run a command instead of contacting a host.
        if (call.operands.some((w) => /^(ext|fd)::/.test(w.value ?? "")))
          call.find("unknown", "the ext:: transport runs a command");
      },
    },
    submodule: {
      default: "read-only",
      options: "-q|--quiet",
      subcommands: {
        "status summary": "read-only",
        "init sync absorbgitdirs set-branch set-url": local("changes submodules"),
        "update add deinit": {
          class: "unknown",
          detail: "runs the update command configured in .gitmodules or clones",
          anyOption: true,
        },
        foreach: {
          class: "unknown",
          detail: "runs shell text in every submodule",
          options: "--recursive -q|--quiet",
          logic: (call) => {
            const text = call.operands.map((w) => w.value).join(" ");
            if (call.operands.some((w) => w.value === null)) return;
            for (const f of call.ctx.judgeScript(text, "git submodule foreach"))
              call.find(f.class, f.detail, f.overridable);
          },
        },
      },
    },
    push: { class: "vcs-remote", detail: "pushes to a remote", anyOption: true },
    "send-email request-pull": {
      class: "network-write",
      detail: "sends mail or contacts another host",
      anyOption: true,
    },
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
      "git branch",
      "git branch -D old-fix",
      "git tag --list 'v*'",
      "git stash list",
      "git config --get remote.origin.url",
      "git worktree add .worktrees/fix main",
      "git worktree list",
      "GIT_SEQUENCE_EDITOR=: git rebase -i --autosquash main",
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
      "git worktree add ../other main",
      "git lfs push origin main",
      "git clone 'ext::sh -c id'",
      "git rebase -i main",
      "GIT_SEQUENCE_EDITOR='sh -c id' git rebase -i main",
      "git worktree remove /tmp/../etc/x",
    ],
  },
};

export const gitSpecs: readonly ToolSpec[] = [git];
