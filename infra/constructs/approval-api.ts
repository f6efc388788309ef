import { Duration } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";
import { secureStageDefaults } from "./rest-api-defaults.ts";

/**
 * How long a person has to decide (request-approval's APPROVAL_TTL_SECONDS). The limits are those of
 * functions/lib/approvals/approval-settings.ts: "Wait for approval" waits at most 3720 s, so an approval must not
 * outlive it.
 */
export const APPROVAL_TTL_SECONDS = { min: 60, max: 3600, default: 3600 } as const;

/** Checks the deployment's approval lifetime; names the field and the limits. */
export function assertApprovalTtl(approvalTtlSeconds: number): void {
  if (
    !Number.isInteger(approvalTtlSeconds) ||
    approvalTtlSeconds < APPROVAL_TTL_SECONDS.min ||
    approvalTtlSeconds > APPROVAL_TTL_SECONDS.max
  ) {
    throw new Error(
      `approvalTtlSeconds is ${approvalTtlSeconds}; it must be a whole number of seconds from ` +
        `${APPROVAL_TTL_SECONDS.min} to ${APPROVAL_TTL_SECONDS.max}`,
    );
  }
}

export interface ApprovalNotificationsProps {
  /**
   * Addresses subscribed to approval requests.
   * @default - none (subscribe later, or use another protocol)
   */
  readonly approverEmails?: readonly string[];
}

/**
 * What a person needs to decide: the signing key of approval tokens (generated, never in the template) and the
 * encrypted, TLS-only SNS topic that carries approval requests.
 */
export class ApprovalNotifications extends Construct {
  readonly signingSecret: secretsmanager.Secret;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: ApprovalNotificationsProps = {}) {
    super(scope, id);
    this.signingSecret = new secretsmanager.Secret(this, "SigningSecret", {
      description: "agentcore-repair: HMAC key that signs approval decision tokens",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(
      this.signingSecret,
      "AwsSolutions-SMG4",
      "An HMAC signing key, not a credential for another system: rotating it invalidates every pending " +
        "approval link, so it is rotated by hand (put a new value) when no approval is pending; tokens expire.",
    );

    this.topic = new sns.Topic(this, "ApprovalRequests", {
      displayName: "agentcore-repair approval requests",
      masterKey: kms.Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    for (const email of props.approverEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}

export interface ApprovalApiProps {
  /** The approval-api function (Lambda proxy integration). */
  readonly handler: lambda.IFunction;
  /**
   * @default "v1"
   */
  readonly stageName?: string;
  /**
   * Requests per second across the API; a person clicks, nothing else should call it.
   * @default 5
   */
  readonly rateLimit?: number;
  /**
   * @default 10
   */
  readonly burstLimit?: number;
  /**
   * @default logs.RetentionDays.ONE_YEAR (access logs are part of the approval audit)
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Who approvers sign in as: the API's Cognito user pool authorizer checks the ID token, and approval-api reads
   * the user's e-mail claim from the request context (checked against APPROVERS). Bring your organisation's pool
   * (federated with its identity provider) or use the one created here (no self sign-up, MFA required).
   * @default - a new user pool
   */
  readonly userPool?: cognito.IUserPool;
}

/**
 * The approval API. Every method needs a signed-in approver (a Cognito user pool authorizer), whose identity the
 * approval-api function takes from the request context, never from the form. GET only shows what would run or be
 * delivered (safe for mail scanners that follow links); a decision is a POST that also carries a signed,
 * single-use, expiring token bound to the execution and the command's or patch's hash.
 */
export class ApprovalApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly userPool: cognito.IUserPool;
  /** `https://<id>.execute-api.<region>.amazonaws.com/<stage>` without a trailing slash. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    const stage = secureStageDefaults(this, {
      stageName: props.stageName ?? "v1",
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      rateLimit: props.rateLimit ?? 5,
      burstLimit: props.burstLimit ?? 10,
    });
    this.api = new apigateway.RestApi(this, "Api", {
      description:
        "agentcore-repair approvals: GET shows a pending command, POST decides with a signed token",
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The start API configures the account's CloudWatch role once for both APIs.
      cloudWatchRole: false,
      deployOptions: stage.deployOptions,
      disableExecuteApiEndpoint: false,
    });
    const validator = new apigateway.RequestValidator(this, "Validator", {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.userPool = props.userPool ?? this.createUserPool();
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, "Approvers", {
      cognitoUserPools: [this.userPool],
      resultsCacheTtl: Duration.minutes(5),
    });
    const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true });
    const signedIn = {
      authorizationType: apigateway.AuthorizationType.COGNITO,
      authorizer,
      requestValidator: validator,
      requestParameters: { "method.request.path.approvalId": true },
    };
    const approval = this.api.root.addResource("approvals").addResource("{approvalId}");
    for (const method of ["GET", "POST"]) approval.addMethod(method, integration, signedIn);
    // The full patch of an approval of a diff (the page links it with the same token).
    approval.addResource("patch").addMethod("GET", integration, signedIn);
    this.baseUrl = `https://${this.api.restApiId}.execute-api.${this.api.stack.region}.${this.api.stack.urlSuffix}/${this.api.deploymentStage.stageName}`;

    acknowledge(
      this.api,
      "AwsSolutions-APIG3",
      "Low-volume human-facing API with stage throttling (5 rps); attach an AWS WAF web ACL in accounts that " +
        "mandate one: no rule here depends on it.",
    );
  }

  private createUserPool(): cognito.UserPool {
    const pool = new cognito.UserPool(this, "ApproverPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    });
    return pool;
  }
}
