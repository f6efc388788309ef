import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CfnElement, Duration, Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { beforeAll, describe, expect, it } from "vitest";
import { REPAIR_METRICS, RepairAlarms } from "../../infra/constructs/repair-alarms.ts";
import {
  STATE_MACHINE_TASKS,
  substitutionKey,
  TASK_NAMES,
  type TaskName,
} from "../../infra/constructs/task-catalog.ts";
import { PROJECT_ROOT } from "../../infra/stack.ts";
import {
  actionsOf,
  type BuiltStack,
  buildStack,
  EXAMPLE_RUNTIME_ARN,
  policyStatements,
  resourcesOf,
  roleOfFunction,
} from "./support.ts";

// One synthesis for the whole file: an existing runtime (literal ARN, so scoping is asserted on exact strings),
// a CodeBuild project filter, a policy addition and a non-default command timeout.
const CODEBUILD_PROJECTS = { "web-app": { validationCommand: "npm test" } };
const POLICY_CONFIGS = { "web-app": { allow: [{ command: "make lint", class: "read-only" }] } };
const CHANGE_RULES = {
  "web-app": { surfaces: { add: [{ pattern: "scripts/**", reason: "release scripts" }] } },
};
let built: BuiltStack;
let functionIds: Record<TaskName, string>;

beforeAll(() => {
  built = buildStack({
    runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN },
    codeBuildProjects: CODEBUILD_PROJECTS,
    commandTimeoutSeconds: 600,
    approverEmails: ["approver@example.com"],
    policyConfigs: POLICY_CONFIGS,
    changeRules: CHANGE_RULES,
  });
  functionIds = Object.fromEntries(
    TASK_NAMES.map((task) => [task, logicalId(built.stack.functions[task])]),
  ) as Record<TaskName, string>;
});

function logicalId(fn: lambda.IFunction): string {
  return built.stack.getLogicalId(fn.node.defaultChild as CfnElement);
}

function functionProperties<T>(task: TaskName): T {
  const fn = built.template.findResources("AWS::Lambda::Function")[functionIds[task]];
  if (!fn) throw new Error(`no Lambda function for ${task} in the template`);
  return fn.Properties as T;
}

function variables(task: TaskName): Record<string, unknown> {
  return functionProperties<{ Environment: { Variables: Record<string, unknown> } }>(task).Environment
    .Variables;
}

