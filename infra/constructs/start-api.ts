import { ArnFormat, Stack } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { acknowledge, acknowledgeWildcardResource } from "../nag.ts";
import { secureStageDefaults } from "./rest-api-defaults.ts";

/**
 * The body of `POST /repairs`: the fields normalize-request accepts from the API (its `RepairInputSchema`),
 * minus `requestedBy`, which the API fills in from the caller's IAM identity so nobody can claim to be someone
 * else. normalize-request still validates everything; this model rejects malformed bodies before an execution
 * exists.
 */
export const REPAIR_REQUEST_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: "RepairRequest",
  type: apigateway.JsonSchemaType.OBJECT,
  additionalProperties: false,
  required: ["repository", "validationCommand"],
  properties: {
    repository: {
      type: apigateway.JsonSchemaType.OBJECT,
      additionalProperties: false,
      properties: {
        url: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 2048 },
        path: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 4096 },
        revision: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
        branch: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
      },
      oneOf: [{ required: ["url"] }, { required: ["path"] }],
    },
    // normalize-request counts bytes (limit 32768); characters are never fewer than bytes.
    validationCommand: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 32_768 },
    limits: {
      type: apigateway.JsonSchemaType.OBJECT,
      additionalProperties: false,
      properties: {
        maxIterations: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: 20 },
        commandTimeoutSeconds: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: 3600 },
        budgetSeconds: { type: apigateway.JsonSchemaType.INTEGER, minimum: 60, maximum: 28_800 },
      },
    },
    runtimeArn: {
      type: apigateway.JsonSchemaType.STRING,
      pattern: "^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z][A-Za-z0-9_-]{0,99}$",
    },
    qualifier: { type: apigateway.JsonSchemaType.STRING, pattern: "^[A-Za-z][A-Za-z0-9_]{0,47}$" },
  },
};

/**
 * The execution input built from the body: `trigger: "api"` and the caller's ARN as `requestedBy`, followed by
 * the body's own fields. The model guarantees the body is an object without `trigger` or `requestedBy`.
 * API Gateway's escapeJavaScript also escapes `'`, which JSON does not allow; hence the replaceAll.
 */
function startExecutionTemplate(stateMachineArn: string): string {
  return [
    "#set($q = '\"')",
    "#set($body = $input.json('$').trim())",
    "#set($fields = $body.substring(1, $body.length()).trim())",
    '#set($envelope = "{${q}trigger${q}:${q}api${q},${q}requestedBy${q}:${q}$util.escapeJavaScript($context.identity.userArn)${q}")',
    '#if($fields != "}")#set($envelope = "$envelope,")#end',
    '#set($envelope = "$envelope$fields")',
    "{",
    `  "stateMachineArn": "${stateMachineArn}",`,
    '  "name": "$context.requestId",',
    '  "input": "$util.escapeJavaScript($envelope).replaceAll("\\\\\'", "\'")"',
    "}",
  ].join("\n");
}

function describeExecutionTemplate(executionArnPrefix: string): string {
  return `{"executionArn": "${executionArnPrefix}$util.escapeJavaScript($input.params('executionName'))"}`;
}

const START_RESPONSE = `{"executionArn": $input.json('$.executionArn'), "startDate": $input.json('$.startDate')}`;
const DESCRIBE_RESPONSE = [
  "{",
  "\"executionArn\": $input.json('$.executionArn'),",
  "\"name\": $input.json('$.name'),",
  "\"status\": $input.json('$.status'),",
  "\"startDate\": $input.json('$.startDate'),",
  "\"stopDate\": $input.json('$.stopDate'),",
  "\"output\": $input.json('$.output'),",
  "\"error\": $input.json('$.error'),",
  "\"cause\": $input.json('$.cause')",
  "}",
].join(" ");
const ERROR_RESPONSE = `{"error": $input.json('$.__type'), "message": $input.json('$.message')}`;

