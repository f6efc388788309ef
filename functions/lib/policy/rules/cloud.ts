import type { Call, Level, ToolSpec } from "../spec.ts";
import { hasOption, writes } from "./logic.ts";

/**
 * aws: `aws SERVICE OPERATION`. Operations are named by verb, so the verb is the table (the one place the policy
 * reads a name rather than looking it up): describe/get/list read; secrets and credentials are credentials;
 * `test-*` verbs and `--cli-input-*` run what the person cannot see; anything else changes infrastructure.
 */
const AWS_READ =
  /^(describe|get|list|head|batch-get|lookup|search|filter|estimate|validate|check|detect|simulate|preview|view|query|scan|select|tail|wait|help|decode)(-|$)/;
const AWS_SECRET =
  /^(get-secret-value|get-parameters?|get-parameters-by-path|get-session-token|get-federation-token|assume-role.*|get-credentials.*|get-login-password|get-authorization-token|create-access-key|decrypt|generate-data-key.*|get-role-credentials|export-credentials|get-password-data)$/;

function awsLogic(call: Call): void {
  const [service, operation] = call.operands;
  if (service === undefined) {
    call.find("read-only", "prints aws usage");
    return;
  }
  if (service.value === null || operation?.value === null) {
    call.find("unknown", "aws runs a service or operation only known at run time");
    return;
  }
  if (hasOption(call, "--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton")) {
    call.find("unknown", "aws reads its parameters from input the policy cannot see");
  }
  for (const o of call.options)
    if (/^--(outfile|output-file)$/.test(o.name) && o.value) writes(call, o.value, "write");
  const op = operation?.value ?? "";
  const s = service.value;
  if (
    s === "configure" ||
    s === "sso" ||
    s === "login" ||
    (s === "ecr" && op.startsWith("get-login")) ||
    AWS_SECRET.test(op)
  ) {
    call.find("credentials", `aws ${s} ${op} reads or changes credentials`);
    return;
  }
  if (s === "sts" && op === "get-caller-identity") {
    call.find("read-only", "reads the caller identity");
    return;
  }
  if (s === "s3") {
    if (/^(ls|presign)$/.test(op)) {
      call.find(op === "presign" ? "credentials" : "read-only", `aws s3 ${op}`);
      return;
    }
    const remoteDest = call.operands.at(-1)?.value?.startsWith("s3://");
    if (/^(cp|mv|sync)$/.test(op) && !remoteDest) {
      for (const w of call.operands.slice(-1)) writes(call, w, "write");
      return;
    }
    call.find("infrastructure", `aws s3 ${op} changes buckets`);
    return;
  }
  if (/^test-/.test(op)) {
    call.find("unknown", `aws ${s} ${op} invokes or runs something on AWS`);
    return;
  }
  if (AWS_READ.test(op)) {
    call.find("read-only", `reads AWS (aws ${s} ${op})`);
    return;
  }
  call.find("infrastructure", `aws ${s} ${op} changes AWS resources`);
}

const aws: ToolSpec = {
  names: "aws awslocal",
  anyOption: true,
  options: "--cli-input-json|--cli-input-yaml= --profile|--region|--output|--query|--endpoint-url|--outfile=",
  logic: awsLogic,
  examples: {
    allow: ["aws sts get-caller-identity", "aws s3 ls s3://bucket", "aws lambda list-functions"],
    approve: [
      "aws s3 rm s3://b --recursive",
      "aws secretsmanager get-secret-value --secret-id x",
      "aws lambda invoke --cli-input-json file://x.json",
      "aws ec2 run-instances",
      "aws apigateway test-invoke-method",
    ],
  },
};