function idOf(construct: { node: { defaultChild?: unknown } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The actions each task's role is allowed on a resource (by logical id), sorted. */
function grantsOn(resourceLogicalId: string): Record<string, string[]> {
  const byTask: Record<string, string[]> = {};
  for (const { roles, statement } of policyStatements(built.template)) {
    if (!JSON.stringify(resourcesOf(statement)).includes(`"${resourceLogicalId}"`)) continue;
    for (const task of TASK_NAMES) {
      if (roles.includes(roleOfFunction(built.template, functionIds[task]))) {
        byTask[task] = [...(byTask[task] ?? []), ...actionsOf(statement)].sort();
      }
    }
  }
  return byTask;
}

function onlyResource<T>(type: string): T {
  const resources = Object.values(built.template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  return resources[0]?.Properties as T;
}

function rolesHolding(action: string): { roles: string[]; resources: unknown[] }[] {
  return policyStatements(built.template)
    .filter(({ statement }) => statement.Effect === "Allow" && actionsOf(statement).includes(action))
    .map(({ roles, statement }) => ({ roles: [...roles], resources: resourcesOf(statement) }));
}

describe("IAM: who may do what on the AgentCore Runtime", () => {
  it("grants InvokeAgentRuntimeCommand in exactly one statement, to the command-runner role, on the runtime ARN and its endpoints", () => {
    // Prepare
    const commandRunnerRole = built.stack.getLogicalId(
      built.stack.commandRunnerRole.node.defaultChild as CfnElement,
    );

    // Act
    const holders = rolesHolding("bedrock-agentcore:InvokeAgentRuntimeCommand");

    // Assess
    expect(holders).toEqual([
      { roles: [commandRunnerRole], resources: [EXAMPLE_RUNTIME_ARN, `${EXAMPLE_RUNTIME_ARN}/*`] },
    ]);
  });

  it("attaches the command-runner role to run-command and prepare-workspace only", () => {
    const commandRunnerRole = built.stack.getLogicalId(
      built.stack.commandRunnerRole.node.defaultChild as CfnElement,
    );

    const runners = TASK_NAMES.filter(
      (task) => roleOfFunction(built.template, functionIds[task]) === commandRunnerRole,
    );

    expect(runners.sort()).toEqual(["prepare-workspace", "run-command"]);
  });

  it("gives the command runners, and only them, the shared command rate table (read and conditional put)", () => {
    const commandRunnerRole = built.stack.getLogicalId(
      built.stack.commandRunnerRole.node.defaultChild as CfnElement,
    );
    const ratesTable = built.stack.getLogicalId(
      built.stack.tables.commandRates.node.defaultChild as CfnElement,
    );

    const onRates = policyStatements(built.template).filter(({ statement }) =>
      JSON.stringify(resourcesOf(statement)).includes(ratesTable),
    );

    expect(onRates.map(({ roles }) => [...roles])).toEqual([[commandRunnerRole]]);
    expect(actionsOf(onRates[0]!.statement).sort()).toEqual(["dynamodb:GetItem", "dynamodb:PutItem"]);
    for (const task of ["prepare-workspace", "run-command"] as const) {
      expect(variables(task).COMMAND_RATE_TABLE).toEqual({ Ref: ratesTable });
      expect(roleOfFunction(built.template, functionIds[task])).toBe(commandRunnerRole);
    }
  });

  it("lets review-commands run commands only by invoking the run-command function", () => {
    const reviewRole = roleOfFunction(built.template, functionIds["review-commands"]);

    const invokers = rolesHolding("lambda:InvokeFunction").filter(({ roles }) => roles.includes(reviewRole));

    expect(invokers).toEqual([
      { roles: [reviewRole], resources: [{ "Fn::GetAtt": [functionIds["run-command"], "Arn"] }] },
    ]);
    expect(
      functionProperties<{ Environment: { Variables: Record<string, unknown> } }>("review-commands")
        .Environment.Variables.RUN_COMMAND_FUNCTION_NAME,
    ).toEqual({ Ref: functionIds["run-command"] });
  });

  it("lets only invoke-agent call InvokeAgentRuntime and only finalize stop sessions, both scoped to the runtime", () => {
    const invokeAgentRole = roleOfFunction(built.template, functionIds["invoke-agent"]);
    const finalizeRole = roleOfFunction(built.template, functionIds.finalize);

    expect(rolesHolding("bedrock-agentcore:InvokeAgentRuntime")).toEqual([
      { roles: [invokeAgentRole], resources: [EXAMPLE_RUNTIME_ARN, `${EXAMPLE_RUNTIME_ARN}/*`] },
    ]);
    expect(rolesHolding("bedrock-agentcore:StopRuntimeSession")).toEqual([
      { roles: [finalizeRole], resources: [EXAMPLE_RUNTIME_ARN, `${EXAMPLE_RUNTIME_ARN}/*`] },
    ]);
  });

  it("has no wildcard actions, and `*` resources only for X-Ray and log delivery, which have no resource-level permissions", () => {
    const statements = policyStatements(built.template).filter(
      ({ statement }) => statement.Effect === "Allow",
    );
    const wildcardActions = statements.flatMap(({ statement }) =>
      actionsOf(statement).filter((a) => a.includes("*")),
    );
    const starActions = statements
      .filter(({ statement }) => resourcesOf(statement).includes("*"))
      .flatMap(({ statement }) => actionsOf(statement));

    expect(wildcardActions).toEqual([]);
    for (const action of starActions) {
      expect(action).toMatch(
        /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/,
      );
    }
  });

  it("lets the approval API answer only this state machine's task tokens, from a policy its function does not wait for", () => {
    const approvalRole = roleOfFunction(built.template, functionIds["approval-api"]);
    const stateMachineId = built.stack.getLogicalId(
      built.stack.stateMachine.stateMachine.node.defaultChild as CfnElement,
    );

    const holders = rolesHolding("states:SendTaskSuccess");

    expect(holders).toEqual([{ roles: [approvalRole], resources: [{ Ref: stateMachineId }] }]);
    // The function must not depend on that policy: the state machine (through request-approval's environment)
    // depends on the approval API, which depends on this function.
    const fn = built.template.findResources("AWS::Lambda::Function")[functionIds["approval-api"]];
    const decisionsPolicy = policyStatements(built.template).find(({ statement }) =>
      actionsOf(statement).includes("states:SendTaskSuccess"),
    )?.policyLogicalId;
    expect(fn?.DependsOn ?? []).not.toContain(decisionsPolicy);
  });
});

describe("IAM: approvals, audit and notifications", () => {
  it("lets request-approval create approvals and approval-api decide them, and nobody else touch them", () => {
    expect(grantsOn(idOf(built.stack.tables.approvals))).toEqual({
      "request-approval": ["dynamodb:GetItem", "dynamodb:PutItem"],
      "approval-api": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    });
  });

  it("lets tasks only append to the audit table (review-commands audits every command it lets run)", () => {
    expect(grantsOn(idOf(built.stack.tables.audit))).toEqual({
      "review-commands": ["dynamodb:PutItem"],
      "request-approval": ["dynamodb:PutItem"],
      "approval-api": ["dynamodb:PutItem"],
    });
  });

  it("shows the signing key only to the two approval functions, and lets only request-approval notify", () => {
    const secretId = idOf(built.stack.notifications.signingSecret);
    expect(Object.keys(grantsOn(secretId)).sort()).toEqual(["approval-api", "request-approval"]);
    expect(grantsOn(idOf(built.stack.notifications.topic))).toEqual({ "request-approval": ["sns:Publish"] });
    expect(grantsOn(idOf(built.stack.eventBus))).toEqual({ "request-approval": ["events:PutEvents"] });
  });
});

describe("IAM: the artifact bucket", () => {
  const write = ["s3:AbortMultipartUpload", "s3:PutObject"];
  const readLedgerAndWrite = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket", "s3:PutObject"];

  it("lets each task do only what its code does: readers of the ledger list and get, writers put, the rest nothing", () => {
    // Prepare
    const bucket = idOf(built.stack.artifacts.bucket);

    // Act
    const grants = grantsOn(bucket);

    // Assess: invoke-agent and finalize call readLedger (ListObjectsV2 + GetObject); prepare-workspace,
    // run-command, review-commands and request-approval only append ledger lines or store output.
    expect(grants).toEqual({
      "prepare-workspace": write,
      "run-command": write,
      "invoke-agent": readLedgerAndWrite,
      "review-commands": write,
      // request-approval also reads the exported patch it asks a person to approve (hash check, inline diff).
      "request-approval": ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
      // approval-api reads the patch for the full-patch link, deliver-change the patch it delivers.
      "approval-api": ["s3:GetObject"],
      "deliver-change": ["s3:GetObject"],
      // export-change appends ledger lines and stores the patch; it reads nothing back.
      "export-change": write,
      finalize: readLedgerAndWrite,
    });
  });

  it("scopes ledger reads to the runs/ prefix: ListBucket with an s3:prefix condition, GetObject on runs/*", () => {
    const bucket = idOf(built.stack.artifacts.bucket);
    for (const task of ["invoke-agent", "finalize"] as const) {
      built.template.hasResourceProperties("AWS::IAM::Policy", {
        Roles: [{ Ref: roleOfFunction(built.template, functionIds[task]) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: "s3:ListBucket",
              Resource: { "Fn::GetAtt": [bucket, "Arn"] },
              Condition: { StringLike: { "s3:prefix": ["runs/*"] } },
            }),
            Match.objectLike({
              Action: "s3:GetObject",
              Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, "/runs/*"]] },
            }),
          ]),
        },
      });
    }
  });
});

