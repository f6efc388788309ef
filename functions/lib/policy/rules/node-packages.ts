import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, optionValues, type ParsedArgs, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  judgeTaskName,
  judgeWrapped,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";

/** Packages whose executable has another name (`npx typescript` is unusual; `npx -p typescript tsc` is not). */
const PACKAGE_BINS: Readonly<Record<string, string>> = {
  typescript: "tsc",
  "aws-cdk": "cdk",
  "@biomejs/biome": "biome",
  "@angular/cli": "ng",
  "@playwright/test": "playwright",
  "@nestjs/cli": "nest",
  "@changesets/cli": "changeset",
  "firebase-tools": "firebase",
  "netlify-cli": "netlify",
  "@vercel/cli": "vercel",
  "@railway/cli": "railway",
  "@aws-amplify/cli": "amplify",
  "npm-check-updates": "ncu",
  "@redocly/cli": "redocly",
  "@commitlint/cli": "commitlint",
  "markdownlint-cli": "markdownlint",
  "markdownlint-cli2": "markdownlint-cli2",
  "@storybook/cli": "storybook",
  "@vue/cli": "vue",
  "@sveltejs/kit": "svelte-kit",
  "ts-node": "ts-node",
  "del-cli": "del",
  "cpy-cli": "cpy",
  "dotenv-cli": "dotenv",
  "@dotenvx/dotenvx": "dotenvx",
  "http-server": "http-server",
  "@electron-forge/cli": "electron-forge",
  "@vscode/vsce": "vsce",
  "@stoplight/spectral-cli": "spectral",
  "@cyclonedx/cyclonedx-npm": "cyclonedx-npm",
};

/** `pkg@1.2.3` → `pkg`, `@scope/pkg@latest` → `@scope/pkg`, then to its executable's name. */
export function binOfPackage(spec: string): string {
  const at = spec.lastIndexOf("@");
  const name = at > 0 ? spec.slice(0, at) : spec;
  const mapped = PACKAGE_BINS[name];
  if (mapped !== undefined) return mapped;
  return name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
}

/** Runs a package's executable (`npx`, `pnpm dlx`, `yarn dlx`, `bunx`): judged as the executable itself. */
function runPackage(
  inv: Invocation,
  ctx: RuleContext,
  words: readonly Word[],
  packages: readonly Word[],
  how: string,
): Finding[] {
  const [first, ...rest] = words;
  if (first === undefined) {
    const lastPackage = packages.at(-1);
    if (lastPackage?.value == null) return runtimeOnly(inv, `${how} without a package to run`);
    return ctx.judge({ ...inv, name: binOfPackage(lastPackage.value), args: [] });
  }
  if (first.value === null)
    return runtimeOnly(inv, `${how} runs a package only known at run time (${first.raw})`);
  const bin = packages.length > 0 ? first.value : binOfPackage(first.value);
  if (/^create-/.test(bin)) return workspaceWrite(inv, `scaffolds a project with ${bin}`);
  return ctx.judge({ ...inv, name: bin, args: rest });
}

function npxRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-p",
      "--package",
      "-c",
      "--call",
      "--cache",
      "--registry",
      "--userconfig",
      "--node-options",
      "-w",
      "--workspace",
      "--shell",
    ],
    stopAtPositional: true,
  });
  const call = optionValue(parsed, "-c", "--call");
  if (call !== undefined) return judgeShellText(inv, ctx, call, "npx -c");
  return runPackage(
    inv,
    ctx,
    [...parsed.positionals, ...parsed.rest],
    optionValues(parsed, "-p", "--package"),
    "npx",
  );
}

const NPM_VALUED = [
  "--prefix",
  "-w",
  "--workspace",
  "--registry",
  "--cache",
  "--userconfig",
  "--globalconfig",
  "--loglevel",
  "--tag",
  "--access",
  "--otp",
  "--location",
  "--include",
  "--omit",
  "--script-shell",
  "--install-strategy",
  "-C",
  "--before",
  "--node-options",
  "--auth-type",
  "--scope",
  "--otp",
];

