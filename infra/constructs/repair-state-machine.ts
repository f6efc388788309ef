import { readFileSync } from "node:fs";
import { Annotations, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";
import {
  assertSubstitutionsComplete,
  assertTaskTimeoutsExceedLambda,
  parseDefinition,
  unusedSubstitutions,
} from "./asl-definition.ts";

export interface RepairStateMachineProps {
  /** The hand-written ASL file (JSONPath, `${NameFunctionArn}` placeholders). */
  readonly definitionPath: string;
  /** Substitution key (`RunCommandFunctionArn`) -> the function it names. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Substitution key -> that function's Lambda timeout in seconds, which the Task's TimeoutSeconds must exceed. */
  readonly lambdaTimeouts: Readonly<Record<string, number>>;
  /**
   * Other placeholders the definition uses for resources it calls directly (`LocksTableName` -> the table's name).
   * The stack grants the state machine's role what those states do.
   * @default - none
   */
  readonly resourceSubstitutions?: Readonly<Record<string, string>>;
  /**
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Put state input and output in the execution logs. Off by default: the execution history already has it, and
   * logs are kept longer and read more widely.
   * @default false
   */
  readonly logExecutionData?: boolean;
}

/**
 * The repair workflow as a Standard state machine. The definition is the ASL file itself, inlined into the
 * template as DefinitionString (so cfn-lint sees it) with the function ARNs as DefinitionSubstitutions. Synthesis
 * fails when the file uses a placeholder the stack does not provide or a Task timeout that its Lambda would
 * outlast.
 */
export class RepairStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The state machine's execution role (grant it what the definition's direct integrations do). */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RepairStateMachineProps) {
    super(scope, id);
    const source = props.definitionPath;
    let definitionText: string;
    try {
      definitionText = readFileSync(source, "utf8");
    } catch (error) {
      throw new Error(`Cannot read the state machine definition ${source}: ${(error as Error).message}`);
    }
    const resourceSubstitutions = props.resourceSubstitutions ?? {};
    const keys = [...Object.keys(props.functions), ...Object.keys(resourceSubstitutions)];
    assertSubstitutionsComplete(definitionText, keys, source);
    const machine = parseDefinition(definitionText, source);
    assertTaskTimeoutsExceedLambda(machine, props.lambdaTimeouts, source);
    const unused = unusedSubstitutions(definitionText, keys);
    if (unused.length > 0) {
      Annotations.of(this).addWarningV2(
        "agentcore-repair:unusedTaskFunction",
        `${source} never uses ${unused.map((key) => `\${${key}}`).join(", ")}: deployed, but nothing in the workflow reaches it`,
      );
    }

    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("states.amazonaws.com"),
      description: "agentcore-repair state machine: invokes the task functions",
    });

    this.logGroup = new logs.LogGroup(this, "Logs", {
      // Step Functions' log delivery needs a resource policy; the vendedlogs prefix keeps it within size limits.
      logGroupName: `/aws/vendedlogs/states/${this.node.addr}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = this.role;
    const functionArns = Object.values(props.functions).map((fn) => fn.functionArn);
    // The ASL invokes unqualified ARNs: no `:*` (versions and aliases) needed.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: functionArns }),
    );

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definitionText),
      definitionSubstitutions: {
        ...Object.fromEntries(Object.entries(props.functions).map(([key, fn]) => [key, fn.functionArn])),
        ...resourceSubstitutions,
      },
      role,
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.logExecutionData ?? false,
      },
    });

    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray trace submission do not " +
        "support resource-level permissions; Step Functions needs them to log and trace this state machine.",
    );
  }
}
