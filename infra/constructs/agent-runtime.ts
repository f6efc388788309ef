import { Annotations, Aws, CfnParameter, Duration, Stack } from "aws-cdk-lib";
import * as agentcore from "aws-cdk-lib/aws-bedrockagentcore";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { DEFAULT_MOUNT_PATH } from "#lib/settings.ts";
import { acknowledge, acknowledgeWildcardResource } from "../nag.ts";
import { DEFAULT_EGRESS, type EgressMode } from "./egress.ts";
import { PackageMirror } from "./package-mirror.ts";
import { SESSION_SUBNET_GROUP, SessionNetwork } from "./session-network.ts";

/** Session storage must sit exactly one level under /mnt (AgentCore `SessionStorageConfiguration`). */
const MOUNT_PATH_PATTERN = /^\/mnt\/[a-zA-Z0-9._-]+\/?$/;
const RUNTIME_ARN_PATTERN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/;
const RUNTIME_ARN_PARAMETER_PATTERN =
  "^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z0-9_-]+$";
const ECR_IMAGE_URI_PATTERN =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

export interface RepairRuntimeProps {
  /**
   * Use this existing runtime (context `runtimeArn`).
   * @default - create one from `agentImageUri`, or else take the ARN as the `AgentRuntimeArn` stack parameter
   */
  readonly runtimeArn?: string;
  /**
   * Create the runtime from this ECR image of `samples/agent` (context `agentImageUri`). Building the image needs
   * Docker, which synthesis must not, so the image is built and pushed beforehand.
   * @default - no runtime is created
   */
  readonly agentImageUri?: string;
  /**
   * Where session storage is mounted; the workspace lives below it.
   * @default "/mnt/workspace"
   */
  readonly mountPath?: string;
  /**
   * @default Duration.minutes(15)
   */
  readonly idleSessionTimeout?: Duration;
  /**
   * @default Duration.hours(8)
   */
  readonly maxLifetime?: Duration;
  /**
   * The Bedrock model or inference profile the sample agent uses (its AGENT_MODEL_ID).
   * @default - none: the agent's own default applies
   */
  readonly agentModelId?: string;
  /**
   * Models the agent may invoke (foundation model or inference profile ARNs); no wildcard model.
   * @default - derived from agentModelId (an inference profile and the foundation model it routes to), or no
   * model at all when neither is given (the sample agent's replay mode)
   */
  readonly agentModelArns?: readonly string[];
  /**
   * Let the agent invoke every foundation model and inference profile (context `allowAnyModel=true`): the only
   * way to get a wildcard model grant.
   * @default false
   */
  readonly allowAnyModel?: boolean;
  /**
   * The session's network posture when the stack creates the runtime (context `egress`); see egress.ts.
   * @default "isolated"
   */
  readonly egress?: EgressMode;
  /**
   * Hosts `egress=allow-list` lets through.
   * @default defaultEgressAllowList(region)
   */
  readonly egressAllowList?: readonly string[];
}

/**
 * The AgentCore Runtime the repair runs in: an existing one, one created here from a pushed image (with session
 * storage at the mount path), or one named at deploy time through a stack parameter. Every grant on it is scoped to
 * the runtime's ARN and its endpoints (`${arn}/*`, i.e. `runtime-endpoint/DEFAULT` and named endpoints).
 */
export class RepairRuntime extends Construct {
  readonly runtimeArn: string;
  readonly mountPath: string;
  /** Present when this stack creates the runtime. */
  readonly runtime?: agentcore.Runtime;
  /** The network posture of a runtime this stack creates (undefined for one it does not create). */
  readonly egress?: EgressMode;
  /** The created runtime's package mirror, network (unless public) and execution role. */
  packages?: PackageMirror;
  network?: SessionNetwork;
  executionRole?: iam.Role;