describe("Lambda functions", () => {
  it("runs every task on the current Node.js runtime, ARM64, with active tracing and its own log group", () => {
    for (const task of TASK_NAMES) {
      built.template.hasResourceProperties("AWS::Lambda::Function", {
        Description: `agentcore-repair ${task}`,
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
    }
    expect(Object.keys(built.template.findResources("AWS::Lambda::Function"))).toHaveLength(
      TASK_NAMES.length,
    );
  });

  it("derives timeouts from the command timeout: command tasks get 600 s + 30 s margin + 30 s overhead, the agent and the review Lambda's maximum", () => {
    const timeoutOf = (task: TaskName) => functionProperties<{ Timeout: number }>(task).Timeout;

    expect(timeoutOf("run-command")).toBe(660);
    expect(timeoutOf("prepare-workspace")).toBe(660);
    expect(timeoutOf("review-commands")).toBe(900);
    expect(timeoutOf("invoke-agent")).toBe(900);
    expect(timeoutOf("approval-api")).toBeLessThan(29);
  });

  it("gives each function only the variables its code reads", () => {
    // Prepare
    const powertools = [
      "NODE_OPTIONS",
      "POWERTOOLS_LOG_LEVEL",
      "POWERTOOLS_METRICS_NAMESPACE",
      "POWERTOOLS_SERVICE_NAME",
    ];
    const taskConfig = [
      "AGENTCORE_MOUNT_PATH",
      "ARTIFACT_BUCKET",
      "COMMAND_MARGIN_SECONDS",
      "MAX_SYNC_COMMAND_SECONDS",
    ];
    const approvalStores = ["APPROVALS_TABLE", "APPROVAL_SECRET_ARN", "AUDIT_TABLE"];
    const expected: Record<TaskName, string[]> = {
      "normalize-request": [
        "AGENTCORE_MOUNT_PATH",
        "AGENTCORE_RUNTIME_ARN",
        "COMMAND_TIMEOUT_SECONDS",
        "REPAIR_CODEBUILD_PROJECTS",
      ],
      "prepare-workspace": [...taskConfig, "COMMAND_RATE_TABLE"],
      "run-command": [...taskConfig, "COMMAND_RATE_TABLE"],
      "parse-exit-code": [],
      "invoke-agent": taskConfig,
      "review-commands": [
        ...taskConfig,
        ...approvalStores,
        "POLICY_BASH_WASM",
        "POLICY_CONFIGS",
        "POLICY_TREE_SITTER_WASM",
        "RUN_COMMAND_FUNCTION_NAME",
      ],
      "request-approval": [
        ...approvalStores,
        "APPROVAL_BASE_URL",
        "APPROVAL_TOPIC_ARN",
        "APPROVAL_TTL_SECONDS",
        "ARTIFACT_BUCKET",
        "EVENT_BUS_NAME",
      ],
      "approval-api": [...approvalStores, "APPROVERS", "ARTIFACT_BUCKET"],
      "export-change": [...taskConfig, "CHANGE_RULES", "RUN_COMMAND_FUNCTION_NAME"],
      "deliver-change": ["ARTIFACT_BUCKET", "DELIVERY_DEFAULT_MODE", "DELIVERY_SECRET_ARN"],
      finalize: taskConfig,
    };

    // Act
    const names = Object.fromEntries(TASK_NAMES.map((task) => [task, Object.keys(variables(task)).sort()]));

    // Assess
    for (const task of TASK_NAMES) {
      expect(names[task], task).toEqual([...powertools, ...expected[task]].sort());
    }
  });

  it("fills the variables with the resources of this stack", () => {
    const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: idOf(construct) });
    const approvalStores = {
      APPROVALS_TABLE: ref(built.stack.tables.approvals),
      AUDIT_TABLE: ref(built.stack.tables.audit),
      APPROVAL_SECRET_ARN: ref(built.stack.notifications.signingSecret),
    };
    const withVariables = (task: TaskName, expected: Record<string, unknown>) =>
      built.template.hasResourceProperties("AWS::Lambda::Function", {
        Description: `agentcore-repair ${task}`,
        Environment: { Variables: Match.objectLike(expected) },
      });

    for (const task of TASK_NAMES) {
      withVariables(task, {
        POWERTOOLS_SERVICE_NAME: "agentcore-repair",
        POWERTOOLS_METRICS_NAMESPACE: "AgentCoreRepair",
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      });
    }
    withVariables("normalize-request", {
      AGENTCORE_RUNTIME_ARN: EXAMPLE_RUNTIME_ARN,
      AGENTCORE_MOUNT_PATH: "/mnt/workspace",
      COMMAND_TIMEOUT_SECONDS: "600",
    });
    for (const task of ["prepare-workspace", "run-command", "invoke-agent", "finalize"] as const) {
      withVariables(task, {
        ARTIFACT_BUCKET: ref(built.stack.artifacts.bucket),
        AGENTCORE_MOUNT_PATH: "/mnt/workspace",
        MAX_SYNC_COMMAND_SECONDS: "630",
        COMMAND_MARGIN_SECONDS: "30",
      });
    }
    withVariables("review-commands", {
      ...approvalStores,
      POLICY_BASH_WASM: "/var/task/tree-sitter-bash.wasm",
      POLICY_TREE_SITTER_WASM: "/var/task/web-tree-sitter.wasm",
      RUN_COMMAND_FUNCTION_NAME: { Ref: functionIds["run-command"] },
    });
    withVariables("request-approval", {
      ...approvalStores,
      ARTIFACT_BUCKET: ref(built.stack.artifacts.bucket),
      EVENT_BUS_NAME: ref(built.stack.eventBus),
      APPROVAL_TOPIC_ARN: ref(built.stack.notifications.topic),
      APPROVAL_TTL_SECONDS: "3600",
      APPROVAL_BASE_URL: Match.anyValue(),
    });
    withVariables("approval-api", approvalStores);
    withVariables("export-change", {
      RUN_COMMAND_FUNCTION_NAME: { Ref: functionIds["run-command"] },
    });
    // The surface, protected-path and test-file lists come from the deployment, never the repository.
    expect(JSON.parse(String(variables("export-change").CHANGE_RULES))).toEqual(CHANGE_RULES);
    expect(JSON.parse(String(variables("normalize-request").REPAIR_CODEBUILD_PROJECTS))).toEqual(
      CODEBUILD_PROJECTS,
    );
    expect(JSON.parse(String(variables("review-commands").POLICY_CONFIGS))).toEqual(POLICY_CONFIGS);
  });
});

