import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { RepairRuntime, type RepairRuntimeProps } from "./constructs/agent-runtime.ts";
import {
  APPROVAL_TTL_SECONDS,
  ApprovalApi,
  ApprovalNotifications,
  assertApprovalTtl,
} from "./constructs/approval-api.ts";
import { ArtifactBucket } from "./constructs/artifact-bucket.ts";
import { DeliveryCredential, type RepositoryDeliverySettings } from "./constructs/delivery-credential.ts";
import { EGRESS_BLOCKS, egressCostAtRest } from "./constructs/egress.ts";
import type { FunctionVariables } from "./constructs/function-variables.ts";
import { RepairAlarms } from "./constructs/repair-alarms.ts";
import { RepairAudit } from "./constructs/repair-audit.ts";
import { RepairFunction } from "./constructs/repair-function.ts";
import { RepairStateMachine } from "./constructs/repair-state-machine.ts";
import { RepairTables } from "./constructs/repair-tables.ts";
import { RepairTriggers } from "./constructs/repair-triggers.ts";
import { acknowledgePrefixListLookup } from "./constructs/session-network.ts";
import { StartApi } from "./constructs/start-api.ts";
import {
  assertCommandTimeout,
  COMMAND_RUNNER_TASKS,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  lambdaTimeoutSeconds,
  pascalCase,
  RUN_COMMAND_CALLERS,
  STATE_MACHINE_TASKS,
  substitutionKey,
  syncCommandSettings,
  TASK_NAMES,
  type TaskName,
} from "./constructs/task-catalog.ts";
import { acknowledge } from "./nag.ts";

/** The repository root: infra/ sits directly below it. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The placeholder of the locks table's name: the ASL takes and releases the repository lock itself. */
export const LOCKS_TABLE_SUBSTITUTION = "LocksTableName";

/** Where the review-commands bundle finds the bash grammar and the tree-sitter runtime (copied after bundling). */
const POLICY_BASH_WASM_PATH = "/var/task/tree-sitter-bash.wasm";
const POLICY_TREE_SITTER_WASM_PATH = "/var/task/web-tree-sitter.wasm";

/** What to repair when a CodeBuild project fails (normalize-request reads REPAIR_CODEBUILD_PROJECTS). */
interface CodeBuildProjectSettings {
  readonly validationCommand?: string;
  readonly repository?: Readonly<Record<string, string>>;
}

