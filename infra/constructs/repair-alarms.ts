import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

/**
 * The custom metrics the tasks publish through Powertools: Throttles, CommandStreamsBroken and CommandsTimedOut
 * from functions/lib/observability.ts (every AgentCore call and command), ApprovalWaitSeconds from
 * functions/approval-api/approval-api.ts (once per approve or deny decision: seconds from the approval's creation
 * to the decision; an approval that expires undecided emits nothing). Powertools adds a `service` dimension and
 * some metrics carry `Purpose`, so the alarms use Metrics Insights queries, which aggregate over whatever
 * dimensions a datapoint has.
 */
export const REPAIR_METRICS = {
  namespace: "AgentCoreRepair",
  throttles: "Throttles",
  commandStreamsBroken: "CommandStreamsBroken",
  commandsTimedOut: "CommandsTimedOut",
  approvalWaitSeconds: "ApprovalWaitSeconds",
} as const;

export interface RepairAlarmsProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly functions: readonly lambda.IFunction[];
  /**
   * AgentCore throttles (after the tasks' own retries) per 5 minutes that raise the alarm.
   * @default 5
   */
  readonly throttleThreshold?: number;
  /**
   * Commands killed by their timeout per 5 minutes that raise the alarm.
   * @default 3
   */
  readonly commandTimeoutThreshold?: number;
  /**
   * How long an approval lives (request-approval's APPROVAL_TTL_SECONDS): no decision can come later, so the
   * approval-wait threshold must be shorter.
   * @default 3600
   */
  readonly approvalTtlSeconds?: number;
  /**
   * The longest acceptable wait for a person's decision; shorter than the approval's lifetime.
   * @default - half the approval's lifetime (1800 s with the default lifetime)
   */
  readonly approvalWaitThreshold?: Duration;
  /**
   * Addresses subscribed to the alarm topic.
   * @default - none
   */
  readonly alarmEmails?: readonly string[];
}

/**
 * Alarms on what needs a person: executions that failed or timed out, throttling (AgentCore and Lambda), commands
 * whose outcome is unknown or that ran out of time, and approvals waiting too long. Every alarm notifies an
 * encrypted, TLS-only SNS topic.
 */
export class RepairAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly executionsFailed: cloudwatch.Alarm;
  readonly executionsTimedOut: cloudwatch.Alarm;
  readonly agentCoreThrottles: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  /** The throttle alarms of the functions past the first ten (a math alarm takes at most ten metrics). */
  readonly moreLambdaThrottles: readonly cloudwatch.Alarm[];
  readonly commandStreamsBroken: cloudwatch.Alarm;
  readonly commandsTimedOut: cloudwatch.Alarm;
  readonly approvalWaitAge: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RepairAlarmsProps) {
    super(scope, id);
    const approvalTtlSeconds = props.approvalTtlSeconds ?? 3600;
    const approvalWaitSeconds =
      props.approvalWaitThreshold?.toSeconds() ?? Math.floor(approvalTtlSeconds / 2);
    if (approvalWaitSeconds >= approvalTtlSeconds) {
      // ApprovalWaitSeconds never exceeds the lifetime: an alarm above it could never fire.
      throw new Error(
        `approvalWaitThreshold is ${approvalWaitSeconds} s; it must be shorter than the approval lifetime ` +
          `(APPROVAL_TTL_SECONDS = ${approvalTtlSeconds} s), or the alarm can never fire`,
      );
    }
    this.topic = new sns.Topic(this, "Topic", {
      displayName: "agentcore-repair alarms",
      masterKey: kms.Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    for (const email of props.alarmEmails ?? [])
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    const notify = new actions.SnsAction(this.topic);
    const atLeastOnce = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    } as const;
    const fiveMinutes = Duration.minutes(5);
    const insights = (statistic: "SUM" | "MAX", metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SELECT ${statistic}(${metricName}) FROM "${REPAIR_METRICS.namespace}"`,
        label,
        period: fiveMinutes,
      });

    this.executionsFailed = props.stateMachine
      .metricFailed({ period: fiveMinutes })
      .createAlarm(this, "Failed", {
        ...atLeastOnce,
        alarmDescription: "A repair execution failed (it ended in a Fail state or an uncaught error).",
      });
    this.executionsTimedOut = props.stateMachine
      .metricTimedOut({ period: fiveMinutes })
      .createAlarm(this, "TimedOut", {
        ...atLeastOnce,
        alarmDescription: "A repair execution exceeded its time limit.",
      });
    this.agentCoreThrottles = insights("SUM", REPAIR_METRICS.throttles, "AgentCore throttles").createAlarm(
      this,
      "AgentCoreThrottles",
      {
        ...atLeastOnce,
        threshold: props.throttleThreshold ?? 5,
        alarmDescription: "AgentCore keeps throttling the tasks; raise the quota or lower concurrency.",
      },
    );
    // A metric-math alarm may use at most 10 metrics: one alarm per group of ten task functions.
    const groups: lambda.IFunction[][] = [];
    for (let i = 0; i < props.functions.length; i += 10) groups.push(props.functions.slice(i, i + 10));
    const throttleAlarms = groups.map((group, groupIndex) => {
      const metrics = Object.fromEntries(
        group.map((fn, index) => [`t${index}`, fn.metricThrottles({ period: fiveMinutes })]),
      );
      return new cloudwatch.MathExpression({
        expression: Object.keys(metrics).join(" + "),
        usingMetrics: metrics,
        label: "Lambda throttles of the task functions",
        period: fiveMinutes,
      }).createAlarm(this, groupIndex === 0 ? "LambdaThrottles" : `LambdaThrottles${groupIndex + 1}`, {
        ...atLeastOnce,
        alarmDescription: "Lambda throttled a task function (account concurrency exhausted).",
      });
    });
    this.lambdaThrottles = throttleAlarms[0]!;
    this.moreLambdaThrottles = throttleAlarms.slice(1);
    this.commandStreamsBroken = insights(
      "SUM",
      REPAIR_METRICS.commandStreamsBroken,
      "Commands with an unknown outcome",
    ).createAlarm(this, "CommandStreamsBroken", {
      ...atLeastOnce,
      alarmDescription: "A command stream ended without an exit code: its outcome is unknown.",
    });
    this.commandsTimedOut = insights(
      "SUM",
      REPAIR_METRICS.commandsTimedOut,
      "Commands timed out",
    ).createAlarm(this, "CommandsTimedOut", {
      ...atLeastOnce,
      threshold: props.commandTimeoutThreshold ?? 3,
      alarmDescription: "Commands keep running past their timeout.",
    });
    this.approvalWaitAge = insights(
      "MAX",
      REPAIR_METRICS.approvalWaitSeconds,
      "Approval wait (s)",
    ).createAlarm(this, "ApprovalWaitAge", {
      ...atLeastOnce,
      threshold: approvalWaitSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription:
        "A person took longer than expected to decide on a command (ApprovalWaitSeconds, emitted by approval-api " +
        "on each decision).",
    });
    for (const alarm of [
      this.executionsFailed,
      this.executionsTimedOut,
      this.agentCoreThrottles,
      this.lambdaThrottles,
      ...this.moreLambdaThrottles,
      this.commandStreamsBroken,
      this.commandsTimedOut,
      this.approvalWaitAge,
    ]) {
      alarm.addAlarmAction(notify);
    }
  }
}