/**
 * run-command (functions/run-command/run-command.ts) runs a command synchronously only when
 * `timeoutSeconds + COMMAND_MARGIN_SECONDS <= min(MAX_SYNC_COMMAND_SECONDS, remaining time)`; the remaining time
 * at that point is the Lambda timeout less what the invocation spent getting there.
 */
function runsSynchronously(template: Template, functionId: string, commandSeconds: number): boolean {
  const properties = template.findResources("AWS::Lambda::Function")[functionId]?.Properties as {
    Timeout: number;
    Environment: { Variables: Record<string, string> };
  };
  const { MAX_SYNC_COMMAND_SECONDS, COMMAND_MARGIN_SECONDS } = properties.Environment.Variables;
  // A cold start with an AgentCore connection: the "invocation overhead" the stack must leave.
  const spentBeforeTheCommandSeconds = 25;
  const budget = Math.min(
    Number(MAX_SYNC_COMMAND_SECONDS),
    properties.Timeout - spentBeforeTheCommandSeconds,
  );
  return commandSeconds + Number(COMMAND_MARGIN_SECONDS) <= budget;
}

describe("synchronous commands", () => {
  function commandTasks(stackBuilt: BuiltStack) {
    const ids = (task: TaskName) =>
      stackBuilt.stack.getLogicalId(stackBuilt.stack.functions[task].node.defaultChild as CfnElement);
    return { runCommand: ids("run-command"), prepareWorkspace: ids("prepare-workspace"), ids };
  }

  it("runs a command of the deployment's timeout in one invocation, with the default and a custom timeout", () => {
    // Prepare
    const byDefault = buildStack({ runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN } });

    // Act
    const cases = [
      { stackBuilt: byDefault, commandSeconds: 300 },
      { stackBuilt: built, commandSeconds: 600 },
    ].flatMap(({ stackBuilt, commandSeconds }) => {
      const { runCommand, prepareWorkspace } = commandTasks(stackBuilt);
      return [runCommand, prepareWorkspace].map((id) => ({
        id,
        commandSeconds,
        sync: runsSynchronously(stackBuilt.template, id, commandSeconds),
      }));
    });

    // Assess
    for (const { id, commandSeconds, sync } of cases) expect(sync, `${id} ${commandSeconds} s`).toBe(true);
  });

  it("lets review-commands bound proposed commands with run-command's own MAX_SYNC_COMMAND_SECONDS", () => {
    expect(variables("review-commands").MAX_SYNC_COMMAND_SECONDS).toBe(
      variables("run-command").MAX_SYNC_COMMAND_SECONDS,
    );
    expect(variables("review-commands").COMMAND_MARGIN_SECONDS).toBe("30");
  });

  it("caps the command tasks at Lambda's 900 s: up to 840 s runs in one invocation, longer commands detached", () => {
    // Prepare
    const capped = buildStack({ runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN }, commandTimeoutSeconds: 3600 });
    const { runCommand, ids } = commandTasks(capped);
    const properties = capped.template.findResources("AWS::Lambda::Function")[runCommand]?.Properties as {
      Timeout: number;
      Environment: { Variables: Record<string, string> };
    };

    // Act
    const at840 = runsSynchronously(capped.template, runCommand, 840);
    const at841 = runsSynchronously(capped.template, runCommand, 841);

    // Assess
    expect(properties.Timeout).toBe(900);
    expect(properties.Environment.Variables.MAX_SYNC_COMMAND_SECONDS).toBe("870");
    expect(at840).toBe(true);
    expect(at841).toBe(false);
    const review = capped.template.findResources("AWS::Lambda::Function")[ids("review-commands")]
      ?.Properties as { Environment: { Variables: Record<string, string> } };
    expect(review.Environment.Variables.MAX_SYNC_COMMAND_SECONDS).toBe("870");
  });
});