/** kubectl and oc: reads are read-only except secrets (by any spelling) and raw API paths; everything else changes the cluster. */
const kubeRead: Level = {
  class: "read-only",
  detail: "reads the cluster",
  anyOption: true,
  options: "--raw=!unknown",
  logic: (call) => {
    if (
      call.operands.some(
        (w) =>
          w.value === null ||
          /(^|,|\/)(secrets?|secret\.v1|secrets\.v1\.?|sealedsecrets?)(\.|,|\/|$)/i.test(w.value),
      )
    ) {
      call.find("credentials", "reads Kubernetes secrets");
    }
    if (
      call.options.some(
        (o) => /^-o|--output$/.test(o.name) && /jsonpath|go-template|yaml|json/.test(o.value?.value ?? ""),
      ) &&
      call.operands.some((w) => w.value === "all")
    ) {
      call.find("credentials", "prints every resource, secrets included");
    }
  },
};

const kubectl: ToolSpec = {
  names: "kubectl oc",
  default: "read-only",
  anyOption: true,
  options: "--kubeconfig=read --context|--namespace|-n|--cluster|--user= --token=!credentials",
  subcommands: {
    "get describe explain logs top api-resources api-versions version cluster-info events diff": kubeRead,
    "config auth": { class: "credentials", anyOption: true },
    "exec cp attach port-forward proxy debug run": {
      class: "infrastructure",
      detail: "runs or reaches into the cluster",
      anyOption: true,
    },
    rollout: {
      default: "read-only",
      anyOption: true,
      subcommands: { "status history": { class: "read-only", detail: "reads a rollout", anyOption: true } },
      otherwise: { class: "infrastructure", detail: "changes the cluster", anyOption: true },
    },
    "apply create delete patch replace edit scale set label annotate expose autoscale drain cordon uncordon taint certificate kustomize wait":
      { class: "infrastructure", detail: "changes the cluster", anyOption: true },
  },
  examples: {
    allow: ["kubectl get pods -n app", "kubectl logs deploy/api", "kubectl rollout status deploy/api"],
    approve: [
      "kubectl get secrets",
      "kubectl get secret/x -o yaml",
      "kubectl get --raw /api/v1/namespaces/x/secrets",
      "kubectl apply --dry-run=client -f x.yaml",
      "kubectl rollout restart deploy/api",
    ],
  },
};

const helm: ToolSpec = {
  names: "helm",
  default: "read-only",
  anyOption: true,
  subcommands: {
    "list ls status history get show template lint version help search env dependency verify": {
      class: "read-only",
      anyOption: true,
    },
    "install upgrade uninstall delete rollback test push package repo plugin registry pull": {
      class: "infrastructure",
      anyOption: true,
    },
  },
  examples: {
    allow: ["helm template chart", "helm lint chart"],
    approve: ["helm upgrade --install x chart"],
  },
};

const prepares = {
  class: "workspace-write",
  detail: "reads or prepares infrastructure code",
  anyOption: true,
} as const;
const changes = {
  class: "infrastructure",
  detail: "changes infrastructure or its state",
  anyOption: true,
} as const;

const terraform: ToolSpec = {
  names: "terraform tofu tflocal terragrunt pulumi sam samlocal serverless sls packer eksctl",
  default: "read-only",
  anyOption: true,
  options: "-chdir|--cwd=cwd",
  subcommands: {
    "validate fmt version providers graph show plan synth diff list ls doctor metadata docs build preview stack config init get console output":
      prepares,
    "apply destroy import taint untaint refresh deploy remove up down rm bootstrap publish create delete login logout force-unlock workspace run-all":
      changes,
    // `terraform state list|show`, `sam local invoke`, `sls invoke local`: reads and local emulation.
    state: {
      default: "read-only",
      subcommands: { "list show pull": "read-only", "mv rm push replace-provider": changes },
    },
    local: { class: "workspace-write", detail: "runs functions in local emulation", anyOption: true },
    invoke: {
      default: changes,
      anyOption: true,
      subcommands: {
        local: { class: "workspace-write", detail: "runs a function locally", anyOption: true },
      },
      otherwise: changes,
    },
    logs: { class: "read-only", detail: "reads logs", anyOption: true },
  },
  examples: {
    allow: [
      "terraform validate",
      "terraform plan",
      "terraform -chdir=infra plan",
      "terraform state list",
      "sam local invoke",
    ],
    approve: ["terraform apply -auto-approve", "pulumi up", "terraform state rm x", "sls invoke -f x"],
  },
};