const NPM_INSTALL = new Set([
  "install",
  "i",
  "in",
  "ins",
  "inst",
  "insta",
  "instal",
  "isnt",
  "isnta",
  "isntal",
  "isntall",
  "add",
  "ci",
  "clean-install",
  "ic",
  "install-clean",
  "isntall-clean",
  "update",
  "up",
  "upgrade",
  "udpate",
  "uninstall",
  "un",
  "unlink",
  "remove",
  "rm",
  "r",
  "dedupe",
  "ddp",
  "prune",
  "rebuild",
  "rb",
  "shrinkwrap",
  "install-test",
  "it",
  "install-ci-test",
  "cit",
]);
const NPM_READ = new Set([
  "ls",
  "list",
  "la",
  "ll",
  "outdated",
  "view",
  "info",
  "show",
  "v",
  "search",
  "s",
  "se",
  "find",
  "explain",
  "why",
  "doctor",
  "fund",
  "query",
  "help",
  "help-search",
  "prefix",
  "root",
  "bin",
  "completion",
  "ping",
  "whoami",
  "sbom",
  "diff",
  "docs",
  "home",
  "bugs",
  "repo",
  "stars",
  "version-check",
  "-v",
  "--version",
  "get",
]);
const NPM_PUBLISH = new Set([
  "publish",
  "unpublish",
  "deprecate",
  "undeprecate",
  "owner",
  "author",
  "access",
  "team",
  "org",
  "star",
  "unstar",
  "hook",
  "trust",
]);
const NPM_CREDENTIALS = new Set(["login", "adduser", "add-user", "logout", "token"]);

function isGlobal(parsed: ParsedArgs): boolean {
  return (
    hasOption(parsed, "-g", "--global") ||
    parsed.options.some((o) => o.name === "--location" && o.value?.value === "global")
  );
}

function prefixFindings(inv: Invocation, ctx: RuleContext, parsed: ParsedArgs, detail: string): Finding[] {
  const prefix = optionValue(parsed, "--prefix", "-C", "--dir", "--cwd");
  if (prefix === undefined) return [];
  return writesPaths(inv, ctx, [prefix], "write", detail).filter((f) => f.class !== "workspace-write");
}

function npmRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const all = parseArgs(inv.args, { valued: NPM_VALUED });
  if (optionValue(all, "--script-shell") !== undefined)
    return runtimeOnly(inv, "runs scripts through another --script-shell");
  const head = parseArgs(inv.args, { valued: NPM_VALUED, stopAtPositional: true });
  if (head.positionals.length === 0 && hasOption(head, "-v", "--version", "-h", "--help", "-l"))
    return readOnly(inv, "prints npm information");
  const sub = head.positionals[0];
  if (sub === undefined) return readOnly(inv, "prints npm usage");
  if (sub.value === null)
    return runtimeOnly(inv, `npm runs a subcommand only known at run time (${sub.raw})`);
  const rest = head.rest;
  const outside = prefixFindings(inv, ctx, all, "installs under the workspace");
  const cmd = sub.value;
  if (NPM_INSTALL.has(cmd) || cmd === "link" || cmd === "ln") {
    if (isGlobal(all))
      return classed("destructive", inv, "installs or removes packages outside the workspace (global)");
    if ((cmd === "link" || cmd === "ln") && parseArgs(rest).positionals.length === 0) {
      return classed(
        "destructive",
        inv,
        "links this package into the global node_modules, outside the workspace",
      );
    }
    return outside.length > 0
      ? outside
      : workspaceWrite(inv, "installs dependencies into the workspace (node_modules)");
  }
  if (NPM_READ.has(cmd)) return readOnly(inv, `reads package information (npm ${cmd})`);
  if (NPM_PUBLISH.has(cmd)) return classed("package-publish", inv, publishDetail(`npm ${cmd}`, rest));
  if (cmd === "dist-tag" || cmd === "dist-tags") {
    return ["ls", "list", undefined].includes(rest[0]?.value ?? undefined)
      ? readOnly(inv, "lists dist-tags")
      : classed("package-publish", inv, "changes a published package's tags");
  }
  if (NPM_CREDENTIALS.has(cmd)) return classed("credentials", inv, "handles registry credentials");
  if (cmd === "profile")
    return rest[0]?.value === "get"
      ? readOnly(inv, "reads the registry profile")
      : classed("credentials", inv, "changes the registry profile");
  if (cmd === "config" || cmd === "c" || cmd === "set")
    return npmConfigRule(inv, cmd === "set" ? [{ value: "set", raw: "set" }, ...rest] : rest, all);
  if (cmd === "run" || cmd === "run-script" || cmd === "rum" || cmd === "urn") {
    const script = parseArgs(rest, { valued: NPM_VALUED, stopAtPositional: true }).positionals[0];
    if (script === undefined) return readOnly(inv, "lists the package's scripts");
    return [...outside, ...judgeTaskName(inv, "npm script", script)];
  }
  if (["test", "t", "tst", "start", "stop", "restart"].includes(cmd)) {
    const script = cmd === "t" || cmd === "tst" ? "test" : cmd;
    return [...outside, ...workspaceWrite(inv, `runs the package's ${script} script`)];
  }
  if (cmd === "exec" || cmd === "x") {
    const parsed = parseArgs(rest, {
      valued: ["-p", "--package", "-c", "--call", "-w", "--workspace"],
      stopAtPositional: true,
    });
    const call = optionValue(parsed, "-c", "--call");
    if (call !== undefined) return judgeShellText(inv, ctx, call, "npm exec -c");
    return runPackage(
      inv,
      ctx,
      [...parsed.positionals, ...parsed.rest],
      optionValues(parsed, "-p", "--package"),
      "npm exec",
    );
  }
  if (cmd === "init" || cmd === "create" || cmd === "innit") {
    const initializer = parseArgs(rest, { stopAtPositional: true }).positionals[0];
    return workspaceWrite(
      inv,
      initializer?.value ? `scaffolds a project with ${initializer.value}` : "creates package.json",
    );
  }
  if (cmd === "version" || cmd === "pack" || cmd === "pkg" || cmd === "audit" || cmd === "cache") {
    if (cmd === "audit" && rest[0]?.value !== "fix") return readOnly(inv, "audits dependencies");
    if (cmd === "pkg" && rest[0]?.value === "get") return readOnly(inv, "reads package.json");
    if (cmd === "cache" && rest[0]?.value !== "clean") return readOnly(inv, "reads the npm cache");
    return workspaceWrite(inv, `npm ${cmd} changes files in the workspace`);
  }
  if (cmd === "edit" || cmd === "explore") return runtimeOnly(inv, `npm ${cmd} opens an editor or a shell`);
  return unknownPart(inv, `npm ${cmd} is not an npm command the policy knows`);
}

function publishDetail(what: string, args: readonly Word[]): string {
  const dry = args.some((a) => a.value === "--dry-run");
  return dry
    ? `${what} publishes to a registry (a dry run still runs the package's publish scripts, and not every tool honours the flag; flags never lower a publish)`
    : `${what} publishes to a package registry`;
}