describe("the state machine", () => {
  it("is a Standard state machine with X-Ray and ALL-level logging to a log group with retention", () => {
    built.template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: "ALL",
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
    built.template.hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: Match.stringLikeRegexp("^/aws/vendedlogs/states/"),
      RetentionInDays: Match.anyValue(),
    });
  });

  it("inlines the ASL and substitutes every placeholder with the ARN of the matching function", () => {
    const properties = onlyResource<{
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, { "Fn::GetAtt"?: [string, string]; Ref?: string }>;
    }>("AWS::StepFunctions::StateMachine");

    // Apply the substitutions the way CloudFormation does, writing a GetAtt as <LogicalId.Arn>, a Ref as <LogicalId>.
    const effective = properties.DefinitionString.replace(/\$\{([^}]*)\}/g, (whole, key: string) => {
      const value = properties.DefinitionSubstitutions[key];
      if (value?.["Fn::GetAtt"]) return `<${value["Fn::GetAtt"].join(".")}>`;
      return value?.Ref ? `<${value.Ref}>` : whole;
    });

    expect(typeof properties.DefinitionString).toBe("string");
    expect(effective).not.toMatch(/\$\{/);
    for (const task of STATE_MACHINE_TASKS) {
      expect(properties.DefinitionSubstitutions[substitutionKey(task)]).toEqual({
        "Fn::GetAtt": [functionIds[task], "Arn"],
      });
      expect(effective).toContain(`<${functionIds[task]}.Arn>`);
    }
    expect(effective).not.toContain(`<${functionIds["approval-api"]}.Arn>`);
  });

  it("may invoke exactly the state machine's task functions, unqualified (and only review-commands and export-change invoke any other)", () => {
    const stateMachineRole = built.stack.getLogicalId(
      built.stack.stateMachine.stateMachine.role.node.defaultChild as CfnElement,
    );

    const reviewRole = roleOfFunction(built.template, functionIds["review-commands"]);
    const exportRole = roleOfFunction(built.template, functionIds["export-change"]);
    const allHolders = rolesHolding("lambda:InvokeFunction");
    const holders = allHolders.filter(({ roles }) => roles.includes(stateMachineRole));

    expect(allHolders.flatMap(({ roles }) => roles).sort()).toEqual(
      [reviewRole, exportRole, stateMachineRole].sort(),
    );

    expect(holders).toHaveLength(1);
    expect(holders[0]?.resources).toEqual(
      STATE_MACHINE_TASKS.map((task) => ({ "Fn::GetAtt": [functionIds[task], "Arn"] })),
    );
  });

  it("takes and releases the repository lock itself, on the locks table only", () => {
    const stateMachineRole = built.stack.getLogicalId(
      built.stack.stateMachine.role.node.defaultChild as CfnElement,
    );
    const locksTable = built.stack.getLogicalId(built.stack.tables.locks.node.defaultChild as CfnElement);
    const stateMachine = onlyResource<{ DefinitionSubstitutions: Record<string, unknown> }>(
      "AWS::StepFunctions::StateMachine",
    );

    const lockStatements = policyStatements(built.template).filter(({ statement }) =>
      actionsOf(statement).some((action) => action.startsWith("dynamodb:")),
    );

    expect(stateMachine.DefinitionSubstitutions.LocksTableName).toEqual({ Ref: locksTable });
    const stateMachineGrants = lockStatements.filter(({ roles }) => roles.includes(stateMachineRole));
    expect(stateMachineGrants.map(({ statement }) => [actionsOf(statement), resourcesOf(statement)])).toEqual(
      [[["dynamodb:PutItem", "dynamodb:DeleteItem"], [{ "Fn::GetAtt": [locksTable, "Arn"] }]]],
    );
    const otherLockGrants = lockStatements.filter(
      ({ roles, statement }) =>
        !roles.includes(stateMachineRole) && JSON.stringify(resourcesOf(statement)).includes(locksTable),
    );
    expect(otherLockGrants).toEqual([]);
  });
});

