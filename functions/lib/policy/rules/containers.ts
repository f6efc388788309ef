import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { credentialPath, displayPath, isScratchOrWorkspace, resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, optionValues, type ParsedArgs, parseArgs } from "./arguments.ts";
import { classed, readOnly, runtimeOnly, unknownPart, workspaceWrite, writesPaths } from "./helpers.ts";

const GLOBAL_VALUED = [
  "-H",
  "--host",
  "-c",
  "--context",
  "--config",
  "-l",
  "--log-level",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
];
const RUN_VALUED = [
  "-v",
  "--volume",
  "--mount",
  "-e",
  "--env",
  "--env-file",
  "-p",
  "--publish",
  "--name",
  "-w",
  "--workdir",
  "-u",
  "--user",
  "--network",
  "--net",
  "--pid",
  "--ipc",
  "--uts",
  "--userns",
  "--cap-add",
  "--cap-drop",
  "--device",
  "--security-opt",
  "--entrypoint",
  "-l",
  "--label",
  "--platform",
  "--restart",
  "-m",
  "--memory",
  "--cpus",
  "--gpus",
  "--add-host",
  "--dns",
  "-h",
  "--hostname",
  "--tmpfs",
  "--ulimit",
  "--shm-size",
  "--pull",
  "--log-driver",
  "--health-cmd",
  "--cgroupns",
  "--volumes-from",
  "--group-add",
  "--stop-signal",
  "--init-path",
  "-f",
  "--file",
  "-p",
  "--project-name",
  "--profile",
  "--env-file",
  "-t",
  "--tag",
  "--build-arg",
  "--target",
  "--cache-from",
  "--cache-to",
  "-o",
  "--output",
  "--secret",
  "--ssh",
  "--progress",
  "--iidfile",
  "--metadata-file",
  "--attest",
  "--sbom",
  "--provenance",
  "--builder",
  "--label-file",
  "--detach-keys",
  "--runtime",
  "--cidfile",
];
const READ_SUBCOMMANDS = new Set([
  "ps",
  "images",
  "inspect",
  "logs",
  "version",
  "info",
  "top",
  "stats",
  "port",
  "diff",
  "history",
  "search",
  "events",
  "ls",
  "scout",
  "sbom",
  "config",
  "wait",
]);
const STATE_SUBCOMMANDS = new Set([
  "run",
  "create",
  "exec",
  "start",
  "restart",
  "stop",
  "rm",
  "rmi",
  "kill",
  "pause",
  "unpause",
  "build",
  "pull",
  "tag",
  "commit",
  "load",
  "import",
  "prune",
  "rename",
  "update",
  "attach",
  "up",
  "down",
  "watch",
  "cp",
  "save",
  "export",
  "container",
  "image",
  "volume",
  "network",
  "system",
  "builder",
  "compose",
  "buildx",
  "init",
]);

/** Host paths bound into a container (`-v /etc:/etc`, `--mount type=bind,source=...`). */
function hostMounts(parsed: ParsedArgs): Word[] {
  const out: Word[] = [];
  for (const v of optionValues(parsed, "-v", "--volume")) {
    if (v.value === null) {
      out.push(v);
      continue;
    }
    const source = v.value.split(":")[0] ?? "";
    if (/^[/.~]/.test(source) || source.includes("/")) out.push({ value: source, raw: v.raw });
  }
  for (const m of optionValues(parsed, "--mount")) {
    if (m.value === null) {
      out.push(m);
      continue;
    }
    const fields = Object.fromEntries(m.value.split(",").map((kv) => kv.split("=") as [string, string]));
    const source = fields.source ?? fields.src;
    if ((fields.type ?? "volume") === "bind" && source !== undefined) out.push({ value: source, raw: m.raw });
  }
  return out;
}