  constructor(scope: Construct, id: string, props: RepairRuntimeProps = {}) {
    super(scope, id);
    this.mountPath = props.mountPath ?? DEFAULT_MOUNT_PATH;
    if (!MOUNT_PATH_PATTERN.test(this.mountPath) || this.mountPath.length > 200) {
      throw new Error(
        `mountPath is "${this.mountPath}"; session storage must be mounted one level under /mnt ` +
          "(/mnt/[a-zA-Z0-9._-]+, at most 200 characters)",
      );
    }
    if (props.runtimeArn !== undefined && props.agentImageUri !== undefined) {
      throw new Error(
        "Give either runtimeArn (use an existing runtime) or agentImageUri (create one), not both",
      );
    }

    if (props.agentImageUri === undefined) {
      for (const key of ["egress", "egressAllowList", "allowAnyModel", "agentModelArns"] as const) {
        if (props[key] !== undefined) {
          throw new Error(
            `${key} applies to a runtime this stack creates (agentImageUri); an existing runtime keeps its own ` +
              "network and role",
          );
        }
      }
    }
    if (props.agentImageUri !== undefined) this.egress = props.egress ?? DEFAULT_EGRESS;
    if (props.egressAllowList !== undefined && this.egress !== "allow-list") {
      throw new Error(`egressAllowList is only used with egress=allow-list (egress is ${this.egress})`);
    }

    if (props.runtimeArn !== undefined) {
      if (!RUNTIME_ARN_PATTERN.test(props.runtimeArn)) {
        throw new Error(
          `runtimeArn is "${props.runtimeArn}"; expected arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>`,
        );
      }
      this.runtimeArn = props.runtimeArn;
    } else if (props.agentImageUri !== undefined) {
      this.runtime = this.createRuntime(props.agentImageUri, props);
      this.runtimeArn = this.runtime.agentRuntimeArn;
    } else {
      const parameter = new CfnParameter(Stack.of(this), "AgentRuntimeArn", {
        type: "String",
        description:
          "ARN of the AgentCore Runtime the repair runs in (arn:aws:bedrock-agentcore:...:runtime/<id>)",
        allowedPattern: RUNTIME_ARN_PARAMETER_PATTERN,
        constraintDescription: "must be an AgentCore Runtime ARN",
      });
      this.runtimeArn = parameter.valueAsString;
    }
  }

  /** The runtime and all its endpoints. */
  get resourceArns(): string[] {
    return [this.runtimeArn, this.endpointsArn];
  }

  private get endpointsArn(): string {
    return `${this.runtimeArn}/*`;
  }

  /** InvokeAgentRuntimeCommand: run shell commands in a session. Grant it to one role only. */
  grantRunCommands(role: iam.Role): void {
    this.grantOnRuntime(role, ["bedrock-agentcore:InvokeAgentRuntimeCommand"]);
  }

  /** InvokeAgentRuntime: call the agent's /invocations. */
  grantInvokeAgent(role: iam.Role): void {
    this.grantOnRuntime(role, ["bedrock-agentcore:InvokeAgentRuntime"]);
  }

  /** StopRuntimeSession: end the session so its storage is flushed. */
  grantStopSession(role: iam.Role): void {
    this.grantOnRuntime(role, ["bedrock-agentcore:StopRuntimeSession"]);
  }

