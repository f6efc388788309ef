import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";

/** Every artifact of an execution lives under `runs/<executionName>/` (functions/lib/run-artifacts.ts). */
const RUNS_PREFIX = "runs/";

export interface ArtifactBucketProps {
  /**
   * Days before command outputs, ledgers and reports expire.
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Days before server access logs expire.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The artifact store: full (redacted) command output, the execution ledger and the reports. Encrypted, TLS only,
 * public access blocked, objects owned by the bucket owner, expiring after the retention period, and with server
 * access logs in a second bucket that itself only receives logs.
 */
export class ArtifactBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps = {}) {
    super(scope, id);
    // Grant log delivery through the log bucket's policy instead of an ACL (ACLs stay disabled on both buckets),
    // whatever the app's feature flags say.
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
    } satisfies Partial<s3.BucketProps>;

    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      ...common,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 365) }],
    });
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "artifacts/",
      lifecycleRules: [
        { expiration: Duration.days(props.retentionDays ?? 90) },
        // Streaming uploads of command output that died mid-way leave parts behind; nobody resumes them.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  private get runObjects(): string {
    return this.bucket.arnForObjects(`${RUNS_PREFIX}*`);
  }

  /** Writes (including streaming multipart uploads and their abort) under `runs/`. */
  grantWriteRuns(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [this.runObjects],
      }),
    );
    this.acknowledgeRunObjects(role);
  }

  /** Reads of single objects under `runs/`. */
  grantReadRuns(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [this.runObjects] }),
    );
    this.acknowledgeRunObjects(role);
  }

  /** What readLedger (functions/lib/ledger.ts) does: list the keys under `runs/`, then get each object. */
  grantReadLedger(role: iam.Role): void {
    this.grantListRuns(role);
    this.grantReadRuns(role);
  }

  /** Listing keys under `runs/` (the ledger is one object per line). */
  grantListRuns(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${RUNS_PREFIX}*`] } },
      }),
    );
  }

  private acknowledgeRunObjects(role: iam.Role): void {
    acknowledgeWildcardResource(
      role,
      this.runObjects,
      "Object keys are created per execution (runs/<executionName>/...), so the grant covers the runs/ prefix " +
        "of this one bucket, not a wildcard bucket.",
    );
  }
}