/** What a container can reach of the host: privileged mode, host namespaces, devices, and bind mounts. */
function containerAccess(inv: Invocation, ctx: RuleContext, parsed: ParsedArgs): Finding[] {
  const findings: Finding[] = [];
  if (hasOption(parsed, "--privileged"))
    findings.push(...classed("destructive", inv, "runs a privileged container with full access to the host"));
  if (
    parsed.options.some(
      (o) =>
        ["--pid", "--ipc", "--uts", "--userns", "--cgroupns"].includes(o.name) && o.value?.value === "host",
    )
  ) {
    findings.push(...classed("destructive", inv, "shares the host's namespaces with the container"));
  }
  if (
    optionValues(parsed, "--cap-add").some(
      (w) =>
        w.value === null ||
        /^(ALL|SYS_ADMIN|SYS_PTRACE|SYS_MODULE|DAC_READ_SEARCH|NET_ADMIN)$/i.test(w.value),
    )
  ) {
    findings.push(...classed("destructive", inv, "gives the container powerful capabilities"));
  }
  if (optionValues(parsed, "--device").length > 0)
    findings.push(...classed("destructive", inv, "gives the container a host device"));
  if (optionValues(parsed, "--security-opt").some((w) => w.value === null || /unconfined/.test(w.value))) {
    findings.push(...classed("destructive", inv, "turns off the container's confinement"));
  }
  for (const mount of hostMounts(parsed)) {
    if (mount.value === null) {
      findings.push(...runtimeOnly(inv, `mounts a host path only known at run time (${mount.raw})`));
      continue;
    }
    const path = resolvePath(mount.value, ctx.cwd);
    if (path === null) {
      findings.push(
        ...runtimeOnly(inv, `mounts ${mount.value} relative to a directory the policy could not follow`),
      );
      continue;
    }
    const credential = credentialPath(path);
    if (credential !== null)
      findings.push(
        ...classed("credentials", inv, `mounts ${displayPath(path)} (${credential}) into the container`),
      );
    else if (/docker\.sock$|containerd\.sock$|podman\.sock$/.test(path))
      findings.push(...classed("destructive", inv, "gives the container the host's container engine"));
    else if (!isScratchOrWorkspace(path, ctx.workspace))
      findings.push(
        ...classed(
          "destructive",
          inv,
          `mounts ${displayPath(path)}, outside the workspace, into the container`,
        ),
      );
  }
  return findings;
}

function pushesImage(parsed: ParsedArgs): boolean {
  if (hasOption(parsed, "--push")) return true;
  return optionValues(parsed, "-o", "--output").some(
    (w) => w.value === null || /type=registry|push=true/.test(w.value),
  );
}

function dockerRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, { valued: GLOBAL_VALUED, stopAtPositional: true });
  const remote =
    optionValue(head, "-H", "--host") ?? inv.assignments.find((a) => a.name === "DOCKER_HOST")?.value;
  const remoteFindings =
    remote !== undefined && (remote.value === null || !/^unix:\/\//.test(remote.value))
      ? classed("infrastructure", inv, "talks to a remote container engine")
      : [];
  const sub = head.positionals[0];
  if (sub === undefined)
    return hasOption(head, "-v", "--version")
      ? readOnly(inv, "prints version")
      : readOnly(inv, `prints ${inv.name} usage`);
  if (sub.value === null) return runtimeOnly(inv, `${inv.name} runs a subcommand only known at run time`);
  return [...remoteFindings, ...dockerSubcommand(inv, ctx, sub.value, head.rest)];
}

