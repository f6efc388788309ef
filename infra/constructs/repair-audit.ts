import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { REPAIR_METRICS } from "./repair-alarms.ts";

/**
 * approval-api logs one line per decision (functions/approval-api/approval-api.ts: message "approval decided",
 * with the approval's new `status`); a denial is `status: "denied"`. Counted from the log because no function
 * emits a metric per denial.
 */
export const APPROVAL_DENIED_FILTER = {
  message: "approval decided",
  status: "denied",
  metricName: "ApprovalsDenied",
} as const;

/** Metrics the functions emit (Powertools, namespace AgentCoreRepair) that the dashboard shows. */
export const DASHBOARD_METRICS = [
  "CommandsRun",
  "CommandsFailed",
  "CommandsTimedOut",
  "CommandStreamsBroken",
  "ApprovalsRequested",
  "ApprovalWaitSeconds",
  "ApprovalDecisionsRefused",
] as const;

export interface RepairAuditProps {
  readonly stateMachine: sfn.IStateMachine;
  /** approval-api's log group (its "approval decided" lines). */
  readonly approvalApiLogs: logs.ILogGroup;
  /** invoke-agent: one invocation per agent turn, i.e. per iteration of the repair loop. */
  readonly invokeAgent: lambda.IFunction;
  readonly alarmTopic: sns.ITopic;
  /**
   * Refused destinations counted from the firewall's alert log (egress=allow-list).
   * @default - no egress alarm (isolated: no route out; public: nothing is refused)
   */
  readonly refusedEgress?: cloudwatch.Metric;
}

/**
 * What a person auditing the deployment looks at: an alarm on each approval denial and on refused egress, and a
 * dashboard of repairs, iterations, approvals and their wait, commands run and refused.
 */
export class RepairAudit extends Construct {
  readonly approvalsDenied: cloudwatch.Alarm;
  readonly egressRefused?: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: RepairAuditProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const notify = new actions.SnsAction(props.alarmTopic);
    const atLeastOnce = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    } as const;

    new logs.MetricFilter(this, "ApprovalsDeniedFilter", {
      logGroup: props.approvalApiLogs,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue("$.message", "=", APPROVAL_DENIED_FILTER.message),
        logs.FilterPattern.stringValue("$.status", "=", APPROVAL_DENIED_FILTER.status),
      ),
      metricNamespace: REPAIR_METRICS.namespace,
      metricName: APPROVAL_DENIED_FILTER.metricName,
      metricValue: "1",
    });
    const denied = new cloudwatch.Metric({
      namespace: REPAIR_METRICS.namespace,
      metricName: APPROVAL_DENIED_FILTER.metricName,
      statistic: "Sum",
      period: fiveMinutes,
    });
    this.approvalsDenied = denied.createAlarm(this, "ApprovalsDenied", {
      ...atLeastOnce,
      alarmDescription:
        "A person denied a command or a change the agent proposed: read what it asked for (audit table, ledger).",
    });
    this.approvalsDenied.addAlarmAction(notify);

    if (props.refusedEgress) {
      const egressRefused = props.refusedEgress.createAlarm(this, "EgressRefused", {
        ...atLeastOnce,
        alarmDescription:
          "A session tried to reach a host outside the egress allow-list (firewall alert log): a build needing a " +
          "new host, or a command trying to send data out.",
      });
      egressRefused.addAlarmAction(notify);
      this.egressRefused = egressRefused;
    }

    const insights = (statistic: "SUM" | "MAX" | "AVG", metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SELECT ${statistic}(${metricName}) FROM "${REPAIR_METRICS.namespace}"`,
        label,
        period: fiveMinutes,
      });
    const sum = (metricName: string, label: string) => insights("SUM", metricName, label);
    const graph = (title: string, left: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6 });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      graph("Repairs", [
        props.stateMachine.metricStarted({ period: fiveMinutes, label: "Started" }),
        props.stateMachine.metricSucceeded({ period: fiveMinutes, label: "Succeeded" }),
        props.stateMachine.metricFailed({ period: fiveMinutes, label: "Failed" }),
        props.stateMachine.metricTimedOut({ period: fiveMinutes, label: "Timed out" }),
      ]),
      graph("Iterations (agent turns)", [
        props.invokeAgent.metricInvocations({ period: fiveMinutes, label: "invoke-agent invocations" }),
      ]),
    );
    this.dashboard.addWidgets(
      graph("Approvals", [
        sum("ApprovalsRequested", "Requested"),
        denied.with({ label: "Denied" }),
        sum("ApprovalDecisionsRefused", "Decisions refused (bad or replayed token)"),
      ]),
      graph("Approval wait (s)", [
        insights("MAX", "ApprovalWaitSeconds", "Longest wait"),
        insights("AVG", "ApprovalWaitSeconds", "Average wait"),
      ]),
    );
    this.dashboard.addWidgets(
      graph("Commands run", [
        sum("CommandsRun", "Run"),
        sum("CommandsFailed", "Non-zero exit"),
        sum("CommandsTimedOut", "Timed out"),
        sum("CommandStreamsBroken", "Outcome unknown"),
      ]),
      graph("Commands and egress refused", [
        denied.with({ label: "Commands or changes denied by a person" }),
        ...(props.refusedEgress
          ? [props.refusedEgress.with({ label: "Egress refused by the firewall" })]
          : []),
      ]),
    );
  }
}
