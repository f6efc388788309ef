import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

/** The attribute every table expires items by (epoch seconds). */
const TTL_ATTRIBUTE = "expiresAt";

export interface RepairTablesProps {
  /**
   * What happens to the tables when the stack is deleted.
   * @default RemovalPolicy.RETAIN (approvals and the audit trail outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The four tables, all on-demand, encrypted with the AWS managed key (auditable in CloudTrail, no key to run),
 * with point-in-time recovery and TTL on `expiresAt`:
 * - approvals: one item per pending or decided approval, key `approvalId`;
 * - audit: one item per decision and per command run, key `pk` (the execution) and `sk` (time-ordered);
 * - locks: one item per repository and revision under repair, key `pk` (the request id), taken and released by
 *   the state machine itself (DynamoDB integration), so a duplicate request cannot run twice at once;
 * - commandRates: one token bucket per runtime ARN, key `pk`, that every command-running Lambda takes a token
 *   from before each InvokeAgentRuntimeCommand (functions/lib/rate-gate): the executions share the quota.
 *   Its items expire a day after their last use.
 */
export class RepairTables extends Construct {
  readonly approvals: dynamodb.Table;
  readonly audit: dynamodb.Table;
  readonly locks: dynamodb.Table;
  readonly commandRates: dynamodb.Table;

  constructor(scope: Construct, id: string, props: RepairTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy,
    } satisfies Partial<dynamodb.TableProps>;

    this.approvals = new dynamodb.Table(this, "Approvals", {
      ...common,
      partitionKey: { name: "approvalId", type: dynamodb.AttributeType.STRING },
    });
    this.audit = new dynamodb.Table(this, "Audit", {
      ...common,
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      // Nobody deletes the audit trail by deleting a stack by accident.
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });
    this.locks = new dynamodb.Table(this, "Locks", {
      ...common,
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
    });
    this.commandRates = new dynamodb.Table(this, "CommandRates", {
      ...common,
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
    });
  }
}