function dockerSubcommand(inv: Invocation, ctx: RuleContext, sub: string, rest: readonly Word[]): Finding[] {
  const parsed = parseArgs(rest, { valued: RUN_VALUED });
  const action = rest.find((w) => w.value === null || !w.value.startsWith("-"))?.value ?? "";
  if (
    sub === "push" ||
    (sub === "image" && action === "push") ||
    (sub === "manifest" && action === "push") ||
    (sub === "trust" && ["sign", "signer"].includes(action))
  ) {
    return classed("package-publish", inv, "pushes an image to a registry");
  }
  if (sub === "login" || sub === "logout") return classed("credentials", inv, "handles registry credentials");
  if (sub === "secret") return classed("credentials", inv, "manages swarm secrets");
  if (["swarm", "service", "stack", "node", "plugin"].includes(sub)) {
    return action === "ls" || action === "inspect" || action === "ps" || action === "logs"
      ? readOnly(inv, `reads ${sub}s`)
      : classed("infrastructure", inv, `${inv.name} ${sub} ${action} changes a cluster`);
  }
  if (sub === "context") {
    return ["ls", "list", "inspect", "show"].includes(action)
      ? readOnly(inv, "reads contexts")
      : classed("destructive", inv, "changes container engine contexts outside the workspace");
  }
  if (sub === "compose") return composeRule(inv, ctx, rest);
  if (sub === "buildx" || sub === "builder") {
    const inner = parseArgs(rest.slice(1), { valued: RUN_VALUED });
    if ((action === "build" || action === "bake") && pushesImage(inner))
      return classed("package-publish", inv, "builds and pushes an image");
    if (action === "imagetools")
      return rest[1]?.value === "create"
        ? classed("package-publish", inv, "pushes a manifest list")
        : readOnly(inv, "inspects an image");
    if (["ls", "inspect", "du", "version"].includes(action)) return readOnly(inv, "reads builders");
    return workspaceWrite(inv, `${inv.name} ${sub} ${action} builds locally`);
  }
  if (sub === "build" && pushesImage(parsed))
    return classed("package-publish", inv, "builds and pushes an image");
  if (
    READ_SUBCOMMANDS.has(sub) ||
    (["image", "container", "volume", "network", "system", "manifest"].includes(sub) &&
      ["ls", "list", "inspect", "df", "info", "history", "logs", "top", "port"].includes(action))
  ) {
    return readOnly(inv, `reads the container engine (${inv.name} ${sub})`);
  }
  if (STATE_SUBCOMMANDS.has(sub)) {
    const access = ["run", "create", "container"].includes(sub) ? containerAccess(inv, ctx, parsed) : [];
    const output = ["save", "export"].includes(sub) ? optionValue(parsed, "-o", "--output") : undefined;
    const writes =
      output === undefined
        ? []
        : writesPaths(inv, ctx, [output], "write", "writes an image archive").filter(
            (f) => f.class !== "workspace-write",
          );
    const copy = sub === "cp" ? dockerCopy(inv, ctx, parsed.positionals) : [];
    const serious = [...access, ...writes, ...copy];
    return serious.length > 0
      ? serious
      : workspaceWrite(
          inv,
          `${inv.name} ${sub} changes the local container engine's state (images, containers)`,
        );
  }
  return unknownPart(inv, `${inv.name} ${sub} is not one the policy knows`);
}

function dockerCopy(inv: Invocation, ctx: RuleContext, positionals: readonly Word[]): Finding[] {
  const destination = positionals[1];
  if (destination?.value == null) return [];
  if (/^[^/.~][^:/]*:/.test(destination.value)) return [];
  return writesPaths(inv, ctx, [destination], "write", "copies from a container into the workspace").filter(
    (f) => f.class !== "workspace-write",
  );
}

function composeRule(inv: Invocation, ctx: RuleContext, args: readonly Word[]): Finding[] {
  const head = parseArgs(args, {
    valued: [
      "-f",
      "--file",
      "-p",
      "--project-name",
      "--profile",
      "--env-file",
      "--project-directory",
      "--ansi",
      "--progress",
      "--parallel",
    ],
    stopAtPositional: true,
  });
  const sub = head.positionals[0]?.value;
  if (sub === undefined) return readOnly(inv, "prints compose usage");
  if (sub === null) return runtimeOnly(inv, "compose runs a subcommand only known at run time");
  const parsed = parseArgs(head.rest, { valued: RUN_VALUED });
  if (sub === "push" || ((sub === "build" || sub === "up") && hasOption(parsed, "--push")))
    return classed("package-publish", inv, "pushes images to a registry");
  if (["ps", "logs", "config", "images", "ls", "top", "version", "port", "events"].includes(sub))
    return readOnly(inv, `reads compose state (${sub})`);
  const access = sub === "run" ? containerAccess(inv, ctx, parsed) : [];
  return access.length > 0
    ? access
    : workspaceWrite(inv, `compose ${sub} runs the project's containers locally`);
}

