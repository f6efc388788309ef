import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { TaskName } from "./task-catalog.ts";

/**
 * The current Node.js Lambda runtime. cfn-lint flags nodejs20.x as deprecated and cdk-nag (AwsSolutions-L1) flags
 * anything older than the latest.
 */
const REPAIR_LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * ESM bundles that inline CommonJS dependencies (parts of the AWS SDK and Powertools call `require`) need a real
 * `require` in module scope.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __repairCreateRequire } from 'node:module';" +
  "const require = __repairCreateRequire(import.meta.url);";

/** Shell commands that add files to the bundle after esbuild ran (run by local bundling, in the project root). */
type AfterBundlingCommands = (inputDir: string, outputDir: string) => string[];

export interface RepairFunctionProps {
  /** Which task this function runs; used in its description and log group. */
  readonly task: TaskName;
  /** Absolute path of the handler file exporting `handler`. */
  readonly entry: string;
  /** The repository root: the lock file and node_modules live there. */
  readonly projectRoot: string;
  readonly timeout: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Environment variables (names and ARNs only: secrets are read from Secrets Manager at run time).
   * @default - only the Node.js source-map flag
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The execution role. Pass one to share it between functions that need exactly the same rights.
   * @default - a new role with no managed policies, allowed only to write its own log group
   */
  readonly role?: iam.Role;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * @default RemovalPolicy.DESTROY (logs of a deleted function have no reader)
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Files to copy into the bundle (for example WebAssembly grammars loaded at run time).
   * @default - none
   */
  readonly afterBundling?: AfterBundlingCommands;
}

/**
 * One task as a Lambda function, bundled the way the project ships it: ESM, minified, with source maps and
 * `keepNames` (error class names are the contract with the ASL), the AWS SDK bundled inside so the code runs with
 * the SDK version it was tested with, ARM64 and the current Node.js runtime, X-Ray active, a log group with
 * retention, and a role without AWS-managed policies.
 */
export class RepairFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RepairFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.role =
      props.role ??
      new iam.Role(this, "Role", {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `agentcore-repair ${props.task}`,
      });
    this.logGroup.grantWrite(this.role);

    const afterBundling = props.afterBundling;
    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: `agentcore-repair ${props.task}`,
      runtime: REPAIR_LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        keepNames: true,
        bundleAwsSDK: true,
        externalModules: [],
        tsconfig: `${props.projectRoot}/tsconfig.json`,
        forceDockerBundling: false,
        ...(afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => afterBundling(inputDir, outputDir),
              },
            }
          : {}),
      },
    });
  }
}