describe("triggers", () => {
  it("starts a repair when a build of a configured CodeBuild project fails", () => {
    built.template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.codebuild"],
        "detail-type": ["CodeBuild Build State Change"],
        detail: { "build-status": ["FAILED"], "project-name": ["web-app"] },
      },
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp("^WorkflowStateMachine") },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
        }),
      ],
    });
  });

  it("starts a repair on a Repair Requested event on the custom bus", () => {
    const [busId] = Object.keys(built.template.findResources("AWS::Events::EventBus"));
    built.template.hasResourceProperties("AWS::Events::EventBus", { Name: "agentcore-repair" });
    built.template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: busId },
      EventPattern: { "detail-type": ["Repair Requested"] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp("^WorkflowStateMachine") } })],
    });
  });

  it("offers an IAM-authorized REST API that starts and describes executions straight through Step Functions", () => {
    built.template.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "POST",
      AuthorizationType: "AWS_IAM",
      RequestValidatorId: Match.anyValue(),
      RequestModels: { "application/json": Match.anyValue() },
      Integration: Match.objectLike({
        Type: "AWS",
        IntegrationHttpMethod: "POST",
        Uri: { "Fn::Join": ["", Match.arrayWith([":states:action/StartExecution"])] },
        Credentials: Match.anyValue(),
      }),
    });
    built.template.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "GET",
      AuthorizationType: "AWS_IAM",
      RequestParameters: { "method.request.path.executionName": true },
      Integration: Match.objectLike({
        Type: "AWS",
        Uri: { "Fn::Join": ["", Match.arrayWith([":states:action/DescribeExecution"])] },
      }),
    });
    built.template.hasResourceProperties("AWS::ApiGateway::Model", {
      ContentType: "application/json",
      Schema: Match.objectLike({
        required: ["repository", "validationCommand"],
        additionalProperties: false,
      }),
    });
  });

  it("offers the approval API to signed-in approvers only, GET to show and POST to decide, through approval-api", () => {
    const methods = built.template.findResources("AWS::ApiGateway::Method");
    const approvalMethods = Object.values(methods).filter((method) =>
      JSON.stringify(method).includes(functionIds["approval-api"]),
    );
    expect(approvalMethods).toHaveLength(3);
    for (const method of approvalMethods) {
      expect(method.Properties.AuthorizationType).toBe("COGNITO_USER_POOLS");
    }
    for (const method of ["GET", "POST"]) {
      built.template.hasResourceProperties("AWS::ApiGateway::Method", {
        HttpMethod: method,
        AuthorizationType: "COGNITO_USER_POOLS",
        Integration: Match.objectLike({
          Type: "AWS_PROXY",
          Uri: {
            "Fn::Join": ["", Match.arrayWith([{ "Fn::GetAtt": [functionIds["approval-api"], "Arn"] }])],
          },
        }),
      });
    }
  });
});