  private grantOnRuntime(role: iam.Role, actions: string[]): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: this.resourceArns }));
    acknowledgeWildcardResource(
      role,
      this.endpointsArn,
      "Scoped to this one runtime: `${runtimeArn}/*` matches only its endpoints (runtime-endpoint/DEFAULT and " +
        "named endpoints), which AgentCore authorizes calls against alongside the runtime ARN.",
    );
  }

  private createRuntime(imageUri: string, props: RepairRuntimeProps): agentcore.Runtime {
    const image = ECR_IMAGE_URI_PATTERN.exec(imageUri);
    if (!image) {
      throw new Error(
        `agentImageUri is "${imageUri}"; expected <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> ` +
          "or @sha256:<digest>",
      );
    }
    const [, account, region, chinaSuffix, repositoryName] = image;
    const stack = Stack.of(this);
    const runtimeName = runtimeNameFor(stack.stackName);
    const partition = chinaSuffix ? "aws-cn" : "aws";
    const repositoryArn = `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`;
    const modelArns = agentModelArns(props);
    // The runtime's log groups are named `/aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint>`, and the id
    // is `<runtime name>-<suffix>`: runtime names have no hyphen, so this prefix matches this runtime only.
    const logGroupPrefix = `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:/aws/bedrock-agentcore/runtimes/${runtimeName}-*`;
    const logResourceArns = [logGroupPrefix, `${logGroupPrefix}:log-stream:*`];

    const egress = this.egress ?? DEFAULT_EGRESS;
    this.packages = new PackageMirror(this, "Packages");
    if (egress !== "public") {
      this.network = new SessionNetwork(this, "Network", {
        mode: egress,
        modelArns,
        imageRepositoryArn: repositoryArn,
        logResourceArns,
        packages: this.packages,
        ...(props.egressAllowList ? { allowList: props.egressAllowList } : {}),
      });
    }

    const executionRole = new iam.Role(this, "ExecutionRole", {
      assumedBy: new iam.ServicePrincipal("bedrock-agentcore.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "bedrock-agentcore",
              resource: "runtime",
              resourceName: `${runtimeName}*`,
            }),
          },
        },
      }),
      description: "agentcore-repair runtime: its model, its image, its logs, package reads; nothing else",
      maxSessionDuration: Duration.hours(8),
      // Inline, so the runtime (which depends on the role) never starts before its rights exist.
      inlinePolicies: {
        Session: new iam.PolicyDocument({
          statements: runtimeRoleStatements(repositoryArn, modelArns, logResourceArns, this.packages),
        }),
      },
    });
    this.executionRole = executionRole;

    const runtime = new agentcore.Runtime(this, "Runtime", {
      runtimeName,
      description:
        "agentcore-repair agent: reasons and edits; commands run through InvokeAgentRuntimeCommand",
      agentRuntimeArtifact: agentcore.AgentRuntimeArtifact.fromImageUri(imageUri),
      // The L2 adds its own defaults (log groups by prefix, X-Ray, metrics, workload identity) to the role it is
      // given: handed an immutable view, it adds nothing, and the role holds exactly runtimeRoleStatements().
      executionRole: executionRole.withoutPolicyUpdates(),
      networkConfiguration: this.network
        ? agentcore.RuntimeNetworkConfiguration.usingVpc(this, {
            vpc: this.network.vpc,
            vpcSubnets: { subnetGroupName: SESSION_SUBNET_GROUP },
            securityGroups: [this.network.securityGroup],
          })
        : agentcore.RuntimeNetworkConfiguration.usingPublicNetwork(),
      lifecycleConfiguration: {
        idleRuntimeSessionTimeout: props.idleSessionTimeout ?? Duration.minutes(15),
        maxLifetime: props.maxLifetime ?? Duration.hours(8),
      },
      // The sample agent confines its file tools to AGENT_WORKSPACE_ROOT: the session storage. npm and pip find
      // the package mirror from the rest (the image's registry-token.mjs mints the token).
      environmentVariables: {
        AGENT_WORKSPACE_ROOT: this.mountPath,
        ...(props.agentModelId ? { AGENT_MODEL_ID: props.agentModelId } : {}),
        // In public mode npm and pip keep their public registries (they work there without a token).
        ...this.packages.environment(egress !== "public"),
      },
    });
    // The L2 construct has no session-storage prop yet: set it on the CloudFormation resource.
    (runtime.node.defaultChild as agentcore.CfnRuntime).filesystemConfigurations = [
      { sessionStorage: { mountPath: this.mountPath } },
    ];
    if (egress === "public") {
      Annotations.of(runtime).addWarningV2(
        "agentcore-repair:PublicEgress",
        "egress=public: the runtime has AgentCore's public network, so any command in a session can reach any " +
          "host (one curl exfiltrates the workspace). Use egress=isolated (the default) or egress=allow-list.",
      );
    }
    this.acknowledgeExecutionRole(executionRole, modelArns, logResourceArns);
    return runtime;
  }

  /** The execution role's wildcards, each with why it cannot be narrower. */
  private acknowledgeExecutionRole(
    role: iam.Role,
    modelArns: readonly string[],
    logResourceArns: readonly string[],
  ): void {
    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "ecr:GetAuthorizationToken and sts:GetServiceBearerToken (limited to CodeArtifact by the sts:AWSServiceName " +
        "condition) support no resource-level permissions.",
    );
    for (const arn of logResourceArns) {
      acknowledgeWildcardResource(
        role,
        arn,
        "AgentCore names the runtime's log groups `<runtime id>-<endpoint>` when it creates them; the prefix is " +
          "this runtime's name followed by a hyphen, which no other runtime's id can match.",
      );
    }
    for (const arn of modelArns.filter((candidate) => candidate.includes("*"))) {
      acknowledgeWildcardResource(
        role,
        arn,
        arn.includes(":foundation-model/") && !arn.endsWith("/*")
          ? "A cross-region inference profile routes to this one foundation model in several regions, so the " +
              "model ARN names it in every region."
          : "Every model was asked for by name (context allowAnyModel=true).",
      );
    }
  }
}