export interface RepairStackProps extends StackProps {
  /**
   * The repository root holding package-lock.json, node_modules and tsconfig.json.
   * @default the directory above infra/
   */
  readonly projectRoot?: string;
  /**
   * Directory with one `<task>/handler.ts` per task.
   * @default `${projectRoot}/functions`
   */
  readonly functionsDir?: string;
  /**
   * The ASL file.
   * @default `${projectRoot}/statemachine/repair.asl.json`
   */
  readonly definitionPath?: string;
  /**
   * The longest command timeout a request may ask for (normalize-request's COMMAND_TIMEOUT_SECONDS). The command
   * tasks' Lambda timeouts and MAX_SYNC_COMMAND_SECONDS derive from it (task-catalog.ts), so that a command of
   * this length runs synchronously; above 840 s the Lambda timeout is capped at 900 s and such commands run
   * detached.
   * @default 300
   */
  readonly commandTimeoutSeconds?: number;
  /**
   * How long a person has to decide on a command (request-approval's APPROVAL_TTL_SECONDS, 60-3600); the
   * approval-wait alarm fires at half of it.
   * @default 3600
   */
  readonly approvalTtlSeconds?: number;
  /**
   * The AgentCore Runtime: an existing ARN, an image to create one from, or neither (stack parameter).
   * @default - the runtime ARN is the `AgentRuntimeArn` stack parameter
   */
  readonly runtime?: RepairRuntimeProps;
  /**
   * CodeBuild projects whose failed builds start a repair, with what to run.
   * @default - failed builds of any project start a repair with the build's own source
   */
  readonly codeBuildProjects?: Readonly<Record<string, CodeBuildProjectSettings>>;
  /**
   * @default "agentcore-repair"
   */
  readonly eventBusName?: string;
  /**
   * Per-repository additions to the command policy, keyed by repository name (review-commands reads them as
   * POLICY_CONFIGS; they come from the deployment, never from the repository the agent can edit).
   * @default - the built-in policy only
   */
  readonly policyConfigs?: Readonly<Record<string, unknown>>;
  /**
   * Per-repository edits of the execution-surface, protected-path and test-file lists, keyed by repository name
   * (export-change reads them as CHANGE_RULES; functions/lib/change/change-rules.ts documents the defaults and the
   * shape). From the deployment, never from the repository.
   * @default - the documented defaults
   */
  readonly changeRules?: Readonly<Record<string, unknown>>;
  /**
   * How each repository's approved change is delivered (deliver-change reads it as DELIVERY_CONFIGS): patch
   * (nothing pushed), branch, or pull-request. Branch and pull-request need `deliveryGitLayerArn`.
   * @default - every repository: patch
   */
  readonly deliveryConfigs?: Readonly<Record<string, RepositoryDeliverySettings>>;
  /**
   * A Lambda layer with bin/git for deliver-change (branch and pull-request delivery apply the patch with git).
   * @default - none (patch delivery only)
   */
  readonly deliveryGitLayerArn?: string;
  /**
   * Who may decide approvals, per repository name ("*": every repository), as the approval API's authorizer names
   * them (the Cognito user's e-mail). The approval API reads it as APPROVERS.
   * @default - nobody: decisions are refused until approvers are configured
   */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  /**
   * @default - approvers subscribe to the approval topic later
   */
  readonly approverEmails?: readonly string[];
  /**
   * @default - operators subscribe to the alarm topic later
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Keep tables and the artifact bucket when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * Set API Gateway's account-level CloudWatch Logs role (once per account and region).
   * @default true
   */
  readonly configureApiGatewayAccountRole?: boolean;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly functionLogRetention?: logs.RetentionDays;
}

/**
 * agentcore-repair in one stack: the state machine and its task functions, the triggers (CodeBuild failures,
 * Repair Requested events, the IAM-authorized start API), the approval channel, storage, and alarms. Each role
 * holds only what its task does; only the command-runner role can run commands in a session.
 */
export class RepairStack extends Stack {
  readonly functions: Readonly<Record<TaskName, lambda.IFunction>>;
  readonly commandRunnerRole: iam.Role;
  readonly runtime: RepairRuntime;
  readonly stateMachine: RepairStateMachine;
  readonly startApi: StartApi;
  readonly approvalApi: ApprovalApi;
  readonly triggers: RepairTriggers;
  readonly tables: RepairTables;
  readonly artifacts: ArtifactBucket;
  readonly alarms: RepairAlarms;
  readonly audit: RepairAudit;
  readonly notifications: ApprovalNotifications;
  /** The repository write credential, readable by deliver-change alone. */
  readonly delivery: DeliveryCredential;
  readonly eventBus: events.EventBus;

