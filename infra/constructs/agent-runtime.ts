import { Aws, CfnParameter, Duration, Stack } from "aws-cdk-lib";
import * as agentcore from "aws-cdk-lib/aws-bedrockagentcore";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { acknowledge, acknowledgeWildcardResource } from "../nag.ts";

/** Session storage must sit exactly one level under /mnt (AgentCore `SessionStorageConfiguration`). */
const MOUNT_PATH_PATTERN = /^\/mnt\/[a-zA-Z0-9._-]+\/?$/;
const RUNTIME_ARN_PATTERN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/;
const RUNTIME_ARN_PARAMETER_PATTERN =
  "^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z0-9_-]+$";
const ECR_IMAGE_URI_PATTERN =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

export const DEFAULT_MOUNT_PATH = "/mnt/workspace";

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
   * Models the agent may invoke (foundation model or inference profile ARNs).
   * @default - every foundation model, and the inference profiles of this account and region
   */
  readonly agentModelArns?: readonly string[];
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
    const runtime = new agentcore.Runtime(this, "Runtime", {
      runtimeName: runtimeNameFor(stack.stackName),
      description:
        "agentcore-repair agent: reasons and edits; commands run through InvokeAgentRuntimeCommand",
      agentRuntimeArtifact: agentcore.AgentRuntimeArtifact.fromImageUri(imageUri),
      lifecycleConfiguration: {
        idleRuntimeSessionTimeout: props.idleSessionTimeout ?? Duration.minutes(15),
        maxLifetime: props.maxLifetime ?? Duration.hours(8),
      },
      // The sample agent confines its file tools to AGENT_WORKSPACE_ROOT: the session storage.
      environmentVariables: {
        AGENT_WORKSPACE_ROOT: this.mountPath,
        ...(props.agentModelId ? { AGENT_MODEL_ID: props.agentModelId } : {}),
      },
    });
    // The L2 construct has no session-storage prop yet: set it on the CloudFormation resource.
    (runtime.node.defaultChild as agentcore.CfnRuntime).filesystemConfigurations = [
      { sessionStorage: { mountPath: this.mountPath } },
    ];

    const partition = chinaSuffix ? "aws-cn" : "aws";
    ecr.Repository.fromRepositoryArn(
      this,
      "AgentImageRepository",
      `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
    ).grantPull(runtime.role);

    const modelArns = props.agentModelArns ?? [
      `arn:${Aws.PARTITION}:bedrock:*::foundation-model/*`,
      stack.formatArn({ service: "bedrock", resource: "inference-profile", resourceName: "*" }),
    ];
    runtime.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        resources: [...modelArns],
      }),
    );
    for (const arn of modelArns.filter((candidate) => candidate.includes("*"))) {
      acknowledgeWildcardResource(
        runtime.role,
        arn,
        "The agent's model is chosen when it is deployed (cross-region inference profiles route to foundation " +
          "models in several regions); narrow it with the agentModelArns context value.",
      );
    }
    this.acknowledgeRuntimeRoleDefaults(runtime);
    return runtime;
  }

  /** What the L2 Runtime grants its execution role by itself, each with why it cannot be narrower. */
  private acknowledgeRuntimeRoleDefaults(runtime: agentcore.Runtime): void {
    const stack = Stack.of(this);
    const role = runtime.role;
    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "X-Ray trace submission, ecr:GetAuthorizationToken and cloudwatch:PutMetricData (limited to the " +
        "bedrock-agentcore namespace by a condition) do not support resource-level permissions.",
    );
    for (const resource of [
      `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:/aws/bedrock-agentcore/runtimes/*`,
      `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:/aws/bedrock-agentcore/runtimes/*:log-stream:*`,
      `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:*`,
      `arn:${Aws.PARTITION}:bedrock-agentcore:${stack.region}:${stack.account}:workload-identity-directory/default/workload-identity/*`,
    ]) {
      acknowledgeWildcardResource(
        role,
        resource,
        "AgentCore names the runtime's log groups and workload identities when it creates them, so the L2 " +
          "Runtime grants them by prefix; DescribeLogGroups only works on log-group:*.",
      );
    }
  }
}

/** AgentCore runtime names: a letter, then letters, digits and underscores, at most 48 characters. */
export function runtimeNameFor(stackName: string): string {
  const base = stackName.replace(/[^A-Za-z0-9_]/g, "_").replace(/^[^A-Za-z]+/, "");
  return `${base || "repair"}_agent`.slice(0, 48);
}
