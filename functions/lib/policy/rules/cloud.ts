import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { optionValue, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  readOnly,
  runtimeOnly,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";

const AWS_GLOBAL_VALUED = new Set([
  "--profile",
  "--region",
  "--output",
  "--endpoint-url",
  "--query",
  "--color",
  "--cli-read-timeout",
  "--cli-connect-timeout",
  "--ca-bundle",
  "--cli-binary-format",
  "--cli-input-json",
  "--cli-input-yaml",
]);

/** Boolean AWS CLI flags: the word after them is not their value. */
const AWS_FLAGS = new Set([
  "--recursive",
  "--dryrun",
  "--dry-run",
  "--no-dry-run",
  "--quiet",
  "--only-show-errors",
  "--no-progress",
  "--delete",
  "--exact-timestamps",
  "--size-only",
  "--follow-symlinks",
  "--no-follow-symlinks",
  "--no-guess-mime-type",
  "--human-readable",
  "--summarize",
  "--force",
  "--debug",
  "--no-verify-ssl",
  "--no-paginate",
  "--no-cli-pager",
  "--no-sign-request",
  "--with-decryption",
  "--no-with-decryption",
  "--version",
  "--cli-auto-prompt",
  "--no-cli-auto-prompt",
  "--include-deleted",
  "--no-include-deleted",
  "--all",
]);

/** AWS operations that only read: any verb outside this list changes something. */
const AWS_READ_VERBS =
  /^(describe|get|list|head|batch-get|lookup|search|filter|estimate|validate|test|check|detect|simulate|preview|view|download|query|scan|select|tail|wait|help|decode)(-|$)/;

/** Reads that hand out credentials or secrets. */
const AWS_CREDENTIAL_OPS: ReadonlySet<string> = new Set([
  "sts get-session-token",
  "sts get-federation-token",
  "sts assume-role",
  "sts assume-role-with-saml",
  "sts assume-role-with-web-identity",
  "sts assume-root",
  "ecr get-login-password",
  "ecr get-authorization-token",
  "ecr get-login",
  "ecr-public get-login-password",
  "ecr-public get-authorization-token",
  "codeartifact get-authorization-token",
  "secretsmanager get-secret-value",
  "secretsmanager batch-get-secret-value",
  "kms decrypt",
  "rds generate-db-auth-token",
  "eks get-token",
  "redshift get-cluster-credentials",
  "redshift get-cluster-credentials-with-iam",
  "redshift-serverless get-credentials",
  "sso get-role-credentials",
  "cognito-identity get-credentials-for-identity",
  "cognito-identity get-open-id-token",
  "cognito-identity get-open-id-token-for-developer-identity",
  "ec2 get-password-data",
  "lightsail get-instance-access-details",
  "lightsail download-default-key-pair",
  "iam create-access-key",
  "iam create-login-profile",
  "iam update-login-profile",
  "iam create-service-specific-credential",
  "lambda get-function-configuration",
  "lambda get-function",
  "s3 presign",
  "cloudfront sign",
  "eks update-kubeconfig",
  "codecommit get-credentials",
  "ssm start-session",
  "ec2-instance-connect send-ssh-public-key",
  "iot create-keys-and-certificate",
  "ssm get-parameters-by-path",
  "sso-oidc create-token",
  "sso login",
  "sso logout",
]);

function awsRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const positionals: Word[] = [];
  const options: { name: string; value: Word | undefined }[] = [];
  for (let i = 0; i < inv.args.length; i += 1) {
    const word = inv.args[i] as Word;
    const text = word.value;
    if (text?.startsWith("--")) {
      const eq = text.indexOf("=");
      const name = eq > 0 ? text.slice(0, eq) : text;
      const next = inv.args[i + 1];
      const takesValue =
        eq < 0 &&
        !AWS_FLAGS.has(name) &&
        next !== undefined &&
        (next.value === null || !next.value.startsWith("--"));
      options.push({
        name,
        value: eq > 0 ? { value: text.slice(eq + 1), raw: word.raw } : takesValue ? next : undefined,
      });
      if (takesValue && (AWS_GLOBAL_VALUED.has(name) || positionals.length >= 2)) i += 1;
      continue;
    }
    positionals.push(word);
  }
  if (options.some((o) => o.name === "--version") && positionals.length === 0)
    return readOnly(inv, "prints the AWS CLI version");
  const [service, operation, ...rest] = positionals;
  if (service === undefined) return readOnly(inv, "prints AWS CLI usage");
  if (service.value === null)
    return runtimeOnly(inv, `aws calls a service only known at run time (${service.raw})`);
  if (service.value === "help") return readOnly(inv, "prints AWS CLI help");
  if (service.value === "configure")
    return classed("credentials", inv, "reads or writes AWS credentials and profiles");
  if (service.value === "login" || service.value === "logout")
    return classed("credentials", inv, "handles AWS credentials");
  if (operation === undefined) return readOnly(inv, "prints service help");
  if (operation.value === null)
    return runtimeOnly(
      inv,
      `aws ${service.value} runs an operation only known at run time (${operation.raw})`,
    );
  const op = `${service.value} ${operation.value}`;
  if (operation.value === "help" || rest[0]?.value === "help") return readOnly(inv, "prints AWS CLI help");
  if (op === "ssm get-parameter" || op === "ssm get-parameters" || op === "ssm get-parameter-history") {
    return options.some((o) => o.name === "--with-decryption")
      ? classed("credentials", inv, "reads decrypted SSM parameters (secrets)")
      : readOnly(inv, "reads SSM parameters");
  }
  if (AWS_CREDENTIAL_OPS.has(op))
    return classed("credentials", inv, `aws ${op} hands out credentials or secrets`);
  if (service.value === "s3") return awsS3(inv, ctx, operation.value, rest);
  if (AWS_READ_VERBS.test(operation.value)) return readOnly(inv, `reads AWS (aws ${op})`);
  return classed("infrastructure", inv, `aws ${op} changes AWS resources (not a read-only operation)`);
}