function npmConfigRule(inv: Invocation, args: readonly Word[], all: ParsedArgs): Finding[] {
  const action = args[0]?.value;
  if (action === "get" || action === "list" || action === "ls" || action === undefined) {
    return readOnly(inv, "reads npm configuration");
  }
  if (action === "edit") return runtimeOnly(inv, "opens npm configuration in an editor");
  const pairs = args.slice(1).map((a) => a.value ?? "");
  if (
    pairs.some((p) =>
      /(_auth|_authToken|_password|token|username|email|certfile|keyfile|always-auth)/i.test(p),
    )
  ) {
    return classed("credentials", inv, "writes registry credentials into npm configuration");
  }
  const project = all.options.some((o) => o.name === "--location" && o.value?.value === "project");
  if (project) return workspaceWrite(inv, "changes the project's .npmrc");
  return classed("destructive", inv, "changes the user's npm configuration outside the workspace");
}

const PNPM_VALUED = [
  "-C",
  "--dir",
  "--filter",
  "-F",
  "--reporter",
  "--store-dir",
  "--registry",
  "--workspace-concurrency",
  "--loglevel",
  "--config.node-linker",
];
const PNPM_INSTALL = new Set([
  "install",
  "i",
  "add",
  "remove",
  "rm",
  "uninstall",
  "un",
  "update",
  "up",
  "upgrade",
  "prune",
  "rebuild",
  "rb",
  "import",
  "fetch",
  "dedupe",
  "patch",
  "patch-commit",
  "patch-remove",
  "link",
  "ln",
  "unlink",
  "install-test",
  "it",
  "approve-builds",
  "ci",
]);
const PNPM_READ = new Set([
  "list",
  "ls",
  "ll",
  "why",
  "outdated",
  "licenses",
  "root",
  "bin",
  "-v",
  "--version",
  "help",
  "doctor",
  "view",
  "info",
  "show",
  "search",
  "audit",
]);

/** Words that name the package's own scripts rather than an executable, even when a tool of that name exists. */
const SCRIPT_WORDS = new Set([
  "start",
  "test",
  "build",
  "dev",
  "lint",
  "format",
  "serve",
  "deploy",
  "release",
  "publish",
]);

/** `pnpm`, `yarn` and `bun` run a script or a dependency's executable for any word that is not a builtin. */
function scriptOrBin(
  inv: Invocation,
  ctx: RuleContext,
  tool: string,
  name: Word,
  rest: readonly Word[],
): Finding[] {
  if (name.value !== null && ctx.knows(name.value) && !SCRIPT_WORDS.has(name.value)) {
    return ctx.judge({ ...inv, name: name.value, args: rest });
  }
  return judgeTaskName(inv, `${tool} script`, name);
}

function pnpmRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const all = parseArgs(inv.args, { valued: PNPM_VALUED });
  const head = parseArgs(inv.args, { valued: PNPM_VALUED, stopAtPositional: true });
  const sub = head.positionals[0];
  if (sub === undefined)
    return hasOption(head, "-v", "--version", "-h", "--help")
      ? readOnly(inv, "prints pnpm information")
      : readOnly(inv, "prints pnpm usage");
  if (sub.value === null)
    return runtimeOnly(inv, `pnpm runs a subcommand only known at run time (${sub.raw})`);
  const cmd = sub.value;
  const rest = head.rest;
  const outside = prefixFindings(inv, ctx, all, "works under the workspace");
  if (PNPM_INSTALL.has(cmd)) {
    if (isGlobal(all))
      return classed("destructive", inv, "installs or removes packages outside the workspace (global)");
    return outside.length > 0
      ? outside
      : workspaceWrite(inv, "installs dependencies into the workspace (node_modules)");
  }
  if (PNPM_READ.has(cmd))
    return cmd === "audit" && rest[0]?.value === "--fix"
      ? workspaceWrite(inv, "fixes audit findings")
      : readOnly(inv, `reads package information (pnpm ${cmd})`);
  if (cmd === "publish") return classed("package-publish", inv, publishDetail("pnpm publish", rest));
  if (cmd === "login" || cmd === "logout" || cmd === "adduser")
    return classed("credentials", inv, "handles registry credentials");
  if (cmd === "run" || cmd === "run-script") {
    const script = parseArgs(rest, { valued: PNPM_VALUED, stopAtPositional: true }).positionals[0];
    if (script === undefined) return readOnly(inv, "lists the package's scripts");
    return [...outside, ...judgeTaskName(inv, "pnpm script", script)];
  }
  if (["test", "t", "start"].includes(cmd))
    return [...outside, ...workspaceWrite(inv, `runs the package's ${cmd} script`)];
  if (cmd === "exec") {
    const parsed = parseArgs(rest, { valued: PNPM_VALUED, stopAtPositional: true });
    if (hasOption(parsed, "-c", "--shell-mode"))
      return judgeShellText(inv, ctx, parsed.positionals[0], "pnpm exec -c");
    return judgeWrapped(inv, ctx, [...parsed.positionals, ...parsed.rest], "pnpm exec");
  }
  if (cmd === "dlx") {
    const parsed = parseArgs(rest, { valued: ["--package", "-c", "--shell-mode"], stopAtPositional: true });
    return runPackage(
      inv,
      ctx,
      [...parsed.positionals, ...parsed.rest],
      optionValues(parsed, "--package"),
      "pnpm dlx",
    );
  }
  if (cmd === "create" || cmd === "init" || cmd === "pack")
    return workspaceWrite(inv, `pnpm ${cmd} writes files in the workspace`);
  if (cmd === "deploy") {
    const target = parseArgs(rest, { valued: PNPM_VALUED }).positionals[0];
    return writesPaths(
      inv,
      ctx,
      target === undefined ? [] : [target],
      "write",
      "copies a workspace package into a directory (pnpm deploy)",
    );
  }
  if (cmd === "store")
    return ["status", "path"].includes(rest[0]?.value ?? "")
      ? readOnly(inv, "reads the pnpm store")
      : workspaceWrite(inv, "maintains the pnpm store");
  if (cmd === "config") return npmConfigRule(inv, rest, all);
  if (cmd === "setup" || cmd === "env" || cmd === "self-update")
    return classed("destructive", inv, `pnpm ${cmd} changes tools outside the workspace`);
  return scriptOrBin(inv, ctx, "pnpm", sub, rest);
}

const YARN_VALUED = [
  "--cwd",
  "--registry",
  "--cache-folder",
  "--modules-folder",
  "--network-timeout",
  "--mutex",
];
const YARN_INSTALL = new Set([
  "install",
  "add",
  "remove",
  "upgrade",
  "up",
  "upgrade-interactive",
  "import",
  "dedupe",
  "autoclean",
  "link",
  "unlink",
  "patch",
  "patch-commit",
  "rebuild",
  "generate-lock-entry",
  "check",
]);
const YARN_READ = new Set([
  "info",
  "why",
  "list",
  "outdated",
  "audit",
  "licenses",
  "bin",
  "explain",
  "help",
  "-v",
  "--version",
  "versions",
  "owner-list",
  "dir",
]);

function yarnRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const all = parseArgs(inv.args, { valued: YARN_VALUED });
  const head = parseArgs(inv.args, { valued: YARN_VALUED, stopAtPositional: true });
  const cwdOption = optionValue(all, "--cwd");
  const cwd =
    cwdOption === undefined
      ? ctx.cwd
      : cwdOption.value === null
        ? null
        : resolvePath(cwdOption.value, ctx.cwd);
  const sub = head.positionals[0];
  const outside = prefixFindings(inv, ctx, all, "works under the workspace");
  if (sub === undefined) {
    if (hasOption(head, "-v", "--version", "-h", "--help")) return readOnly(inv, "prints yarn information");
    return outside.length > 0
      ? outside
      : workspaceWrite(inv, "installs dependencies into the workspace (node_modules)");
  }
  if (sub.value === null)
    return runtimeOnly(inv, `yarn runs a subcommand only known at run time (${sub.raw})`);
  const cmd = sub.value;
  const rest = head.rest;
  if (YARN_INSTALL.has(cmd))
    return outside.length > 0
      ? outside
      : workspaceWrite(inv, "installs dependencies into the workspace (node_modules)");
  if (YARN_READ.has(cmd)) return readOnly(inv, `reads package information (yarn ${cmd})`);
  if (cmd === "global") {
    return ["list", "bin", "dir"].includes(rest[0]?.value ?? "")
      ? readOnly(inv, "reads global packages")
      : classed("destructive", inv, "installs or removes packages outside the workspace (global)");
  }
  if (cmd === "publish") return classed("package-publish", inv, publishDetail("yarn publish", rest));
  if (cmd === "login" || cmd === "logout") return classed("credentials", inv, "handles registry credentials");
  if (cmd === "owner" || cmd === "team")
    return classed("package-publish", inv, `yarn ${cmd} changes a published package`);
  if (cmd === "tag")
    return ["list", "ls"].includes(rest[0]?.value ?? "")
      ? readOnly(inv, "lists tags")
      : classed("package-publish", inv, "changes a published package's tags");
  if (cmd === "npm") {
    const action = rest[0]?.value;
    if (action === "publish") return classed("package-publish", inv, publishDetail("yarn npm publish", rest));
    if (action === "login" || action === "logout")
      return classed("credentials", inv, "handles registry credentials");
    if (action === "tag")
      return rest[1]?.value === "list"
        ? readOnly(inv, "lists tags")
        : classed("package-publish", inv, "changes a published package's tags");
    return readOnly(inv, `reads registry information (yarn npm ${action ?? ""})`);
  }
  if (cmd === "run") {
    const script = parseArgs(rest, { stopAtPositional: true }).positionals[0];
    if (script === undefined) return readOnly(inv, "lists the package's scripts");
    return [...outside, ...scriptOrBin(inv, { ...ctx, cwd }, "yarn", script, rest.slice(1))];
  }
  if (["test", "start"].includes(cmd))
    return [...outside, ...workspaceWrite(inv, `runs the package's ${cmd} script`)];
  if (cmd === "exec") return judgeWrapped(inv, ctx, rest, "yarn exec", { cwd });
  if (cmd === "node") return ctx.judge({ ...inv, name: "node", args: rest }, { cwd });
  if (cmd === "dlx") {
    const parsed = parseArgs(rest, { valued: ["-p", "--package"], stopAtPositional: true });
    return runPackage(
      inv,
      ctx,
      [...parsed.positionals, ...parsed.rest],
      optionValues(parsed, "-p", "--package"),
      "yarn dlx",
    );
  }
  if (cmd === "workspace") {
    // `yarn workspace NAME COMMAND...`: the same yarn command inside one workspace package.
    return ctx.judge({ ...inv, name: "yarn", args: rest.slice(1) });
  }
  if (cmd === "workspaces") {
    const action = rest[0]?.value;
    if (action === "info" || action === "list") return readOnly(inv, "lists workspaces");
    if (action === "focus") return workspaceWrite(inv, "installs a workspace's dependencies");
    if (action === "run") return ctx.judge({ ...inv, name: "yarn", args: rest });
    if (action === "foreach") {
      const parsed = parseArgs(rest.slice(1), {
        valued: ["--from", "--include", "--exclude", "-j", "--jobs", "--since"],
        stopAtPositional: true,
      });
      return ctx.judge({ ...inv, name: "yarn", args: [...parsed.positionals, ...parsed.rest] });
    }
    return unknownPart(inv, `yarn workspaces ${action ?? ""} is not one the policy knows`);
  }
  if (
    ["create", "init", "pack", "version", "set", "plugin", "cache", "constraints", "config"].includes(cmd)
  ) {
    if (cmd === "config") return npmConfigRule(inv, rest, all);
    if (cmd === "cache" && rest[0]?.value !== "clean") return readOnly(inv, "reads the yarn cache");
    return workspaceWrite(inv, `yarn ${cmd} changes files in the workspace`);
  }
  return scriptOrBin(inv, { ...ctx, cwd }, "yarn", sub, rest);
}

function bunRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, {
    valued: ["--cwd", "-e", "--eval", "-p", "--print", "--preload", "-r", "--env-file", "--config", "-c"],
    stopAtPositional: true,
  });
  if (hasOption(head, "-e", "--eval", "-p", "--print")) return runtimeOnly(inv, "runs inline JavaScript");
  const sub = head.positionals[0];
  if (sub === undefined)
    return hasOption(head, "-v", "--version", "--revision", "-h", "--help")
      ? readOnly(inv, "prints bun information")
      : runtimeOnly(inv, "bun without a script reads standard input");
  if (sub.value === null) return runtimeOnly(inv, `bun runs something only known at run time (${sub.raw})`);
  const cmd = sub.value;
  const rest = head.rest;
  const global = rest.some((a) => a.value === "-g" || a.value === "--global");
  if (
    [
      "install",
      "i",
      "add",
      "a",
      "remove",
      "rm",
      "update",
      "link",
      "unlink",
      "patch",
      "patch-commit",
    ].includes(cmd)
  ) {
    return global
      ? classed("destructive", inv, "installs or removes packages outside the workspace (global)")
      : workspaceWrite(inv, "installs dependencies into the workspace (node_modules)");
  }
  if (["outdated", "pm", "info", "why"].includes(cmd))
    return readOnly(inv, `reads package information (bun ${cmd})`);
  if (cmd === "publish") return classed("package-publish", inv, publishDetail("bun publish", rest));
  if (cmd === "upgrade") return classed("destructive", inv, "upgrades bun itself, outside the workspace");
  if (cmd === "repl") return runtimeOnly(inv, "starts an interactive REPL");
  if (cmd === "x") return runPackage(inv, ctx, rest, [], "bun x");
  if (cmd === "exec") return judgeShellText(inv, ctx, rest[0], "bun exec");
  if (["test", "build", "init", "create", "c"].includes(cmd))
    return workspaceWrite(inv, `bun ${cmd} works in the workspace`);
  if (cmd === "run") {
    const target = parseArgs(rest, { stopAtPositional: true }).positionals[0];
    if (target === undefined) return readOnly(inv, "lists the package's scripts");
    return bunTarget(inv, ctx, target, rest.slice(1));
  }
  return bunTarget(inv, ctx, sub, rest);
}

function bunTarget(inv: Invocation, ctx: RuleContext, target: Word, rest: readonly Word[]): Finding[] {
  if (target.value !== null && /[./]/.test(target.value) && /\.(m?[jt]sx?|c[jt]s)$|\//.test(target.value)) {
    return ctx.judge({ ...inv, name: "node", args: [target, ...rest] });
  }
  return scriptOrBin(inv, ctx, "bun", target, rest);
}

function bunxRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-p", "--package"], stopAtPositional: true });
  return runPackage(
    inv,
    ctx,
    [...parsed.positionals, ...parsed.rest],
    optionValues(parsed, "-p", "--package"),
    "bunx",
  );
}

function corepackRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "npm" || sub === "pnpm" || sub === "yarn") return judgeWrapped(inv, ctx, inv.args, "corepack");
  if (sub === "use" || sub === "up") return workspaceWrite(inv, "pins the package manager in package.json");
  if (sub === "--version" || sub === "-v" || sub === undefined)
    return readOnly(inv, "prints corepack information");
  return classed("destructive", inv, `corepack ${sub ?? ""} changes tools outside the workspace`);
}

export const nodePackageRules: RuleTable = {
  npm: npmRule,
  npx: npxRule,
  pnpm: pnpmRule,
  pnpx: npxRule,
  yarn: yarnRule,
  yarnpkg: yarnRule,
  bun: bunRule,
  bunx: bunxRule,
  corepack: corepackRule,
};