function registryTool(tool: string, publish: readonly string[], reads: readonly string[]) {
  return (inv: Invocation): Finding[] => {
    const sub = inv.args.find((a) => a.value === null || !a.value.startsWith("-"))?.value;
    if (sub === null) return runtimeOnly(inv, `${tool} runs a subcommand only known at run time`);
    if (sub === "login" || sub === "logout" || sub === "auth")
      return classed("credentials", inv, "handles registry credentials");
    if (sub !== undefined && publish.includes(sub))
      return classed("package-publish", inv, `${tool} ${sub} writes to a registry`);
    if (sub === undefined || reads.includes(sub)) return readOnly(inv, `reads images (${tool} ${sub ?? ""})`);
    return workspaceWrite(inv, `${tool} ${sub} works with local images`);
  };
}

function skopeoRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "login" || sub === "logout") return classed("credentials", inv, "handles registry credentials");
  if (sub === "inspect" || sub === "list-tags" || sub === "--version") return readOnly(inv, "reads an image");
  if (sub === "delete") return classed("package-publish", inv, "deletes an image from a registry");
  if (sub === "copy" || sub === "sync") {
    const positionals = parseArgs(inv.args.slice(1), {
      valued: ["--src-creds", "--dest-creds", "--authfile", "--format", "-f", "--src", "--dest"],
    }).positionals;
    const destination = positionals.at(-1)?.value;
    if (
      destination == null ||
      /^(docker|docker-daemon|containers-storage):/.test(destination) ||
      inv.args.some(
        (a) =>
          a.value === "--dest" && !["dir", "oci"].includes(inv.args[inv.args.indexOf(a) + 1]?.value ?? ""),
      )
    ) {
      return classed("package-publish", inv, "copies an image into a registry");
    }
    return workspaceWrite(inv, "copies an image to a local directory");
  }
  return unknownPart(inv, `skopeo ${sub ?? ""} is not one the policy knows`);
}

function localClusterTool(tool: string) {
  return (inv: Invocation): Finding[] => {
    const sub = inv.args[0]?.value;
    const action = inv.args[1]?.value;
    if (sub === "export" && action === "kubeconfig")
      return classed("credentials", inv, "writes cluster credentials into kubeconfig");
    if (
      sub === "get" ||
      sub === "version" ||
      sub === "status" ||
      sub === "list" ||
      sub === "profile" ||
      sub === "ip"
    )
      return readOnly(inv, `reads local clusters (${tool})`);
    return workspaceWrite(inv, `${tool} ${sub ?? ""} manages a local development cluster`);
  };
}

export const containerRules: RuleTable = {
  docker: dockerRule,
  podman: dockerRule,
  nerdctl: dockerRule,
  finch: dockerRule,
  "docker-compose": (inv, ctx) => composeRule(inv, ctx, inv.args),
  "podman-compose": (inv, ctx) => composeRule(inv, ctx, inv.args),
  buildah: registryTool(
    "buildah",
    ["push", "manifest"],
    ["images", "containers", "inspect", "info", "version"],
  ),
  crane: registryTool(
    "crane",
    ["push", "copy", "cp", "tag", "delete", "mutate", "append", "rebase", "flatten", "index"],
    ["ls", "digest", "manifest", "config", "catalog", "version", "validate", "blob"],
  ),
  skopeo: skopeoRule,
  kind: localClusterTool("kind"),
  minikube: localClusterTool("minikube"),
  k3d: localClusterTool("k3d"),
};