describe("storage and messaging are encrypted and locked down", () => {
  it("encrypts the four tables, with point-in-time recovery and TTL on expiresAt", () => {
    const tables = built.template.findResources("AWS::DynamoDB::Table");
    expect(Object.keys(tables)).toHaveLength(4);
    built.template.allResourcesProperties("AWS::DynamoDB::Table", {
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      BillingMode: "PAY_PER_REQUEST",
    });
  });

  it("encrypts the buckets, blocks public access, expires artifacts and logs access", () => {
    built.template.allResourcesProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Status: "Enabled" })]) },
    });
    built.template.hasResourceProperties("AWS::S3::Bucket", {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: "artifacts/" },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
  });

  it("denies non-TLS access to both buckets, the topics and the dead-letter queue", () => {
    const denyInsecure = Match.arrayWith([
      Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
    expect(
      Object.keys(
        built.template.findResources("AWS::S3::BucketPolicy", {
          Properties: { PolicyDocument: { Statement: denyInsecure } },
        }),
      ),
    ).toHaveLength(2);
    expect(
      Object.keys(
        built.template.findResources("AWS::SNS::TopicPolicy", {
          Properties: { PolicyDocument: { Statement: denyInsecure } },
        }),
      ),
    ).toHaveLength(2);
    built.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: { Statement: denyInsecure },
    });
  });

  it("encrypts the SNS topics and the dead-letter queue, and generates the signing secret", () => {
    built.template.allResourcesProperties("AWS::SNS::Topic", {
      // The AWS managed key of SNS, as an alias ARN in this account and region.
      KmsMasterKeyId: { "Fn::Join": ["", Match.arrayWith([":alias/aws/sns"])] },
    });
    built.template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    built.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    built.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "approver@example.com",
    });
  });

  it("keeps every log group for a bounded time", () => {
    const logGroups = Object.values(built.template.findResources("AWS::Logs::LogGroup"));
    expect(logGroups.length).toBeGreaterThanOrEqual(TASK_NAMES.length + 3);
    for (const group of logGroups) expect(group.Properties).toHaveProperty("RetentionInDays");
  });
});

