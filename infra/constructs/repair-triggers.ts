import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";

/** The detail-type of our own events (normalize-request reads their `detail`). */
const REPAIR_REQUESTED_DETAIL_TYPE = "Repair Requested";

export interface RepairTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  /** The custom event bus that carries `Repair Requested` events. */
  readonly eventBus: events.IEventBus;
  /**
   * Accept `Repair Requested` only from these event sources.
   * @default - any source that can put events on the bus (the bus is the boundary)
   */
  readonly repairRequestSources?: readonly string[];
  /**
   * CodeBuild projects whose failed builds start a repair.
   * @default - failed builds of every project in the account and region
   */
  readonly codeBuildProjects?: readonly string[];
}

/**
 * The event-driven front doors: CodeBuild `Build State Change` with status FAILED on the default bus, and our own
 * `Repair Requested` events on a custom bus. Both start the state machine with the whole event as input; events
 * the target cannot take (throttled, state machine missing) go to an encrypted dead-letter queue.
 */
export class RepairTriggers extends Construct {
  readonly codeBuildFailed: events.Rule;
  readonly repairRequested: events.Rule;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: RepairTriggersProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetters,
      "AwsSolutions-SQS3",
      "This queue is itself the dead-letter queue of the EventBridge targets; nothing consumes it automatically, " +
        "so a further dead-letter queue would never receive anything.",
    );

    const target = new targets.SfnStateMachine(props.stateMachine, {
      deadLetterQueue: this.deadLetters,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    });

    const projects = props.codeBuildProjects ?? [];
    this.codeBuildFailed = new events.Rule(this, "CodeBuildFailed", {
      description: "agentcore-repair: a CodeBuild build failed",
      eventPattern: {
        source: ["aws.codebuild"],
        detailType: ["CodeBuild Build State Change"],
        detail: {
          "build-status": ["FAILED"],
          ...(projects.length > 0 ? { "project-name": [...projects] } : {}),
        },
      },
      targets: [target],
    });

    const sources = props.repairRequestSources ?? [];
    this.repairRequested = new events.Rule(this, "RepairRequested", {
      description: "agentcore-repair: a Repair Requested event",
      eventBus: props.eventBus,
      eventPattern: {
        detailType: [REPAIR_REQUESTED_DETAIL_TYPE],
        ...(sources.length > 0 ? { source: [...sources] } : {}),
      },
      targets: [target],
    });
  }
}