/** AWS CDK: `--app` is the command that synthesizes, run as shell text. */
const cdk: ToolSpec = {
  names: "cdk cdklocal",
  default: "read-only",
  anyOption: true,
  options: "-a|--app=shell --build=shell -o|--output=write --plugin=!unknown",
  globalOptions: true,
  subcommands: {
    "synth synthesize diff ls list doctor metadata docs init context notices acknowledge ack version":
      prepares,
    "deploy destroy bootstrap import migrate watch gc rollback refactor drift": changes,
  },
  examples: {
    allow: ["cdk synth", "npx cdk diff MyStack", "cdk synth --app 'npx tsx bin/app.ts'"],
    approve: ["cdk deploy", "cdk synth --app 'git push'", "cdk destroy -f"],
  },
};

/** Cloud and platform CLIs: reads by verb, credentials by verb, anything else changes something remote. */
const CLOUD_READ =
  /^(list|describe|show|get|info|version|read|tail|logs?|help|exists|query|search|check|wait|validate|view|status|whoami)(-|$)/;
const CLOUD_CREDENTIALS =
  /^(login|logout|print-access-token|print-identity-token|get-access-token|get-credentials|activate-service-account|configure-docker|access|get-token|auth|token|secrets?|env|kv|read|item|unlock|exec|lookup)$/;

const platforms: ToolSpec = {
  names: `gcloud az doctl gsutil firebase vercel vc netlify ntl wrangler fly flyctl heroku amplify copilot railway ansible-playbook
    ansible vault op pass gopass bw lpass aws-vault secret-tool security kind minikube k3d`,
  anyOption: true,
  logic: (call) => {
    const words = call.operands.map((w) => w.value);
    if (words.some((w) => w === null)) {
      call.find("unknown", `${call.inv.name} with a word only known at run time`);
      return;
    }
    const secretStore = /^(vault|op|pass|gopass|bw|lpass|aws-vault|secret-tool|security)$/.test(
      call.inv.name,
    );
    if (secretStore || words.some((w) => CLOUD_CREDENTIALS.test(w as string))) {
      call.find("credentials", `${call.inv.name} reads or changes credentials`);
      return;
    }
    // Local development servers and emulators: `wrangler dev`, `firebase emulators:start`, `netlify dev`.
    if (!secretStore && /^(dev|emulators:start|serve)$/.test(words[0] ?? "")) {
      call.find("workspace-write", `${call.inv.name} ${words[0]} runs a local development server`);
      return;
    }
    if (words.some((w) => CLOUD_READ.test(w as string))) {
      call.find("read-only", `reads with ${call.inv.name}`);
      return;
    }
    call.find("infrastructure", `${call.inv.name} ${words.slice(0, 2).join(" ")} changes remote resources`);
  },
  examples: {
    allow: ["gcloud config list", "wrangler dev", "firebase emulators:start"],
    approve: ["gcloud run deploy x", "vercel --prod", "vault kv get secret/x"],
  },
};

/** Containers: builds and reads are local; runs with host mounts, host namespaces or privileges reach the machine. */
function containerRun(call: Call): void {
  for (const { written: name, value } of call.options) {
    const o = { name };
    const v = value?.value;
    if (
      o.name === "--privileged" ||
      o.name === "--cap-add" ||
      o.name === "--security-opt" ||
      o.name === "--device"
    ) {
      call.find("destructive", `${o.name} gives the container the machine's privileges`);
    }
    if (/^--(network|net|pid|ipc|uts|userns|cgroupns)$/.test(o.name) && (v === null || v === "host")) {
      call.find("destructive", `${o.name}=${v ?? "?"} shares the machine's namespace`);
    }
    if (/^(-v|--volume|--mount)$/.test(o.name)) {
      const source =
        v == null ? null : (/^(?:type=bind,)?(?:source|src)=([^,]+)/.exec(v)?.[1] ?? v.split(":")[0] ?? null);
      if (source === null) call.find("unknown", "mounts a path only known at run time");
      else if (/^[/~.]/.test(source)) writes(call, { value: source, raw: v ?? "" }, "write");
    }
  }
}

