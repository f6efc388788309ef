import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { hasOption, optionValue, optionValues, parseArgs } from "./arguments.ts";
import { classed, readOnly, runtimeOnly, unknownPart, workspaceWrite, writesPaths } from "./helpers.ts";

interface HostCommand {
  readonly reads: readonly string[];
  readonly local?: readonly string[];
  readonly credentials?: readonly string[];
  /** What the remaining actions are: most change the hosted repository. */
  readonly otherwise?: "vcs-remote" | "infrastructure" | "network-write" | "credentials";
}

const GH_COMMANDS: Readonly<Record<string, HostCommand>> = {
  pr: { reads: ["list", "view", "status", "checks", "diff"], local: ["checkout", "co"] },
  issue: { reads: ["list", "view", "status"] },
  release: { reads: ["list", "view", "verify", "verify-asset"], local: ["download"] },
  repo: {
    reads: ["view", "list", "gitignore", "license"],
    local: ["clone", "set-default"],
    credentials: ["deploy-key"],
  },
  run: { reads: ["list", "view", "watch"], local: ["download"] },
  workflow: { reads: ["list", "view"] },
  secret: { reads: ["list"], otherwise: "credentials" },
  variable: { reads: ["list", "get"] },
  gist: { reads: ["list", "view"], local: ["clone"], otherwise: "network-write" },
  label: { reads: ["list"] },
  project: { reads: ["list", "view", "field-list", "item-list"] },
  ruleset: { reads: ["list", "view", "check"] },
  cache: { reads: ["list"] },
  codespace: { reads: ["list", "view", "logs", "ports"], otherwise: "infrastructure" },
  org: { reads: ["list"] },
  "ssh-key": { reads: ["list"], otherwise: "credentials" },
  "gpg-key": { reads: ["list"], otherwise: "credentials" },
  attestation: { reads: ["verify", "download", "trusted-root"] },
  search: { reads: ["repos", "issues", "prs", "code", "commits"] },
  status: { reads: [""] },
  browse: { reads: [""] },
  completion: { reads: [""] },
  help: { reads: [""] },
  preview: { reads: [""] },
};

const GLAB_COMMANDS: Readonly<Record<string, HostCommand>> = {
  mr: { reads: ["list", "view", "diff", "issues"], local: ["checkout"] },
  issue: { reads: ["list", "view", "board"] },
  ci: { reads: ["view", "list", "status", "trace", "get", "lint", "config"] },
  pipeline: { reads: ["view", "list", "status", "ci"] },
  release: { reads: ["list", "view"], local: ["download"] },
  repo: { reads: ["view", "list", "search", "contributors"], local: ["clone"] },
  variable: { reads: ["list", "get"], otherwise: "credentials" },
  label: { reads: ["list"] },
  snippet: { reads: ["list", "view"], otherwise: "network-write" },
  "ssh-key": { reads: ["list", "get"], otherwise: "credentials" },
  "deploy-key": { reads: ["list", "get"], otherwise: "credentials" },
  token: { reads: ["list"], otherwise: "credentials" },
  search: { reads: [""] },
  help: { reads: [""] },
  version: { reads: [""] },
};

/** `gh api` / `glab api`: GET unless a method or fields say otherwise; GraphQL mutations change the host. */
function apiCall(inv: Invocation, args: readonly Word[]): Finding[] {
  const parsed = parseArgs(args, {
    valued: [
      "-X",
      "--method",
      "-f",
      "--raw-field",
      "-F",
      "--field",
      "-H",
      "--header",
      "--input",
      "-q",
      "--jq",
      "-t",
      "--template",
      "--hostname",
      "--cache",
      "-p",
      "--preview",
    ],
  });
  const method = optionValue(parsed, "-X", "--method");
  const fields = optionValues(parsed, "-f", "--raw-field", "-F", "--field");
  const endpoint = parsed.positionals[0]?.value;
  if (endpoint === "graphql") {
    const mutation =
      fields.some((f) => f.value === null || /^query=\s*mutation\b/s.test(f.value)) ||
      hasOption(parsed, "--input");
    return mutation
      ? classed("vcs-remote", inv, "sends a GraphQL mutation to the host")
      : readOnly(inv, "queries the host's GraphQL API");
  }
  const effective = method?.value ?? (fields.length > 0 || hasOption(parsed, "--input") ? "POST" : "GET");
  if (method !== undefined && method.value === null)
    return runtimeOnly(inv, "calls the API with a method only known at run time");
  if (effective.toUpperCase() === "GET" || effective.toUpperCase() === "HEAD") {
    return endpoint !== undefined && endpoint !== null && /secrets|\/keys\b|tokens/.test(endpoint)
      ? classed("credentials", inv, "reads secrets or keys through the API")
      : readOnly(inv, `reads the host's API (${endpoint ?? "?"})`);
  }
  return classed("vcs-remote", inv, `sends a ${effective} request to the host's API`);
}