function awsS3(inv: Invocation, ctx: RuleContext, operation: string, rest: readonly Word[]): Finding[] {
  if (operation === "ls") return readOnly(inv, "lists S3");
  if (operation === "cp" || operation === "mv" || operation === "sync") {
    const [source, destination] = rest;
    if (source === undefined || destination === undefined)
      return runtimeOnly(inv, `aws s3 ${operation} without a source and destination`);
    if (source.value === null || destination.value === null)
      return runtimeOnly(inv, `aws s3 ${operation} with a location only known at run time`);
    if (destination.value.startsWith("s3://") || (operation === "mv" && source.value.startsWith("s3://"))) {
      return classed("infrastructure", inv, `aws s3 ${operation} writes to S3`);
    }
    if (destination.value === "-") return readOnly(inv, "prints an S3 object");
    return writesPaths(inv, ctx, [destination], "write", "downloads from S3 into the workspace");
  }
  return classed("infrastructure", inv, `aws s3 ${operation} changes S3`);
}

function subcommandOf(
  inv: Invocation,
  valued: readonly string[],
): { sub: Word | undefined; rest: readonly Word[]; all: ReturnType<typeof parseArgs> } {
  const head = parseArgs(inv.args, { valued, stopAtPositional: true, clusters: false });
  return { sub: head.positionals[0], rest: head.rest, all: parseArgs(inv.args, { valued, clusters: false }) };
}

function samRule(inv: Invocation): Finding[] {
  const { sub, rest } = subcommandOf(inv, ["--profile", "--region", "--config-file", "--config-env"]);
  const s = sub?.value;
  if (s === undefined || s === "--version" || s === "--info") return readOnly(inv, "prints SAM information");
  if (s === null) return runtimeOnly(inv, "sam runs a subcommand only known at run time");
  if (s === "publish")
    return classed("package-publish", inv, "publishes to the Serverless Application Repository");
  if (["deploy", "delete", "sync", "package"].includes(s))
    return classed("infrastructure", inv, `sam ${s} changes AWS resources`);
  if (s === "remote" || s === "pipeline") {
    const action = rest[0]?.value;
    if (s === "pipeline" && action === "init") return workspaceWrite(inv, "generates pipeline configuration");
    return classed("infrastructure", inv, `sam ${s} ${action ?? ""} changes AWS resources`);
  }
  if (["logs", "list", "traces", "docs"].includes(s)) return readOnly(inv, `reads AWS (sam ${s})`);
  if (["build", "validate", "init", "local"].includes(s))
    return workspaceWrite(inv, `sam ${s} works in the workspace`);
  return unknownPart(inv, `sam ${s} is not one the policy knows`);
}

function cdkRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const { sub, all } = subcommandOf(inv, [
    "-a",
    "--app",
    "-c",
    "--context",
    "--profile",
    "-o",
    "--output",
    "--role-arn",
    "--plugin",
    "-p",
    "--ca-bundle-path",
    "--proxy",
    "--toolkit-stack-name",
    "--build",
    "--region",
  ]);
  const app = optionValue(all, "-a", "--app");
  const build = optionValue(all, "--build");
  const appFindings: Finding[] = [];
  for (const command of [app, build]) {
    if (command !== undefined && (command.value === null || /\s/.test(command.value))) {
      appFindings.push(...judgeShellText(inv, ctx, command, "the CDK app command"));
    }
  }
  const s = sub?.value;
  if (s === undefined) return [...appFindings, ...readOnly(inv, "prints CDK usage")];
  if (s === null) return runtimeOnly(inv, "cdk runs a subcommand only known at run time");
  if (["deploy", "destroy", "bootstrap", "import", "watch", "rollback", "gc", "refactor"].includes(s)) {
    return [...appFindings, ...classed("infrastructure", inv, `cdk ${s} changes AWS resources`)];
  }
  if (
    ["list", "ls", "doctor", "version", "docs", "doc", "notices", "acknowledge", "ack", "drift"].includes(s)
  )
    return [...appFindings, ...readOnly(inv, `reads the CDK app (cdk ${s})`)];
  if (["synth", "synthesize", "diff", "metadata", "context", "init", "migrate", "flags"].includes(s)) {
    return [...appFindings, ...workspaceWrite(inv, `cdk ${s} synthesizes or changes files in the workspace`)];
  }
  return unknownPart(inv, `cdk ${s} is not one the policy knows`);
}

const TF_INFRA = new Set([
  "apply",
  "destroy",
  "import",
  "refresh",
  "taint",
  "untaint",
  "force-unlock",
  "test",
]);
const TF_READ = new Set([
  "validate",
  "output",
  "show",
  "providers",
  "graph",
  "version",
  "console",
  "metadata",
  "modules",
  "help",
  "-version",
  "--version",
  "-help",
]);

function terraformRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const args = [...inv.args];
  let cwd = ctx.cwd;
  while (args[0]?.value?.startsWith("-")) {
    const option = args.shift() as Word;
    if (option.value?.startsWith("-chdir=")) cwd = resolvePath(option.value.slice(7), cwd ?? ctx.workspace);
    if (option.value === "-version" || option.value === "--version" || option.value === "-help")
      return readOnly(inv, "prints terraform information");
  }
  const sub = args[0];
  if (sub === undefined) return readOnly(inv, "prints terraform usage");
  if (sub.value === null) return runtimeOnly(inv, "terraform runs a subcommand only known at run time");
  const s = sub.value;
  const rest = args.slice(1);
  const outside =
    cwd === ctx.cwd
      ? []
      : writesPaths(inv, ctx, [{ value: cwd ?? ".", raw: "-chdir" }], "write", "").filter(
          (f) => f.class !== "workspace-write",
        );
  if (inv.name === "terragrunt") {
    if (s === "run-all" || s === "run") {
      const inner = rest.filter((w) => w.value !== "--all" && w.value !== "--");
      return terraformRule({ ...inv, args: inner }, ctx);
    }
    const all = /^(.*)-all$/.exec(s);
    if (all?.[1] !== undefined)
      return terraformRule({ ...inv, args: [{ value: all[1], raw: sub.raw }, ...rest] }, ctx);
    if (s === "hclfmt" || s === "render-json" || s === "graph-dependencies" || s === "hcl")
      return workspaceWrite(inv, `terragrunt ${s} works in the workspace`);
  }
  if (TF_INFRA.has(s))
    return classed(
      "infrastructure",
      inv,
      `${inv.name} ${s} changes real infrastructure (flags never lower it)`,
    );
  if (s === "login" || s === "logout") return classed("credentials", inv, "handles registry credentials");
  if (TF_READ.has(s))
    return [...outside, ...readOnly(inv, `reads the configuration and state (${inv.name} ${s})`)];
  if (s === "plan") {
    const out = rest.find((w) => w.value?.startsWith("-out="));
    return [
      ...outside,
      ...(out === undefined
        ? readOnly(inv, "plans changes without applying them")
        : workspaceWrite(inv, "writes a plan file")),
    ];
  }
  if (s === "fmt")
    return rest.some((w) => w.value === "-check" || w.value === "--check")
      ? readOnly(inv, "checks formatting")
      : workspaceWrite(inv, "formats configuration files");
  if (s === "init" || s === "get")
    return [
      ...outside,
      ...workspaceWrite(inv, `${inv.name} ${s} downloads providers and modules into the workspace`),
    ];
  if (s === "state") {
    const action = rest[0]?.value;
    return ["list", "show", "pull"].includes(action ?? "")
      ? readOnly(inv, "reads state")
      : classed("infrastructure", inv, `${inv.name} state ${action ?? ""} changes remote state`);
  }
  if (s === "workspace") {
    const action = rest[0]?.value;
    if (action === "list" || action === "show") return readOnly(inv, "lists workspaces");
    if (action === "select") return workspaceWrite(inv, "selects a workspace locally");
    return classed("infrastructure", inv, `${inv.name} workspace ${action ?? ""} changes remote state`);
  }
  return unknownPart(inv, `${inv.name} ${s} is not one the policy knows`);
}