const runOptions = `-v|--volume|--mount|--network|--net|--pid|--ipc|--uts|--userns|--cgroupns|--cap-add|--security-opt|--device=
  --privileged -e|--env|--env-file|--name|-w|--workdir|-p|--publish|--entrypoint|-u|--user|--platform|--label|-l|--memory|-m|--cpus|--add-host|--pull|--restart|--shm-size|--tmpfs|--ulimit|--hostname|-h=
  --rm -d|--detach -i|--interactive -t|--tty --init -q|--quiet`;

/** `docker compose` and `docker-compose`: services of the project's compose file, run like `docker run`. */
const compose: Level = {
  default: { class: "workspace-write", detail: "manages the project's containers" },
  anyOption: true,
  options: "-f|--file|--env-file=read -p|--project-name|--profile|--project-directory=",
  loads: "compose.yaml compose.yml docker-compose.yml docker-compose.yaml",
  subcommands: {
    "ps config logs images ls version top port events": { class: "read-only", anyOption: true },
    "up down build start stop restart rm pull create kill pause unpause wait watch scale": {
      class: "workspace-write",
      detail: "manages the project's containers",
      anyOption: true,
    },
    "run exec": {
      class: "workspace-write",
      detail: "runs a command in a service container",
      options: runOptions,
      stopOptions: true,
      logic: containerRun,
    },
    cp: { class: "workspace-write", anyOption: true },
    push: "package-publish",
  },
};

const docker: ToolSpec = {
  names: "docker podman nerdctl finch",
  default: "read-only",
  anyOption: true,
  options: "-H|--host|--context=!infrastructure --config=!credentials",
  subcommands: {
    "ps images inspect logs version info top stats diff history events port search": {
      class: "read-only",
      anyOption: true,
    },
    "build buildx": {
      class: "workspace-write",
      detail: "builds an image",
      anyOption: true,
      options: "--push!package-publish -o|--output=write",
    },
    "run create": {
      class: "workspace-write",
      detail: "runs a container",
      options: runOptions,
      stopOptions: true,
      logic: containerRun,
    },
    compose: compose,
    system: {
      default: "read-only",
      anyOption: true,
      subcommands: {
        "df info events": { class: "read-only", anyOption: true },
        prune: {
          class: "workspace-write",
          detail: "removes unused local containers, images and caches",
          anyOption: true,
        },
      },
    },
    "exec start stop restart kill rm rmi pull tag wait pause unpause rename prune image container volume network save load cp commit attach":
      {
        class: "workspace-write",
        detail: "manages local containers",
        anyOption: true,
        logic: containerRun,
        options: runOptions,
      },
    "push manifest trust": "package-publish",
    "login logout secret": "credentials",
    "swarm service stack node plugin context": { class: "destructive", anyOption: true },
  },
  examples: {
    allow: [
      "docker build -t app .",
      "docker ps",
      "docker run --rm app npm test",
      "docker compose down -v",
      "docker system prune -af",
      "docker compose up -d db",
    ],
    approve: [
      "docker run -v /:/host alpine sh",
      "docker run --privileged alpine",
      "docker run --network host alpine",
      "docker push x",
      "docker run --pid=host alpine",
      "docker compose run -v /:/host app sh",
      "docker compose push",
    ],
  },
};