export interface StartApiProps {
  readonly stateMachine: sfn.StateMachine;
  /**
   * @default "v1"
   */
  readonly stageName?: string;
  /**
   * Configure the account-wide CloudWatch Logs role of API Gateway (needed once per account and region for
   * access and execution logs).
   * @default true
   */
  readonly configureAccountCloudWatchRole?: boolean;
  /**
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * The REST API that starts and describes repairs, authorized by IAM (SigV4) and wired straight to Step Functions
 * (StartExecution, DescribeExecution): no Lambda in between, so nothing to patch or pay for per request.
 *   POST /repairs                      body: RepairRequest -> {executionArn, startDate}
 *   GET  /repairs/{executionName}      -> {status, output, error, cause, ...}
 */
export class StartApi extends Construct {
  readonly api: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: StartApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stage = secureStageDefaults(this, {
      stageName: props.stageName ?? "v1",
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      rateLimit: 10,
      burstLimit: 20,
    });
    const configureRole = props.configureAccountCloudWatchRole ?? true;
    this.api = new apigateway.RestApi(this, "Api", {
      description:
        "agentcore-repair: start and describe repairs (IAM auth, direct Step Functions integration)",
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: configureRole,
      deployOptions: stage.deployOptions,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });

    const integrationRole = new iam.Role(this, "StepFunctionsRole", {
      assumedBy: new iam.ServicePrincipal("apigateway.amazonaws.com"),
      description:
        "agentcore-repair start API: StartExecution and DescribeExecution on the repair state machine",
    });
    const { stateMachine } = props;
    stateMachine.grantStartExecution(integrationRole);
    const executions = stack.formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    integrationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["states:DescribeExecution"], resources: [executions] }),
    );
    acknowledgeWildcardResource(
      integrationRole,
      executions,
      "Execution names are chosen per request; the wildcard covers the executions of this one state machine only.",
    );

    const validator = new apigateway.RequestValidator(this, "Validator", {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const requestModel = this.api.addModel("RepairRequest", {
      contentType: "application/json",
      modelName: "RepairRequest",
      schema: REPAIR_REQUEST_SCHEMA,
    });
    const errorResponses: apigateway.IntegrationResponse[] = [
      {
        selectionPattern: "4\\d{2}",
        statusCode: "400",
        responseTemplates: { "application/json": ERROR_RESPONSE },
      },
      {
        selectionPattern: "5\\d{2}",
        statusCode: "502",
        responseTemplates: { "application/json": ERROR_RESPONSE },
      },
    ];
    const methodResponses = ["200", "400", "502"].map((statusCode) => ({ statusCode }));

    const repairs = this.api.root.addResource("repairs");
    repairs.addMethod(
      "POST",
      new apigateway.AwsIntegration({
        service: "states",
        action: "StartExecution",
        integrationHttpMethod: "POST",
        options: {
          credentialsRole: integrationRole,
          passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
          requestTemplates: { "application/json": startExecutionTemplate(stateMachine.stateMachineArn) },
          integrationResponses: [
            { statusCode: "200", responseTemplates: { "application/json": START_RESPONSE } },
            ...errorResponses,
          ],
        },
      }),
      {
        requestValidator: validator,
        requestModels: { "application/json": requestModel },
        methodResponses,
      },
    );

    const executionArnPrefix = stack.formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${stateMachine.stateMachineName}:`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    repairs.addResource("{executionName}").addMethod(
      "GET",
      new apigateway.AwsIntegration({
        service: "states",
        action: "DescribeExecution",
        integrationHttpMethod: "POST",
        options: {
          credentialsRole: integrationRole,
          passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
          requestTemplates: { "application/json": describeExecutionTemplate(executionArnPrefix) },
          integrationResponses: [
            { statusCode: "200", responseTemplates: { "application/json": DESCRIBE_RESPONSE } },
            ...errorResponses,
          ],
        },
      }),
      {
        requestValidator: validator,
        requestParameters: { "method.request.path.executionName": true },
        methodResponses,
      },
    );

    acknowledge(
      this.api,
      "AwsSolutions-COG4",
      "Callers are AWS principals authorized by IAM (SigV4) on every method; a Cognito user pool would add a " +
        "second identity system for the same callers.",
    );
    acknowledge(
      this.api,
      "AwsSolutions-APIG3",
      "Every method requires SigV4-signed IAM credentials and the stage is throttled; attach an AWS WAF web ACL " +
        "in accounts that mandate one.",
    );
    if (configureRole) {
      acknowledge(
        this.api,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role: AWS maintains this policy for exactly this purpose and it " +
          "only allows writing API Gateway's own log groups.",
      );
    }
  }
}