function pulumiRule(inv: Invocation): Finding[] {
  const { sub, rest } = subcommandOf(inv, ["-s", "--stack", "-C", "--cwd", "--color", "-v", "--verbose"]);
  const s = sub?.value;
  if (s === undefined || s === "version" || s === "about" || s === "whoami")
    return readOnly(inv, "prints pulumi information");
  if (s === null) return runtimeOnly(inv, "pulumi runs a subcommand only known at run time");
  const action = rest[0]?.value;
  if (["up", "update", "destroy", "import", "refresh", "cancel", "watch", "new"].includes(s))
    return classed("infrastructure", inv, `pulumi ${s} changes real infrastructure`);
  if (s === "preview" || s === "logs") return readOnly(inv, `reads the stack (pulumi ${s})`);
  if (s === "login" || s === "logout") return classed("credentials", inv, "handles backend credentials");
  if (s === "stack") {
    if (rest.some((w) => w.value === "--show-secrets"))
      return classed("credentials", inv, "prints stack secrets");
    if (
      ["ls", "output", "history", "export", "graph", "tag"].includes(action ?? "ls") &&
      !(action === "tag" && rest[1]?.value !== "ls")
    )
      return readOnly(inv, "reads stacks");
    if (action === "select") return workspaceWrite(inv, "selects a stack locally");
    return classed("infrastructure", inv, `pulumi stack ${action ?? ""} changes stacks`);
  }
  if (s === "config") {
    if (action === undefined || action === "get")
      return rest.some((w) => w.value === "--show-secrets")
        ? classed("credentials", inv, "prints stack secrets")
        : readOnly(inv, "reads stack configuration");
    return workspaceWrite(inv, "changes the stack's configuration file");
  }
  if (s === "state")
    return classed("infrastructure", inv, `pulumi state ${action ?? ""} changes stack state`);
  if (s === "plugin")
    return action === "ls"
      ? readOnly(inv, "lists plugins")
      : classed("destructive", inv, "installs plugins outside the workspace");
  return unknownPart(inv, `pulumi ${s} is not one the policy knows`);
}