/**
 * The execution role's whole policy: invoke the configured model, pull the agent image, write the runtime's own
 * logs, read packages from this stack's CodeArtifact domain. No S3, no Secrets Manager, no Step Functions, no
 * AgentCore data plane, no X-Ray or metrics (the sample agent emits neither).
 */
function runtimeRoleStatements(
  repositoryArn: string,
  modelArns: readonly string[],
  logResourceArns: readonly string[],
  packages: PackageMirror,
): iam.PolicyStatement[] {
  return [
    ...(modelArns.length > 0
      ? [
          new iam.PolicyStatement({
            sid: "AgentModel",
            actions: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resources: [...modelArns],
          }),
        ]
      : []),
    new iam.PolicyStatement({
      sid: "AgentImagePull",
      actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      resources: [repositoryArn],
    }),
    new iam.PolicyStatement({
      sid: "ImageRegistryLogin",
      // No resource-level permissions: the token authorizes nothing by itself (the pull above does).
      actions: ["ecr:GetAuthorizationToken"],
      resources: ["*"],
    }),
    new iam.PolicyStatement({
      sid: "RuntimeLogs",
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ],
      resources: [...logResourceArns],
    }),
    ...packages.readStatements(),
  ];
}

/** Inference profile ids carry a geography prefix: `us.anthropic.claude-...`, `global.anthropic...`. */
const INFERENCE_PROFILE_ID = /^(?:us|eu|apac|jp|au|ca|us-gov|global)\.([a-z0-9-]+\.[A-Za-z0-9.:_-]+)$/;
const FOUNDATION_MODEL_ID = /^[a-z0-9-]+\.[A-Za-z0-9.:_-]+$/;

/**
 * The model ARNs the runtime may invoke: `agentModelArns` as given, or derived from `agentModelId` (an inference
 * profile also needs its foundation model in every region it routes to), or none (the sample agent's replay
 * mode). A wildcard model is refused unless asked for by name (`allowAnyModel`).
 */
function agentModelArns(props: RepairRuntimeProps): string[] {
  const stack = { region: Aws.REGION, account: Aws.ACCOUNT_ID, partition: Aws.PARTITION };
  let arns: string[];
  if (props.allowAnyModel) {
    arns = [
      `arn:${stack.partition}:bedrock:*::foundation-model/*`,
      `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:inference-profile/*`,
    ];
  } else if (props.agentModelArns && props.agentModelArns.length > 0) {
    arns = [...props.agentModelArns];
  } else if (props.agentModelId) {
    const id = props.agentModelId;
    if (id.startsWith("arn:")) arns = [id];
    else {
      const profile = INFERENCE_PROFILE_ID.exec(id);
      if (profile) {
        arns = [
          `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:inference-profile/${id}`,
          `arn:${stack.partition}:bedrock:*::foundation-model/${profile[1]}`,
        ];
      } else if (FOUNDATION_MODEL_ID.test(id)) {
        arns = [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${id}`];
      } else {
        throw new Error(
          `agentModelId is "${id}"; expected a Bedrock model id (anthropic.claude-...), an inference profile id ` +
            "(us.anthropic.claude-...) or an ARN",
        );
      }
    }
  } else {
    arns = [];
  }
  if (!props.allowAnyModel) {
    for (const arn of arns) {
      const model = arn.split("/").slice(1).join("/");
      if (model === "" || model.includes("*")) {
        throw new Error(
          `agentModelArns entry "${arn}" names no single model; give the model or inference profile the agent ` +
            "uses, or set allowAnyModel=true to let it invoke every model",
        );
      }
    }
  }
  return arns;
}

/** AgentCore runtime names: a letter, then letters, digits and underscores, at most 48 characters. */
export function runtimeNameFor(stackName: string): string {
  const base = stackName.replace(/[^A-Za-z0-9_]/g, "_").replace(/^[^A-Za-z]+/, "");
  return `${base || "repair"}_agent`.slice(0, 48);
}