function hostedGitCli(tool: string, table: Readonly<Record<string, HostCommand>>) {
  return (inv: Invocation, ctx: RuleContext): Finding[] => {
    const head = parseArgs(inv.args, { valued: ["-R", "--repo", "--hostname"], stopAtPositional: true });
    const sub = head.positionals[0];
    if (sub === undefined) return readOnly(inv, `prints ${tool} usage`);
    if (sub.value === null) return runtimeOnly(inv, `${tool} runs a command only known at run time`);
    const rest = head.rest;
    const actionWord = rest.find((w) => w.value === null || !w.value.startsWith("-"));
    const action = actionWord?.value ?? "";
    if (sub.value === "api") return apiCall(inv, rest);
    if (sub.value === "auth") {
      if (action === "status" && !rest.some((w) => w.value === "--show-token" || w.value === "-t"))
        return readOnly(inv, "reads login status");
      return classed("credentials", inv, `${tool} auth ${action} handles tokens`);
    }
    if (sub.value === "extension" || sub.value === "ext") {
      if (action === "list" || action === "ls" || action === "browse" || action === "search")
        return readOnly(inv, "lists extensions");
      if (action === "exec") return runtimeOnly(inv, "runs an extension the policy cannot see into");
      return classed("destructive", inv, "installs extensions outside the workspace");
    }
    if (sub.value === "config" || sub.value === "alias") {
      return action === "get" || action === "list" || action === "ls"
        ? readOnly(inv, `reads ${tool} settings`)
        : classed("destructive", inv, `changes ${tool} settings outside the workspace`);
    }
    if (sub.value === "copilot") return runtimeOnly(inv, "asks an assistant to produce commands");
    const entry = table[sub.value];
    if (entry === undefined)
      return unknownPart(
        inv,
        `${tool} ${sub.value} is not a command the policy knows (an alias or extension?)`,
      );
    if (actionWord !== undefined && actionWord.value === null)
      return runtimeOnly(inv, `${tool} ${sub.value} with an action only known at run time`);
    if (entry.reads.includes(action) || entry.reads.includes(""))
      return readOnly(inv, `reads the hosted repository (${tool} ${sub.value} ${action})`.replace(" )", ")"));
    if (entry.local?.includes(action)) {
      if (action === "clone") {
        const positionals = parseArgs(rest.slice(1), { stopAtPositional: false }).positionals;
        const dir = positionals[1];
        return dir === undefined
          ? workspaceWrite(inv, "clones into the workspace")
          : writesPaths(inv, ctx, [dir], "write", "clones into the workspace");
      }
      return workspaceWrite(inv, `${tool} ${sub.value} ${action} changes the local checkout`);
    }
    if (entry.credentials?.includes(action))
      return classed("credentials", inv, `${tool} ${sub.value} ${action} manages keys`);
    if (
      sub.value === "repo" &&
      action === "sync" &&
      !rest.slice(1).some((w) => w.value !== null && !w.value.startsWith("-"))
    ) {
      return workspaceWrite(inv, "syncs the local checkout from the remote");
    }
    const commandClass = entry.otherwise ?? "vcs-remote";
    return classed(
      commandClass,
      inv,
      `${tool} ${sub.value} ${action} changes the hosted repository or service`.replace(/\s+/g, " "),
    );
  };
}

export const vcsHostRules: RuleTable = {
  gh: hostedGitCli("gh", GH_COMMANDS),
  glab: hostedGitCli("glab", GLAB_COMMANDS),
  hub: (inv) => {
    const sub = inv.args[0]?.value;
    if (
      sub === "browse" ||
      sub === "ci-status" ||
      sub === "compare" ||
      (sub === "issue" && inv.args.length === 1)
    )
      return readOnly(inv, "reads the hosted repository");
    return classed("vcs-remote", inv, `hub ${sub ?? ""} changes the hosted repository`);
  },
};