const KUBECTL_VALUED = [
  "-n",
  "--namespace",
  "--context",
  "--cluster",
  "--kubeconfig",
  "-s",
  "--server",
  "--token",
  "--user",
  "--as",
  "--as-group",
  "--as-uid",
  "--request-timeout",
  "--cache-dir",
  "--certificate-authority",
  "--client-certificate",
  "--client-key",
  "--tls-server-name",
  "-v",
  "--profile",
  "--profile-output",
];
const KUBECTL_READ = new Set([
  "get",
  "describe",
  "logs",
  "explain",
  "api-resources",
  "api-versions",
  "version",
  "top",
  "cluster-info",
  "diff",
  "events",
  "wait",
  "completion",
  "kustomize",
  "options",
  "help",
]);
const KUBECTL_INFRA = new Set([
  "apply",
  "create",
  "delete",
  "patch",
  "replace",
  "scale",
  "set",
  "label",
  "annotate",
  "edit",
  "expose",
  "run",
  "autoscale",
  "cordon",
  "uncordon",
  "drain",
  "taint",
  "certificate",
  "exec",
  "cp",
  "port-forward",
  "attach",
  "proxy",
  "debug",
  "rollout",
]);

function kubectlRule(inv: Invocation): Finding[] {
  const { sub, rest, all } = subcommandOf(inv, KUBECTL_VALUED);
  const credentialLiteral =
    optionValue(all, "--token") !== undefined
      ? classed("credentials", inv, "passes a bearer token on the command line")
      : [];
  const s = sub?.value;
  if (s === undefined) return readOnly(inv, "prints kubectl usage");
  if (s === null) return runtimeOnly(inv, "kubectl runs a subcommand only known at run time");
  const action = rest[0]?.value;
  if (s === "config") {
    if (["view"].includes(action ?? "")) {
      return rest.some((w) => w.value === "--raw" || w.value === "--flatten")
        ? classed("credentials", inv, "prints kubeconfig credentials")
        : readOnly(inv, "prints kubeconfig (credentials redacted)");
    }
    if (["get-contexts", "current-context", "get-clusters", "get-users"].includes(action ?? ""))
      return readOnly(inv, "reads kubeconfig");
    return classed(
      "credentials",
      inv,
      `kubectl config ${action ?? ""} changes kubeconfig credentials or contexts`,
    );
  }
  if (s === "auth")
    return action === "can-i" || action === "whoami"
      ? readOnly(inv, "checks permissions")
      : classed("infrastructure", inv, "changes cluster RBAC");
  if (s === "rollout" && ["status", "history"].includes(action ?? ""))
    return readOnly(inv, "reads rollout status");
  if (
    s === "get" &&
    rest.some(
      (w) => /^(secrets?|secret\/.+)(,|$)/.test(w.value ?? "") || /(^|,)secrets?(,|$)/.test(w.value ?? ""),
    )
  ) {
    return [...credentialLiteral, ...classed("credentials", inv, "reads Kubernetes secrets")];
  }
  if (s === "create" && action === "token")
    return classed("credentials", inv, "creates a service account token");
  if (KUBECTL_READ.has(s))
    return [...credentialLiteral, ...readOnly(inv, `reads the cluster (${inv.name} ${s})`)];
  if (KUBECTL_INFRA.has(s))
    return [
      ...credentialLiteral,
      ...classed(
        "infrastructure",
        inv,
        `${inv.name} ${s} changes the cluster (flags such as --dry-run never lower it)`,
      ),
    ];
  if (s === "plugin") return readOnly(inv, "lists plugins");
  return unknownPart(inv, `${inv.name} ${s} is not one the policy knows (a plugin?)`);
}

