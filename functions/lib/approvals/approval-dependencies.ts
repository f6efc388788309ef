import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ArtifactStore } from "../artifact-store.ts";
import { loadConfig } from "../config.ts";
import { createArtifactStore } from "../create-artifact-store.ts";
import { tracer } from "../observability.ts";
import type { ApprovalStore } from "./approval-record.ts";
import { type ApprovalSettings, loadApprovalSettings } from "./approval-settings.ts";
import type { AuditLog } from "./audit-log.ts";
import { EventBridgeNotifier, SnsNotifier } from "./aws-notifiers.ts";
import { DynamoDbApprovalStore } from "./dynamodb-approval-store.ts";
import { DynamoDbAuditLog } from "./dynamodb-audit-log.ts";
import { FileApprovalStore } from "./file-approval-store.ts";
import { FileAuditLog } from "./file-audit-log.ts";
import { type ApprovalNotifier, allNotifiers } from "./notifier.ts";
import { keyFileSigningKey, type SigningKeyProvider, secretsManagerSigningKey } from "./signing-key.ts";
import { SfnTaskCallback, type TaskCallback } from "./task-callback.ts";

/**
 * The approval machinery of this container, built from the environment on first use and reused by warm
 * invocations: the store, the audit log and the signing key (AWS or local files, whichever the environment names),
 * and, in AWS, the notifiers and the Step Functions callback. Local mode injects the last two instead.
 */

export interface ApprovalEnvironment {
  readonly settings: ApprovalSettings;
  readonly store: ApprovalStore;
  readonly audit: AuditLog;
  readonly signingKey: SigningKeyProvider;
}

let documentClient: DynamoDBDocumentClient | undefined;
function dynamoDb(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

let cached: ApprovalEnvironment | undefined;

export function approvalEnvironment(): ApprovalEnvironment {
  cached ??= buildApprovalEnvironment(loadApprovalSettings());
  return cached;
}

function buildApprovalEnvironment(settings: ApprovalSettings): ApprovalEnvironment {
  const store =
    settings.approvals.kind === "dynamodb"
      ? new DynamoDbApprovalStore(dynamoDb(), settings.approvals.table)
      : new FileApprovalStore(settings.approvals.path);
  const audit =
    settings.audit.kind === "dynamodb"
      ? new DynamoDbAuditLog(dynamoDb(), settings.audit.table)
      : new FileAuditLog(settings.audit.path);
  const signingKey =
    settings.signingKey.kind === "secrets-manager"
      ? secretsManagerSigningKey(
          tracer.captureAWSv3Client(new SecretsManagerClient({})),
          settings.signingKey.secretArn,
        )
      : keyFileSigningKey(settings.signingKey.path);
  return { settings, store, audit, signingKey };
}

/** EventBridge and/or SNS, as configured; undefined when neither is (local mode must inject a notifier). */
export function awsNotifier(settings: ApprovalSettings): ApprovalNotifier | undefined {
  const notifiers: ApprovalNotifier[] = [];
  if (settings.eventBusName !== undefined) {
    notifiers.push(
      new EventBridgeNotifier(tracer.captureAWSv3Client(new EventBridgeClient({})), settings.eventBusName),
    );
  }
  if (settings.topicArn !== undefined) {
    notifiers.push(new SnsNotifier(tracer.captureAWSv3Client(new SNSClient({})), settings.topicArn));
  }
  return notifiers.length === 0 ? undefined : allNotifiers(notifiers);
}

let sfn: SfnTaskCallback | undefined;
export function sfnTaskCallback(): TaskCallback {
  sfn ??= new SfnTaskCallback(tracer.captureAWSv3Client(new SFNClient({})));
  return sfn;
}

let ledgerStore: ArtifactStore | null | undefined;

/** The artifact store holding execution ledgers, when this environment names one (ARTIFACT_BUCKET or ARTIFACT_DIR). */
export function ledgerStoreFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ArtifactStore | undefined {
  if (ledgerStore !== undefined) return ledgerStore ?? undefined;
  if (!env.ARTIFACT_BUCKET?.trim() && !env.ARTIFACT_DIR?.trim()) {
    ledgerStore = null;
    return undefined;
  }
  const { artifacts } = loadConfig(env);
  ledgerStore = createArtifactStore(
    artifacts,
    artifacts.kind === "s3" ? { s3: tracer.captureAWSv3Client(new S3Client({})) } : {},
  );
  return ledgerStore;
}