const dockerCompose: ToolSpec = {
  ...compose,
  names: "docker-compose podman-compose",
  examples: {
    allow: ["docker-compose up -d db", "docker-compose down -v"],
    approve: ["docker-compose push"],
  },
};

const containerTools: ToolSpec = {
  names: "buildah crane skopeo",
  default: "read-only",
  anyOption: true,
  subcommands: {
    "ps config logs images ls version top inspect digest manifest": "read-only",
    "build run bud from rm pull": { class: "workspace-write", anyOption: true },
    "push copy append mutate": "package-publish",
    "login logout": "credentials",
  },
  examples: { allow: ["buildah bud -t x ."], approve: ["crane push x y"] },
};

/** GitHub and GitLab CLIs: reads read-only; writes to the host are vcs-remote; releases publish; tokens are credentials. */
const ghApi: Level = {
  class: "read-only",
  detail: "calls the host's API",
  options: `-X|--method= -f|--raw-field|-F|--field|--input=!vcs-remote -H|--header= --jq|-q|--template|-t= --paginate
    -i|--include --silent --cache= --hostname= -p|--preview= --verbose --slurp`,
  logic: (call) => {
    const method = call.options.find((o) => o.name === "-X")?.value;
    if (method !== undefined && (method.value === null || !/^GET$/i.test(method.value)))
      call.find("vcs-remote", `sends a ${method.raw} request`);
    const fields = call.options
      .filter((o) => o.name === "-f" || o.name === "-F")
      .map((o) => o.value?.value ?? null);
    if (
      call.operands[0]?.value === "graphql" &&
      fields.some((f) => f === null || /mutation|^[^=]*=@/is.test(f))
    ) {
      call.find("vcs-remote", "sends a GraphQL mutation or a field read from a file");
    }
    if (call.operands[0]?.value === null) call.find("unknown", "calls an API path only known at run time");
  },
};

const ghRead: Level = {
  class: "read-only",
  detail: "reads the hosting service",
  anyOption: true,
  options: "-D|--dir|-O|--output=write",
};
const ghWrite: Level = { class: "vcs-remote", detail: "changes the hosting service", anyOption: true };

const gh: ToolSpec = {
  names: "gh glab hub",
  default: "read-only",
  options: "-R|--repo= --hostname=",
  subcommands: {
    "pr issue mr": {
      default: "read-only",
      subcommands: {
        "view list status diff checks": ghRead,
        "checkout co": { class: "workspace-write", anyOption: true },
      },
      otherwise: ghWrite,
    },
    "run workflow release": {
      default: "read-only",
      subcommands: {
        "view list watch": ghRead,
        download: ghRead,
        "create upload": {
          class: "vcs-remote",
          detail: "creates a release and its tag on the host",
          anyOption: true,
          options: "-F|--notes-file=read",
          logic: (call) => call.find("package-publish", "publishes a release"),
        },
      },
      otherwise: ghWrite,
    },
    repo: {
      default: "read-only",
      subcommands: { "view list": ghRead, clone: { class: "workspace-write", anyOption: true } },
      otherwise: ghWrite,
    },
    api: ghApi,
    "auth secret variable ssh-key gpg-key": "credentials",
    "status search browse help version": ghRead,
    "gist label project codespace extension alias config cache ruleset": ghWrite,
  },
  examples: {
    allow: ["gh pr view 12", "gh run list", "gh api repos/o/r/pulls", "gh run download 1 -D /tmp/art"],
    approve: [
      "gh pr merge 12",
      "gh api -X POST repos/o/r/issues",
      "gh api graphql -f query='mutation { x }'",
      "gh api graphql -F q=@x.graphql",
      "gh run download 1 --dir /etc",
      "gh auth token",
      "gh release create v1",
    ],
  },
};

export const cloudSpecs: readonly ToolSpec[] = [
  aws,
  kubectl,
  helm,
  terraform,
  cdk,
  platforms,
  docker,
  dockerCompose,
  containerTools,
  gh,
];
