import { RemovalPolicy } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

export interface StageDefaults {
  readonly accessLogs: logs.LogGroup;
  readonly deployOptions: apigateway.StageOptions;
}

/**
 * Stage settings both REST APIs share: JSON access logs to a log group with retention, execution logs at ERROR
 * without request/response data (bodies and query strings may carry approval tokens), X-Ray, metrics, throttling.
 */
export function secureStageDefaults(
  scope: Construct,
  options: {
    readonly stageName: string;
    readonly retention: logs.RetentionDays;
    readonly rateLimit: number;
    readonly burstLimit: number;
  },
): StageDefaults {
  const accessLogs = new logs.LogGroup(scope, "AccessLogs", {
    retention: options.retention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return {
    accessLogs,
    deployOptions: {
      stageName: options.stageName,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      // The standard fields hold the resource path template, never the query string or the body.
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
      tracingEnabled: true,
      throttlingRateLimit: options.rateLimit,
      throttlingBurstLimit: options.burstLimit,
    },
  };
}