describe("alarms", () => {
  it("alarms on failed and timed-out executions, throttles, broken or timed-out commands and slow approvals", () => {
    const alarms = Object.values(built.template.findResources("AWS::CloudWatch::Alarm"));
    const byMetric = (name: string) =>
      alarms.filter((alarm) => (alarm.Properties as { MetricName?: string }).MetricName === name);
    const byQuery = (fragment: string) =>
      alarms.filter((alarm) =>
        JSON.stringify((alarm.Properties as { Metrics?: unknown }).Metrics ?? []).includes(fragment),
      );

    expect(byMetric("ExecutionsFailed")).toHaveLength(1);
    expect(byMetric("ExecutionsTimedOut")).toHaveLength(1);
    expect(byQuery('SELECT SUM(Throttles) FROM \\"AgentCoreRepair\\"')).toHaveLength(1);
    expect(byQuery("SELECT SUM(CommandStreamsBroken)")).toHaveLength(1);
    expect(byQuery("SELECT SUM(CommandsTimedOut)")).toHaveLength(1);
    expect(byQuery("SELECT MAX(ApprovalWaitSeconds)")).toHaveLength(1);
    // A math alarm takes at most ten metrics: the eleven task functions' throttles need two alarms.
    expect(byQuery('"MetricName":"Throttles","Namespace":"AWS/Lambda"')).toHaveLength(2);
    for (const alarm of alarms) {
      expect((alarm.Properties as { AlarmActions?: unknown[] }).AlarmActions).toHaveLength(1);
    }
  });

  it("alarms on a slow approval at half the approval's lifetime, above which no decision can come", () => {
    built.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 1800,
      ComparisonOperator: "GreaterThanThreshold",
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: Match.stringLikeRegexp("^SELECT MAX\\(ApprovalWaitSeconds\\) FROM "),
        }),
      ]),
    });
  });

  it("follows a shorter approval lifetime, and refuses a threshold no approval can reach", () => {
    // Prepare
    const shortLived = buildStack({ runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN }, approvalTtlSeconds: 600 });
    const scope = new Stack();
    const stateMachine = sfn.StateMachine.fromStateMachineArn(
      scope,
      "Workflow",
      "arn:aws:states:us-east-1:123456789012:stateMachine:repair",
    );

    // Act
    const unreachable = () =>
      new RepairAlarms(scope, "Alarms", {
        stateMachine,
        functions: [],
        approvalTtlSeconds: 600,
        approvalWaitThreshold: Duration.minutes(10),
      });

    // Assess
    shortLived.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 300,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp("MAX\\(ApprovalWaitSeconds\\)") }),
      ]),
    });
    shortLived.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "agentcore-repair request-approval",
      Environment: { Variables: Match.objectLike({ APPROVAL_TTL_SECONDS: "600" }) },
    });
    expect(unreachable).toThrow(
      "approvalWaitThreshold is 600 s; it must be shorter than the approval lifetime (APPROVAL_TTL_SECONDS = 600 s)",
    );
    expect(() => buildStack({ approvalTtlSeconds: 7200 })).toThrow(
      "approvalTtlSeconds is 7200; it must be a whole number of seconds from 60 to 3600",
    );
  });

  it("alarms only on custom metrics that a task actually emits", () => {
    // Prepare
    const functionsDir = join(PROJECT_ROOT, "functions");
    const sources = readdirSync(functionsDir, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => readFileSync(join(functionsDir, file), "utf8"))
      .join("\n");
    const custom = Object.entries(REPAIR_METRICS).filter(([key]) => key !== "namespace");

    // Act
    const missing = custom
      .map(([, name]) => name)
      .filter((name) => !sources.includes(`addMetric("${name}",`));

    // Assess
    expect(custom.length).toBeGreaterThanOrEqual(4);
    expect(missing).toEqual([]);
    expect(sources).toContain(`new Metrics({ namespace: "${REPAIR_METRICS.namespace}"`);
  });
});
