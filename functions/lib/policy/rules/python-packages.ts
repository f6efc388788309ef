import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import { hasOption, optionValue, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeTaskName,
  judgeWrapped,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";
import { judgeDjangoCommand } from "./interpreters.ts";
import { binOfPackage } from "./node-packages.ts";

const PIP_VALUED = [
  "-r",
  "--requirement",
  "-c",
  "--constraint",
  "-e",
  "--editable",
  "-t",
  "--target",
  "--prefix",
  "--root",
  "-i",
  "--index-url",
  "--extra-index-url",
  "-f",
  "--find-links",
  "--platform",
  "--python-version",
  "--implementation",
  "--abi",
  "--src",
  "--upgrade-strategy",
  "--progress-bar",
  "--report",
  "-d",
  "--dest",
  "-w",
  "--wheel-dir",
  "--cache-dir",
  "--log",
  "--proxy",
  "--retries",
  "--timeout",
  "--exists-action",
  "--trusted-host",
  "--cert",
  "--client-cert",
  "--python",
  "--config-settings",
  "-C",
  "--global-option",
];

/**
 * pip installs into whichever environment is active. Into a virtual environment under the workspace (its pip, or
 * one activated earlier on the line) it is workspace-write; `--user`, `--break-system-packages` and targets outside
 * the workspace are not; otherwise the policy cannot tell where it installs, so it is unknown (a repository whose
 * runtime always activates a workspace venv can allow `pip install **`).
 */
function pipRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, { valued: PIP_VALUED, stopAtPositional: true });
  const sub = head.positionals[0];
  if (sub === undefined) return readOnly(inv, "prints pip information");
  if (sub.value === null)
    return runtimeOnly(inv, `pip runs a subcommand only known at run time (${sub.raw})`);
  const parsed = parseArgs(head.rest, { valued: PIP_VALUED });
  switch (sub.value) {
    case "install":
    case "uninstall": {
      if (hasOption(parsed, "--user", "--break-system-packages")) {
        return classed(
          "destructive",
          inv,
          "installs Python packages outside the workspace (--user or system)",
        );
      }
      const target = optionValue(parsed, "-t", "--target", "--prefix", "--root");
      if (target !== undefined)
        return writesPaths(inv, ctx, [target], "write", "installs Python packages under the workspace");
      if (hasOption(parsed, "--dry-run"))
        return readOnly(inv, "resolves packages without installing (--dry-run)");
      if (ctx.venv)
        return workspaceWrite(inv, "installs Python packages into a virtual environment under the workspace");
      return unknownPart(
        inv,
        "installs into whichever Python environment is active; the policy cannot tell it is under the workspace",
      );
    }
    case "download":
    case "wheel": {
      const dir = optionValue(parsed, "-d", "--dest", "-w", "--wheel-dir") ?? { value: ".", raw: "." };
      return writesPaths(inv, ctx, [dir], "write", "downloads packages into the workspace");
    }
    case "freeze":
    case "list":
    case "show":
    case "check":
    case "debug":
    case "index":
    case "inspect":
    case "hash":
    case "search":
    case "help":
      return readOnly(inv, `reads package information (pip ${sub.value})`);
    case "cache":
      return head.rest[0]?.value === "purge" || head.rest[0]?.value === "remove"
        ? workspaceWrite(inv, "clears pip's cache")
        : readOnly(inv, "reads pip's cache");
    case "config":
      return ["list", "get", "debug"].includes(head.rest[0]?.value ?? "")
        ? readOnly(inv, "reads pip configuration")
        : classed("destructive", inv, "changes pip configuration outside the workspace");
    default:
      return unknownPart(inv, `pip ${sub.value} is not a pip command the policy knows`);
  }
}

function uvRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, {
    valued: ["--directory", "--project", "--python", "-p", "--cache-dir", "--config-file", "--color"],
    stopAtPositional: true,
  });
  const sub = head.positionals[0];
  if (sub === undefined) return readOnly(inv, "prints uv usage");
  if (sub.value === null) return runtimeOnly(inv, `uv runs a subcommand only known at run time (${sub.raw})`);
  const rest = head.rest;
  switch (sub.value) {
    case "run": {
      const parsed = parseArgs(rest, {
        valued: [
          "--with",
          "-w",
          "--python",
          "-p",
          "--package",
          "--extra",
          "--group",
          "--env-file",
          "--directory",
          "--project",
          "--index",
          "--module",
          "-m",
        ],
        stopAtPositional: true,
      });
      const module = optionValue(parsed, "-m", "--module");
      if (module !== undefined)
        return ctx.judge(
          {
            ...inv,
            name: "python",
            args: [{ value: "-m", raw: "-m" }, module, ...parsed.positionals, ...parsed.rest],
          },
          { venv: true },
        );
      const words = [...parsed.positionals, ...parsed.rest];
      if (words[0]?.value?.endsWith(".py"))
        return ctx.judge({ ...inv, name: "python", args: words }, { venv: true });
      return judgeWrapped(inv, ctx, words, "uv run");
    }
    case "pip": {
      const action = rest[0]?.value;
      if (rest.some((a) => a.value === "--system" || a.value === "--break-system-packages")) {
        return classed("destructive", inv, "installs Python packages into the system environment");
      }
      if (action === "install" || action === "uninstall" || action === "sync") {
        return ctx.judge({ ...inv, name: "pip", args: rest }, { venv: true });
      }
      return readOnly(inv, `reads package information (uv pip ${action ?? ""})`);
    }
    case "tool": {
      const action = rest[0]?.value;
      if (action === "run") return runTool(inv, ctx, rest.slice(1), "uv tool run");
      if (action === "list" || action === "dir") return readOnly(inv, "lists installed tools");
      return classed("destructive", inv, `uv tool ${action ?? ""} installs tools outside the workspace`);
    }
    case "python":
      return ["list", "find", "dir"].includes(rest[0]?.value ?? "")
        ? readOnly(inv, "lists Python versions")
        : classed("destructive", inv, "installs Python versions outside the workspace");
    case "self":
      return classed("destructive", inv, "updates uv itself, outside the workspace");
    case "publish":
      return classed("package-publish", inv, "publishes to a package index");
    case "tree":
    case "version":
    case "help":
      return readOnly(inv, `reads project information (uv ${sub.value})`);
    case "sync":
    case "lock":
    case "add":
    case "remove":
    case "venv":
    case "build":
    case "export":
    case "init":
    case "cache":
    case "format":
      return workspaceWrite(inv, `uv ${sub.value} works in the project's environment under the workspace`);
    default:
      return unknownPart(inv, `uv ${sub.value} is not a uv command the policy knows`);
  }
}

function runTool(inv: Invocation, ctx: RuleContext, args: Invocation["args"], how: string): Finding[] {
  const parsed = parseArgs(args, {
    valued: ["--from", "--with", "-w", "--python", "-p", "--index"],
    stopAtPositional: true,
  });
  const [first, ...rest] = [...parsed.positionals, ...parsed.rest];
  if (first === undefined) return runtimeOnly(inv, `${how} without a tool`);
  if (first.value === null)
    return runtimeOnly(inv, `${how} runs a tool only known at run time (${first.raw})`);
  return ctx.judge({ ...inv, name: binOfPackage(first.value.replace(/[=<>~!].*$/, "")), args: rest });
}

/** poetry / pdm / hatch / pipenv: project environments managed by the tool; `run` wraps a command. */
function projectManager(tool: string, publishWords: readonly string[]) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const head = parseArgs(inv.args, {
      valued: ["-C", "--directory", "-P", "--project", "-e", "--env"],
      stopAtPositional: true,
    });
    const sub = head.positionals[0];
    if (sub === undefined) return readOnly(inv, `prints ${tool} usage`);
    if (sub.value === null)
      return runtimeOnly(inv, `${tool} runs a subcommand only known at run time (${sub.raw})`);
    const rest = head.rest;
    if (publishWords.includes(sub.value))
      return classed("package-publish", inv, `${tool} ${sub.value} publishes to a package index`);
    switch (sub.value) {
      case "run":
        return judgeWrapped(inv, ctx, rest, `${tool} run`, { venv: true });
      case "shell":
        return runtimeOnly(inv, "starts an interactive shell");
      case "show":
      case "check":
      case "env":
      case "about":
      case "info":
      case "graph":
      case "list":
      case "search":
      case "--version":
      case "-V":
      case "version":
        if (sub.value === "version" && rest.length > 0)
          return workspaceWrite(inv, "bumps the project version");
        if (sub.value === "env" && ["remove", "use"].includes(rest[0]?.value ?? ""))
          return workspaceWrite(inv, "changes the project's environment");
        return readOnly(inv, `reads project information (${tool} ${sub.value})`);
      case "config":
        return rest.some((a) => a.value === "--local") || rest.length <= 1
          ? readOnly(inv, `reads or sets local ${tool} configuration`)
          : classed("destructive", inv, `changes ${tool} configuration outside the workspace`);
      case "self":
        return classed("destructive", inv, `changes ${tool} itself, outside the workspace`);
      case "install":
      case "add":
      case "remove":
      case "lock":
      case "update":
      case "sync":
      case "build":
      case "export":
      case "new":
      case "init":
      case "clean":
      case "uninstall":
      case "cache":
      case "fmt":
      case "test":
      case "venv":
      case "use":
      case "import":
      case "requirements":
        return workspaceWrite(inv, `${tool} ${sub.value} works in the project's environment`);
      default:
        if (tool === "pdm" || tool === "hatch") return judgeTaskName(inv, `${tool} script`, sub);
        return unknownPart(inv, `${tool} ${sub.value} is not a ${tool} command the policy knows`);
    }
  };
}

function pipxRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "run") return runTool(inv, ctx, inv.args.slice(1), "pipx run");
  if (sub === "list" || sub === "environment" || sub === "--version")
    return readOnly(inv, "reads pipx information");
  return classed("destructive", inv, `pipx ${sub ?? ""} installs tools outside the workspace`);
}

function condaRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, {
    valued: ["-n", "--name", "-p", "--prefix", "-c", "--channel", "--file"],
    stopAtPositional: true,
  });
  const sub = head.positionals[0]?.value;
  const parsed = parseArgs(head.rest, {
    valued: ["-n", "--name", "-p", "--prefix", "-c", "--channel", "--file", "-f"],
  });
  if (sub === "run") {
    const run = parseArgs(head.rest, {
      valued: ["-n", "--name", "-p", "--prefix", "--cwd"],
      stopAtPositional: true,
    });
    return judgeWrapped(inv, ctx, [...run.positionals, ...run.rest], `${inv.name} run`);
  }
  if (
    sub === "list" ||
    sub === "info" ||
    sub === "search" ||
    sub === "--version" ||
    sub === undefined ||
    (sub === "env" && head.rest[0]?.value === "list")
  ) {
    return readOnly(inv, `reads ${inv.name} information`);
  }
  const prefix = optionValue(parsed, "-p", "--prefix");
  if (prefix !== undefined)
    return writesPaths(inv, ctx, [prefix], "write", "changes an environment under the workspace");
  return classed("destructive", inv, `${inv.name} ${sub ?? ""} changes an environment outside the workspace`);
}

function twineRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "upload" || sub === "register")
    return classed("package-publish", inv, "uploads to a package index");
  if (sub === "check") return readOnly(inv, "checks distribution files");
  return unknownPart(inv, `twine ${sub ?? ""} is not one the policy knows`);
}

function virtualenvRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-p", "--python", "--prompt", "--activators", "--seeder"] });
  if (hasOption(parsed, "--version", "-h", "--help")) return readOnly(inv, "prints virtualenv information");
  return writesPaths(
    inv,
    ctx,
    parsed.positionals,
    "write",
    "creates a virtual environment under the workspace",
  );
}

export const pythonPackageRules: RuleTable = {
  pip: pipRule,
  pip3: pipRule,
  uv: uvRule,
  uvx: (inv, ctx) => runTool(inv, ctx, inv.args, "uvx"),
  poetry: projectManager("poetry", ["publish"]),
  pdm: projectManager("pdm", ["publish"]),
  hatch: projectManager("hatch", ["publish"]),
  pipenv: projectManager("pipenv", []),
  flit: projectManager("flit", ["publish"]),
  maturin: projectManager("maturin", ["publish", "upload"]),
  pipx: pipxRule,
  conda: condaRule,
  mamba: condaRule,
  micromamba: condaRule,
  twine: twineRule,
  virtualenv: virtualenvRule,
  tox: (inv) => workspaceWrite(inv, "runs the project's test environments"),
  nox: (inv) => workspaceWrite(inv, "runs the project's sessions"),
  "django-admin": (inv) =>
    inv.args[0] === undefined ? readOnly(inv, "lists Django commands") : judgeDjangoCommand(inv, inv.args[0]),
};