function helmRule(inv: Invocation): Finding[] {
  const { sub, rest } = subcommandOf(inv, [
    "-n",
    "--namespace",
    "--kube-context",
    "--kubeconfig",
    "--registry-config",
    "--repository-config",
    "--repository-cache",
  ]);
  const s = sub?.value;
  if (s === undefined) return readOnly(inv, "prints helm usage");
  if (s === null) return runtimeOnly(inv, "helm runs a subcommand only known at run time");
  const action = rest[0]?.value;
  if (["install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "test"].includes(s))
    return classed("infrastructure", inv, `helm ${s} changes the cluster`);
  if (s === "push") return classed("package-publish", inv, "pushes a chart to a registry");
  if (s === "registry") return classed("credentials", inv, "handles registry credentials");
  if (s === "plugin")
    return action === "list" || action === "ls"
      ? readOnly(inv, "lists plugins")
      : classed("destructive", inv, "installs plugins outside the workspace");
  if (s === "dependency" || s === "dep" || s === "repo") {
    return action === "list" || action === "ls"
      ? readOnly(inv, "lists chart dependencies or repositories")
      : workspaceWrite(inv, `helm ${s} ${action ?? ""} updates charts in the workspace or helm's cache`);
  }
  if (["package", "pull", "fetch", "create"].includes(s))
    return workspaceWrite(inv, `helm ${s} writes charts into the workspace`);
  if (
    [
      "list",
      "ls",
      "status",
      "get",
      "history",
      "hist",
      "show",
      "inspect",
      "template",
      "lint",
      "search",
      "version",
      "env",
      "verify",
      "completion",
      "help",
    ].includes(s)
  ) {
    return readOnly(inv, `reads charts or releases (helm ${s})`);
  }
  return unknownPart(inv, `helm ${s} is not one the policy knows`);
}

function eksctlRule(inv: Invocation): Finding[] {
  const s = inv.args[0]?.value;
  if (s === "get" || s === "info" || s === "version" || s === "help") return readOnly(inv, "reads EKS");
  if (s === "utils" && inv.args[1]?.value === "write-kubeconfig")
    return classed("credentials", inv, "writes cluster credentials into kubeconfig");
  if (s === "utils" && inv.args[1]?.value?.startsWith("describe")) return readOnly(inv, "reads EKS");
  return classed("infrastructure", inv, `eksctl ${s ?? ""} changes EKS resources`);
}

const CLOUD_READ_VERBS =
  /^(list|describe|show|get|get-.+|list-.+|describe-.+|show-.+|info|version|read|tail|logs?|help|exists|query|search|check|wait|validate|view|status|print-settings|get-value|get-iam-policy|topic)$/;
const CLOUD_CREDENTIAL_VERBS =
  /^(login|logout|print-access-token|print-identity-token|get-access-token|get-credentials|activate-service-account|configure-docker|access|get-token)$/;

/**
 * gcloud / az / doctl: groups, then a command verb. The first verb the policy recognises decides: a read verb is
 * read-only, a credential verb is credentials, anything else changes cloud resources.
 */
function groupedCloudCli(tool: string, configGroups: readonly string[]) {
  return (inv: Invocation): Finding[] => {
    const words: string[] = [];
    for (const a of inv.args) {
      if (a.value === null) return runtimeOnly(inv, `${tool} with a word only known at run time (${a.raw})`);
      if (a.value.startsWith("-")) break;
      words.push(a.value);
    }
    if (words.length === 0) return readOnly(inv, `prints ${tool} information`);
    const text = words.join(" ");
    if (
      /\bsecrets?\b.*\b(access|show|download)\b|\bkeyvault secret (show|download)\b|\baks get-credentials\b|\bacr login\b|\bkubernetes cluster kubeconfig\b|\bregistry login\b/.test(
        text,
      )
    ) {
      return classed("credentials", inv, `${tool} ${text} hands out credentials or secrets`);
    }
    if (configGroups.includes(words[0] ?? "")) {
      return ["list", "get", "get-value", "show", "configurations"].some((v) => words.includes(v)) &&
        !words.includes("activate") &&
        !words.includes("create")
        ? readOnly(inv, `reads ${tool} configuration`)
        : classed("credentials", inv, `${tool} ${text} changes local ${tool} configuration or credentials`);
    }
    for (const word of words) {
      if (CLOUD_CREDENTIAL_VERBS.test(word))
        return classed("credentials", inv, `${tool} ${text} handles credentials`);
      if (CLOUD_READ_VERBS.test(word)) return readOnly(inv, `reads cloud resources (${tool} ${text})`);
    }
    return classed("infrastructure", inv, `${tool} ${text} changes cloud resources`);
  };
}

function gsutilRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-o", "-h", "-u"], stopAtPositional: true });
  const s = parsed.positionals[0]?.value;
  const rest = parseArgs(parsed.rest, { valued: ["-p", "-x", "-z", "-j"] }).positionals;
  if (["ls", "cat", "du", "stat", "hash", "version", "help", "ver"].includes(s ?? "help"))
    return readOnly(inv, "reads Cloud Storage");
  if (s === "cp" || s === "mv" || s === "rsync") {
    const destination = rest.at(-1);
    if (destination?.value == null)
      return runtimeOnly(inv, `gsutil ${s} with a destination only known at run time`);
    if (
      destination.value.startsWith("gs://") ||
      (s === "mv" && rest.some((w) => w.value?.startsWith("gs://")))
    )
      return classed("infrastructure", inv, `gsutil ${s} writes to Cloud Storage`);
    return writesPaths(inv, ctx, [destination], "write", "downloads into the workspace");
  }
  if (s === "signurl") return classed("credentials", inv, "creates a signed URL");
  return classed("infrastructure", inv, `gsutil ${s ?? ""} changes Cloud Storage`);
}

function serverlessRule(inv: Invocation): Finding[] {
  const { sub, rest } = subcommandOf(inv, [
    "--stage",
    "-s",
    "--region",
    "-r",
    "--aws-profile",
    "--config",
    "-c",
    "--function",
    "-f",
  ]);
  const s = sub?.value;
  const action = rest.find((w) => w.value !== null && !w.value.startsWith("-"))?.value;
  if (s === undefined || s === "--version" || s === "help")
    return readOnly(inv, "prints serverless information");
  if (s === null) return runtimeOnly(inv, "serverless runs a subcommand only known at run time");
  if (s === "invoke" && action === "local") return workspaceWrite(inv, "invokes a function locally");
  if (s === "config" && action === "credentials")
    return classed("credentials", inv, "stores provider credentials");
  if (s === "login" || s === "logout") return classed("credentials", inv, "handles dashboard credentials");
  if (["info", "logs", "print", "metrics", "doctor"].includes(s))
    return readOnly(inv, `reads the service (serverless ${s})`);
  if (["package", "offline", "create", "plugin", "install"].includes(s))
    return workspaceWrite(inv, `serverless ${s} works in the workspace`);
  return classed("infrastructure", inv, `serverless ${s} changes cloud resources`);
}

/** Hosting CLIs: deploys are infrastructure, local dev servers and builds are workspace-write. */
function hostingCli(
  tool: string,
  local: readonly string[],
  reads: readonly string[],
  credentials: readonly string[],
  defaultDeploys: boolean,
) {
  return (inv: Invocation): Finding[] => {
    const sub = inv.args.find((a) => a.value === null || !a.value.startsWith("-"));
    if (sub === undefined) {
      if (
        inv.args.some(
          (a) => a.value === "--version" || a.value === "-v" || a.value === "--help" || a.value === "-h",
        )
      )
        return readOnly(inv, `prints ${tool} information`);
      return defaultDeploys
        ? classed("infrastructure", inv, `${tool} with no command deploys`)
        : readOnly(inv, `prints ${tool} usage`);
    }
    if (sub.value === null) return runtimeOnly(inv, `${tool} runs a command only known at run time`);
    const s = sub.value;
    const head = s.split(":")[0] ?? s;
    if (credentials.includes(s) || credentials.includes(head))
      return classed("credentials", inv, `${tool} ${s} handles credentials or secrets`);
    if (local.includes(s) || local.includes(head))
      return workspaceWrite(inv, `${tool} ${s} works locally in the workspace`);
    if (reads.includes(s) || reads.includes(head) || /:(list|get|info|log|logs)$/.test(s))
      return readOnly(inv, `reads the service (${tool} ${s})`);
    return classed("infrastructure", inv, `${tool} ${s} changes a hosted service`);
  };
}

function secretsCli(inv: Invocation): Finding[] {
  const s = inv.args[0]?.value;
  if (s === "status" || s === "version" || s === "--version" || s === "-v")
    return readOnly(inv, `prints ${inv.name} status`);
  return classed("credentials", inv, `${inv.name} reads or writes secrets`);
}

const fly = hostingCli(
  "fly",
  ["version"],
  [
    "status",
    "logs",
    "list",
    "ls",
    "info",
    "doctor",
    "dashboard",
    "help",
    "releases",
    "checks",
    "regions",
    "platform",
  ],
  ["auth", "secrets", "tokens", "ssh"],
  false,
);

export const cloudRules: RuleTable = {
  aws: awsRule,
  awslocal: awsRule,
  sam: samRule,
  samlocal: samRule,
  cdk: cdkRule,
  cdklocal: cdkRule,
  terraform: terraformRule,
  tofu: terraformRule,
  tflocal: terraformRule,
  terragrunt: terraformRule,
  pulumi: pulumiRule,
  kubectl: kubectlRule,
  oc: kubectlRule,
  helm: helmRule,
  eksctl: eksctlRule,
  gcloud: groupedCloudCli("gcloud", ["config"]),
  az: groupedCloudCli("az", ["config", "account"]),
  doctl: groupedCloudCli("doctl", ["auth"]),
  gsutil: gsutilRule,
  serverless: serverlessRule,
  sls: serverlessRule,
  firebase: hostingCli(
    "firebase",
    ["emulators", "serve", "init", "setup", "use", "experiments", "target"],
    ["projects", "apps", "open", "help"],
    ["login", "logout", "functions:config", "functions:secrets", "apphosting:secrets"],
    false,
  ),
  vercel: hostingCli(
    "vercel",
    ["dev", "build", "link", "init"],
    ["ls", "list", "inspect", "logs", "whoami", "help", "project", "teams", "domains", "dns", "certs"],
    ["login", "logout", "pull", "env"],
    true,
  ),
  vc: hostingCli(
    "vercel",
    ["dev", "build", "link", "init"],
    ["ls", "list", "inspect", "logs", "whoami", "help", "project", "teams"],
    ["login", "logout", "pull", "env"],
    true,
  ),
  netlify: hostingCli(
    "netlify",
    ["dev", "build", "serve", "init", "functions:build", "functions:serve", "functions:create"],
    ["status", "logs", "sites:list", "watch", "open", "help", "functions:list"],
    ["login", "logout", "env", "link"],
    false,
  ),
  ntl: hostingCli(
    "netlify",
    ["dev", "build", "serve", "init"],
    ["status", "logs", "sites:list", "watch", "open", "help"],
    ["login", "logout", "env", "link"],
    false,
  ),
  wrangler: hostingCli(
    "wrangler",
    ["dev", "build", "types", "init", "generate", "docs"],
    ["whoami", "tail", "help"],
    ["login", "logout", "secret", "secrets-store"],
    false,
  ),
  fly,
  // The same program under its other name.
  flyctl: fly,
  heroku: hostingCli(
    "heroku",
    ["local"],
    [
      "logs",
      "apps",
      "ps",
      "releases",
      "addons",
      "domains",
      "info",
      "status",
      "version",
      "help",
      "whoami",
      "regions",
      "stack",
    ],
    ["login", "logout", "auth", "config", "authorizations"],
    false,
  ),
  amplify: hostingCli(
    "amplify",
    ["mock", "codegen", "add", "update", "remove", "configure-project"],
    ["status", "env", "help", "version", "console"],
    ["configure"],
    false,
  ),
  copilot: hostingCli(
    "copilot",
    ["init-local"],
    ["ls", "show", "status", "logs", "version", "help", "docs"],
    ["secret"],
    false,
  ),
  railway: hostingCli(
    "railway",
    ["run", "init", "link"],
    ["status", "logs", "list", "whoami", "help", "open"],
    ["login", "logout", "variables"],
    false,
  ),
  packer: hostingCli(
    "packer",
    ["validate", "fmt", "init", "inspect", "console", "hcl2_upgrade", "plugins"],
    ["version"],
    [],
    false,
  ),
  "ansible-playbook": (inv) =>
    inv.args.some(
      (a) => a.value === "--syntax-check" || a.value === "--list-tasks" || a.value === "--list-hosts",
    )
      ? readOnly(inv, "checks a playbook")
      : classed("infrastructure", inv, "runs a playbook against hosts"),
  ansible: (inv) => classed("infrastructure", inv, "runs ad-hoc tasks on hosts"),
  vault: secretsCli,
  op: secretsCli,
  pass: secretsCli,
  gopass: secretsCli,
  bw: secretsCli,
  lpass: secretsCli,
  "aws-vault": (inv) => classed("credentials", inv, "hands out AWS credentials"),
  "secret-tool": secretsCli,
  security: (inv) =>
    inv.args.some((a) =>
      /password|identity|certificate|keychain|import|export|add-|delete-/.test(a.value ?? ""),
    )
      ? classed("credentials", inv, "reads or writes the keychain")
      : readOnly(inv, "reads security settings"),
};