  constructor(scope: Construct, id: string, props: RepairStackProps = {}) {
    super(scope, id, props);
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const functionsDir = props.functionsDir ?? join(projectRoot, "functions");
    const definitionPath = props.definitionPath ?? join(projectRoot, "statemachine", "repair.asl.json");
    const commandTimeoutSeconds = props.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    assertCommandTimeout(commandTimeoutSeconds);
    const approvalTtlSeconds = props.approvalTtlSeconds ?? APPROVAL_TTL_SECONDS.default;
    assertApprovalTtl(approvalTtlSeconds);
    const dataRemovalPolicy = (props.retainData ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.runtime = new RepairRuntime(this, "AgentRuntime", props.runtime);
    this.tables = new RepairTables(this, "Tables", { removalPolicy: dataRemovalPolicy });
    this.artifacts = new ArtifactBucket(this, "Artifacts", { removalPolicy: dataRemovalPolicy });
    const approvals = new ApprovalNotifications(this, "Approvals", {
      ...(props.approverEmails ? { approverEmails: props.approverEmails } : {}),
    });
    this.notifications = approvals;
    this.delivery = new DeliveryCredential(this, "Delivery", {
      ...(props.deliveryConfigs ? { repositories: props.deliveryConfigs } : {}),
      ...(props.deliveryGitLayerArn ? { gitLayerArn: props.deliveryGitLayerArn } : {}),
    });
    // Repair Requested comes in on this bus, and request-approval announces Approval Requested on it.
    this.eventBus = new events.EventBus(this, "Bus", {
      eventBusName: props.eventBusName ?? "agentcore-repair",
    });

    // Each function gets only the variables its code reads (plus Powertools' own): its configuration then says
    // what it uses, and names of resources it has no right to never reach it.
    const powertools = {
      POWERTOOLS_SERVICE_NAME: "agentcore-repair",
      POWERTOOLS_METRICS_NAMESPACE: "AgentCoreRepair",
      POWERTOOLS_LOG_LEVEL: "INFO",
    } satisfies FunctionVariables;
    const sync = syncCommandSettings(commandTimeoutSeconds);
    // functions/lib/config.ts (taskDependencies): artifacts, the mount path (AGENTCORE_MOUNT_PATH is read first)
    // and when a command runs synchronously: `timeout + COMMAND_MARGIN_SECONDS <= MAX_SYNC_COMMAND_SECONDS`.
    const taskConfig = {
      ARTIFACT_BUCKET: this.artifacts.bucket.bucketName,
      AGENTCORE_MOUNT_PATH: this.runtime.mountPath,
      MAX_SYNC_COMMAND_SECONDS: String(sync.maxSyncCommandSeconds),
      COMMAND_MARGIN_SECONDS: String(sync.commandMarginSeconds),
    } satisfies FunctionVariables;
    // functions/lib/approvals/approval-settings.ts requires all three wherever approvalEnvironment() is used.
    const approvalStores = {
      APPROVALS_TABLE: this.tables.approvals.tableName,
      AUDIT_TABLE: this.tables.audit.tableName,
      APPROVAL_SECRET_ARN: approvals.signingSecret.secretArn,
    } satisfies FunctionVariables;

    // One role for the tasks that run commands in the session themselves (prepare-workspace, run-command): the
    // only principal that may call InvokeAgentRuntimeCommand. review-commands goes through run-command.
    this.commandRunnerRole = new iam.Role(this, "CommandRunnerRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "agentcore-repair prepare-workspace and run-command: run commands in the session",
    });

    const makeFunction = (task: TaskName, environment: FunctionVariables): RepairFunction => {
      const isCommandRunner = COMMAND_RUNNER_TASKS.includes(task);
      return new RepairFunction(this, `${pascalCase(task)}Function`, {
        task,
        entry: join(functionsDir, task, "handler.ts"),
        projectRoot,
        timeout: Duration.seconds(lambdaTimeoutSeconds(task, commandTimeoutSeconds)),
        memorySize: isCommandRunner || task === "review-commands" ? 512 : 256,
        ...(isCommandRunner ? { role: this.commandRunnerRole } : {}),
        ...(props.functionLogRetention ? { logRetention: props.functionLogRetention } : {}),
        // exactOptionalPropertyTypes is off: the optional names are never set to undefined here.
        environment: {
          ...powertools,
          ...(isCommandRunner ? { COMMAND_RATE_TABLE: this.tables.commandRates.tableName } : {}),
          ...environment,
        } as Record<string, string>,
        ...(task === "review-commands"
          ? {
              afterBundling: (inputDir: string, outputDir: string) => [
                `cp "${inputDir}/node_modules/tree-sitter-bash/tree-sitter-bash.wasm" "${outputDir}/"`,
                `cp "${inputDir}/node_modules/web-tree-sitter/"*.wasm "${outputDir}/"`,
              ],
            }
          : {}),
      });
    };

    const codeBuildProjects = props.codeBuildProjects ?? {};
    const runCommand = makeFunction("run-command", taskConfig);
    const built = {
      "normalize-request": makeFunction("normalize-request", {
        AGENTCORE_RUNTIME_ARN: this.runtime.runtimeArn,
        AGENTCORE_MOUNT_PATH: this.runtime.mountPath,
        // The longest command timeout a request may ask for.
        COMMAND_TIMEOUT_SECONDS: String(commandTimeoutSeconds),
        ...(Object.keys(codeBuildProjects).length > 0
          ? { REPAIR_CODEBUILD_PROJECTS: JSON.stringify(codeBuildProjects) }
          : {}),
      }),
      "prepare-workspace": makeFunction("prepare-workspace", taskConfig),
      "run-command": runCommand,
      "parse-exit-code": makeFunction("parse-exit-code", {}),
      "invoke-agent": makeFunction("invoke-agent", taskConfig),
      // Bounds proposed commands with MAX_SYNC_COMMAND_SECONDS (run-command's value), audits through
      // approvalEnvironment(), which needs all three approval variables although only the audit table is used.
      "review-commands": makeFunction("review-commands", {
        ...taskConfig,
        ...approvalStores,
        POLICY_BASH_WASM: POLICY_BASH_WASM_PATH,
        POLICY_TREE_SITTER_WASM: POLICY_TREE_SITTER_WASM_PATH,
        RUN_COMMAND_FUNCTION_NAME: runCommand.function.functionName,
        ...(props.policyConfigs && Object.keys(props.policyConfigs).length > 0
          ? { POLICY_CONFIGS: JSON.stringify(props.policyConfigs) }
          : {}),
      }),
      // Reads the exported patch for the full-patch link; decides only for the deployment's approvers.
      "approval-api": makeFunction("approval-api", {
        ...approvalStores,
        ARTIFACT_BUCKET: this.artifacts.bucket.bucketName,
        APPROVERS: JSON.stringify(props.approvers ?? {}),
      }),
      // Runs git in the session through run-command (measure, export, revert) and stores the patch.
      "export-change": makeFunction("export-change", {
        ...taskConfig,
        RUN_COMMAND_FUNCTION_NAME: runCommand.function.functionName,
        ...(props.changeRules && Object.keys(props.changeRules).length > 0
          ? { CHANGE_RULES: JSON.stringify(props.changeRules) }
          : {}),
      }),
      // Its role and the delivery credential are deliver-change's own.
      "deliver-change": makeFunction("deliver-change", {
        ARTIFACT_BUCKET: this.artifacts.bucket.bucketName,
        ...this.delivery.environment(),
      }),
      finalize: makeFunction("finalize", taskConfig),
      // request-approval is created after the approval API, whose URL goes into the approval message.
    } satisfies Partial<Record<TaskName, RepairFunction>>;

    this.approvalApi = new ApprovalApi(this, "ApprovalApi", { handler: built["approval-api"].function });
    const requestApproval = makeFunction("request-approval", {
      ...approvalStores,
      APPROVAL_BASE_URL: this.approvalApi.baseUrl,
      APPROVAL_TTL_SECONDS: String(approvalTtlSeconds),
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      APPROVAL_TOPIC_ARN: approvals.topic.topicArn,
      // The ledger's "requested" line.
      ARTIFACT_BUCKET: this.artifacts.bucket.bucketName,
    });
    const all: Record<TaskName, RepairFunction> = { ...built, "request-approval": requestApproval };
    const functions = {} as Record<TaskName, lambda.IFunction>;
    for (const task of TASK_NAMES) functions[task] = all[task].function;
    this.functions = functions;

    this.grantTaskRights(all);

    this.stateMachine = new RepairStateMachine(this, "Workflow", {
      definitionPath,
      functions: Object.fromEntries(
        STATE_MACHINE_TASKS.map((task) => [substitutionKey(task), all[task].function]),
      ),
      lambdaTimeouts: Object.fromEntries(
        STATE_MACHINE_TASKS.map((task) => [
          substitutionKey(task),
          lambdaTimeoutSeconds(task, commandTimeoutSeconds),
        ]),
      ),
      resourceSubstitutions: { [LOCKS_TABLE_SUBSTITUTION]: this.tables.locks.tableName },
    });
    // "Take the repository lock" (conditional put) and "Release the repository lock" (delete).
    this.tables.locks.grant(this.stateMachine.role, "dynamodb:PutItem", "dynamodb:DeleteItem");

    // The approval API's function answers the waiting Task. A separate policy, not the role's default one: the
    // function (part of the approval API, whose URL the state machine's tasks carry) must not depend on the
    // state machine, or the stack would have a dependency cycle.
    const decisions = new iam.Policy(this, "ApprovalDecisionsPolicy", {
      statements: [
        new iam.PolicyStatement({
          actions: ["states:SendTaskSuccess", "states:SendTaskFailure"],
          resources: [this.stateMachine.stateMachine.stateMachineArn],
        }),
      ],
    });
    decisions.attachToRole(all["approval-api"].role);

    this.triggers = new RepairTriggers(this, "Triggers", {
      stateMachine: this.stateMachine.stateMachine,
      eventBus: this.eventBus,
      codeBuildProjects: Object.keys(codeBuildProjects),
    });

    this.startApi = new StartApi(this, "StartApi", {
      stateMachine: this.stateMachine.stateMachine,
      configureAccountCloudWatchRole: props.configureApiGatewayAccountRole ?? true,
    });

    this.alarms = new RepairAlarms(this, "Alarms", {
      stateMachine: this.stateMachine.stateMachine,
      functions: TASK_NAMES.map((task) => all[task].function),
      approvalTtlSeconds,
      ...(props.alarmEmails ? { alarmEmails: props.alarmEmails } : {}),
    });

    this.audit = this.addAudit(all);

    this.acknowledgeTracingWildcards(all);

    new CfnOutput(this, "StartApiUrl", {
      value: this.startApi.api.url,
      description: "POST repairs, GET repairs/{name}",
    });
    new CfnOutput(this, "ApprovalApiUrl", { value: this.approvalApi.baseUrl });
    new CfnOutput(this, "StateMachineArn", { value: this.stateMachine.stateMachine.stateMachineArn });
    new CfnOutput(this, "EventBusName", { value: this.eventBus.eventBusName });
    new CfnOutput(this, "ArtifactBucketName", { value: this.artifacts.bucket.bucketName });
    new CfnOutput(this, "AgentRuntimeArnInUse", { value: this.runtime.runtimeArn });
  }

  /** Least privilege, task by task. */
  private grantTaskRights(all: Readonly<Record<TaskName, RepairFunction>>): void {
    const { approvals, audit } = this.tables;
    const artifacts = this.artifacts;
    const notifications = this.notifications;

    // normalize-request: pure validation, no rights beyond its log group and tracing.

    // prepare-workspace, run-command (shared role): run commands, store their output and ledger lines (never read).
    this.runtime.grantRunCommands(this.commandRunnerRole);
    artifacts.grantWriteRuns(this.commandRunnerRole);
    this.tables.commandRates.grant(this.commandRunnerRole, "dynamodb:GetItem", "dynamodb:PutItem");

    // review-commands (allowed commands) and export-change (git: measure, export, revert) run commands through
    // run-command, never the AgentCore API, and write ledger lines (export-change: the patch too).
    for (const task of RUN_COMMAND_CALLERS) {
      // The unqualified function only (the invoker names no version or alias): no `:*` wildcard.
      all[task].role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["lambda:InvokeFunction"],
          resources: [all["run-command"].function.functionArn],
        }),
      );
      artifacts.grantWriteRuns(all[task].role);
    }
    // review-commands audits every command it lets run.
    audit.grant(all["review-commands"].role, "dynamodb:PutItem");

    // parse-exit-code: classifies the state it is given; no rights at all.

    // invoke-agent: talks to the agent, reads the ledger (ListObjectsV2 + GetObject) for the history it passes
    // on, records its turn.
    this.runtime.grantInvokeAgent(all["invoke-agent"].role);
    artifacts.grantReadLedger(all["invoke-agent"].role);
    artifacts.grantWriteRuns(all["invoke-agent"].role);

    // request-approval: creates the approval (conditional put, read back on a retry), signs its token, tells
    // approvers (SNS) and automation ("Approval Requested" on the bus), audits and records it.
    const requestApproval = all["request-approval"].role;
    approvals.grant(requestApproval, "dynamodb:PutItem", "dynamodb:GetItem");
    audit.grant(requestApproval, "dynamodb:PutItem");
    notifications.signingSecret.grantRead(requestApproval);
    notifications.topic.grantPublish(requestApproval);
    requestApproval.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["events:PutEvents"], resources: [this.eventBus.eventBusArn] }),
    );
    artifacts.grantWriteRuns(requestApproval);

    // approval-api: shows and decides approvals (SendTask* is granted separately, see the constructor); writes
    // nothing to S3.
    const approvalApi = all["approval-api"].role;
    approvals.grant(approvalApi, "dynamodb:GetItem", "dynamodb:UpdateItem");
    audit.grant(approvalApi, "dynamodb:PutItem");
    notifications.signingSecret.grantRead(approvalApi);

    // request-approval and approval-api read the exported patch of an approval of a diff (hash check, display).
    artifacts.grantReadRuns(requestApproval);
    artifacts.grantReadRuns(approvalApi);

    // deliver-change: reads the approved patch; the only reader of the repository write credential.
    const deliverChange = all["deliver-change"];
    artifacts.grantReadRuns(deliverChange.role);
    this.delivery.grantTo(deliverChange.role);
    if (this.delivery.gitLayerArn) {
      deliverChange.function.addLayers(
        lambda.LayerVersion.fromLayerVersionArn(this, "DeliveryGitLayer", this.delivery.gitLayerArn),
      );
    }

    // finalize: reads the ledger, writes the report, stops the session (flushes storage).
    const finalize = all.finalize.role;
    artifacts.grantReadLedger(finalize);
    artifacts.grantWriteRuns(finalize);
    this.runtime.grantStopSession(finalize);
  }

  /** Approval-denial and refused-egress alarms, the dashboard, and what the session's network costs and blocks. */
  private addAudit(all: Readonly<Record<TaskName, RepairFunction>>): RepairAudit {
    const network = this.runtime.network;
    const audit = new RepairAudit(this, "Audit", {
      stateMachine: this.stateMachine.stateMachine,
      approvalApiLogs: all["approval-api"].logGroup,
      invokeAgent: all["invoke-agent"].function,
      alarmTopic: this.alarms.topic,
      ...(network?.refusedEgress ? { refusedEgress: network.refusedEgress } : {}),
    });
    const egress = this.runtime.egress;
    if (egress) {
      const cost = egressCostAtRest(
        egress,
        network?.interfaceEndpointCount ?? 0,
        network?.availabilityZones ?? 0,
      );
      new CfnOutput(this, "SessionEgress", { value: egress, description: EGRESS_BLOCKS[egress] });
      new CfnOutput(this, "SessionEgressMonthlyCostAtRest", {
        value: `${cost.monthlyUsd.toFixed(2)} USD`,
        description:
          `us-east-1 list prices, no traffic: ${cost.interfaceEndpoints} interface endpoint-AZs, ` +
          `${cost.natGateways} NAT gateway, ${cost.firewallEndpoints} firewall endpoint (infra/README.md)`,
      });
    }
    if (network) acknowledgePrefixListLookup(this);
    return audit;
  }

  /** Lambda's active tracing adds X-Ray actions on `*` to every function role. */
  private acknowledgeTracingWildcards(all: Readonly<Record<TaskName, RepairFunction>>): void {
    const roles = new Set(Object.values(all).map((fn) => fn.role));
    for (const role of roles) {
      acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by Lambda active tracing) use `*`: " +
          "X-Ray does not support resource-level permissions.",
      );
    }
  }
}
