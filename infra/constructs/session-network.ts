import { Aws, Duration, Fn, Names, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as nfw from "aws-cdk-lib/aws-networkfirewall";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";
import { assertEgressAllowList, defaultEgressAllowList, type EgressMode } from "./egress.ts";
import type { PackageMirror } from "./package-mirror.ts";

/** The subnet group the runtime's network interfaces (and the interface endpoints) live in. */
export const SESSION_SUBNET_GROUP = "Session";

/** The metric a refused destination counts under (namespace AgentCoreRepair), from the firewall's alert log. */
export const EGRESS_REFUSED_METRIC = "EgressRefused";

/**
 * What may pass the S3 gateway endpoint, and why each statement is there. Exported so the tests can hold the
 * policy to these reasons.
 */
export const S3_ENDPOINT_STATEMENT_IDS = {
  /** ECR serves image layers from this AWS-owned bucket: without it the runtime cannot start its container. */
  imageLayers: "ContainerImageLayers",
  /** CodeArtifact serves package contents from AWS-owned `assets-*` buckets. */
  packageAssets: "CodeArtifactPackageAssets",
  /**
   * AgentCore keeps session storage in S3 buckets it owns and writes them with its own identity; neither the
   * buckets nor the account are published. Runtimes created after the 2026-05-05 rollout have no service-managed
   * S3 gateway, so this endpoint carries that traffic: a policy naming only known buckets would make session
   * storage fail to persist across stop/resume, in ways that look like data loss. Principals of this account are
   * excluded, so nothing holding this stack's credentials can reach other S3 buckets through it.
   */
  sessionStorage: "AgentCoreSessionStorage",
} as const;

export interface SessionNetworkProps {
  readonly mode: Exclude<EgressMode, "public">;
  /** Models the session may invoke through the bedrock-runtime endpoint; none means no such endpoint. */
  readonly modelArns: readonly string[];
  /** The agent image's ECR repository. */
  readonly imageRepositoryArn: string;
  /** The runtime's log groups and streams. */
  readonly logResourceArns: readonly string[];
  readonly packages: PackageMirror;
  /**
   * Host names `allow-list` lets through.
   * @default defaultEgressAllowList(region)
   */
  readonly allowList?: readonly string[];
  /**
   * @default 2
   */
  readonly maxAzs?: number;
}

/**
 * The session's network: private isolated subnets with no route out, VPC endpoints for exactly the AWS APIs a
 * session needs (each with a policy that admits only this account's principals and only this stack's resources),
 * and in `allow-list` mode a NAT gateway behind AWS Network Firewall that passes HTTPS/HTTP to named hosts only.
 */
export class SessionNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly endpointSecurityGroup: ec2.SecurityGroup;
  readonly interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  readonly availabilityZones: number;
  /** allow-list mode only. */
  readonly firewall?: nfw.CfnFirewall;
  readonly firewallAlertLogs?: logs.LogGroup;
  readonly refusedEgress?: cloudwatch.Metric;
  readonly allowList?: readonly string[];

  constructor(scope: Construct, id: string, props: SessionNetworkProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const allowListMode = props.mode === "allow-list";
    this.availabilityZones = props.maxAzs ?? 2;

    this.vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: this.availabilityZones,
      natGateways: allowListMode ? 1 : 0,
      // The default security group is never used; restricting it needs a custom resource for nothing.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        ...(allowListMode
          ? [
              { name: "Public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 28 },
              // Firewall endpoints; their default route is the NAT gateway.
              { name: "Firewall", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 28 },
            ]
          : []),
        { name: SESSION_SUBNET_GROUP, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, "RejectedFlows", {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Rejected packets only: what the security groups refused (an isolated session trying to get out).
    this.vpc.addFlowLog("RejectedFlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    const sessionSubnets = { subnetGroupName: SESSION_SUBNET_GROUP };

    this.securityGroup = new ec2.SecurityGroup(this, "SessionSecurityGroup", {
      vpc: this.vpc,
      description: "agentcore-repair session: HTTPS to the VPC endpoints and S3 only",
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, "EndpointSecurityGroup", {
      vpc: this.vpc,
      description: "agentcore-repair VPC interface endpoints: HTTPS from the session",
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(443),
      "HTTPS from the session",
    );
    this.securityGroup.addEgressRule(this.endpointSecurityGroup, ec2.Port.tcp(443), "HTTPS to the endpoints");

    this.s3Endpoint = this.vpc.addGatewayEndpoint("S3", {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [sessionSubnets],
    });
    for (const statement of s3EndpointStatements(stack.region, stack.account)) {
      this.s3Endpoint.addToPolicy(statement);
    }
    this.securityGroup.addEgressRule(
      ec2.Peer.prefixList(this.s3PrefixListId()),
      ec2.Port.tcp(443),
      "HTTPS to S3 through the gateway endpoint",
    );

    const fromThisAccount = { StringEquals: { "aws:PrincipalAccount": Aws.ACCOUNT_ID } };
    const allow = (sid: string, actions: string[], resources: readonly string[], extra?: object) =>
      new iam.PolicyStatement({
        sid,
        principals: [new iam.AnyPrincipal()],
        actions,
        resources: [...resources],
        conditions: { ...fromThisAccount, ...extra },
      });
    const imagePull = [
      allow("ImageRegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
      allow(
        "AgentImagePull",
        ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        [props.imageRepositoryArn],
      ),
    ];
    const packageRead = props.packages.readStatements().filter((s) => !s.sid?.includes("BearerToken"));
    const endpoints: [string, ec2.InterfaceVpcEndpointAwsService, iam.PolicyStatement[]][] = [
      ["EcrApi", ec2.InterfaceVpcEndpointAwsService.ECR, imagePull],
      ["EcrDocker", ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, imagePull],
      [
        "Logs",
        ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        [
          allow(
            "RuntimeLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            props.logResourceArns,
          ),
        ],
      ],
      [
        "Sts",
        ec2.InterfaceVpcEndpointAwsService.STS,
        [
          allow("PackageMirrorBearerToken", ["sts:GetServiceBearerToken"], ["*"], {
            StringEquals: {
              "aws:PrincipalAccount": Aws.ACCOUNT_ID,
              "sts:AWSServiceName": "codeartifact.amazonaws.com",
            },
          }),
        ],
      ],
      [
        "CodeArtifactApi",
        ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_API,
        packageRead.map((s) => allow(`${s.sid}`, s.actions, s.resources)),
      ],
      [
        "CodeArtifactRepositories",
        ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_REPOSITORIES,
        [allow("PackageMirrorRead", ["codeartifact:ReadFromRepository"], props.packages.repositoryArns)],
      ],
    ];
    if (props.modelArns.length > 0) {
      endpoints.push([
        "BedrockRuntime",
        ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
        [
          allow(
            "AgentModel",
            ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            props.modelArns,
          ),
        ],
      ]);
    }
    for (const [name, service, statements] of endpoints) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: sessionSubnets,
        securityGroups: [this.endpointSecurityGroup],
        privateDnsEnabled: true,
        open: false,
      });
      for (const statement of statements) endpoint.addToPolicy(statement);
      this.interfaceEndpoints[name] = endpoint;
    }

    if (allowListMode) {
      this.allowList = props.allowList ?? defaultEgressAllowList(stack.region);
      assertEgressAllowList(this.allowList);
      const built = this.addFirewall(this.allowList);
      this.firewall = built.firewall;
      this.firewallAlertLogs = built.alertLogs;
      this.refusedEgress = built.refusedEgress;
      // HTTP(S) leaves the subnet only towards the firewall (the session subnets' default route).
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS through the firewall");
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP through the firewall");
    }
  }

  /** The interface endpoint services created (each billed per AZ per hour). */
  get interfaceEndpointCount(): number {
    return Object.keys(this.interfaceEndpoints).length;
  }

  /**
   * The region's S3 prefix list (com.amazonaws.<region>.s3), looked up at deploy time: its id differs by region
   * and synthesis must not call AWS. The security group then allows S3 by prefix list, never 0.0.0.0/0.
   */
  private s3PrefixListId(): string {
    const lookup = new cr.AwsCustomResource(this, "S3PrefixList", {
      onUpdate: {
        service: "EC2",
        action: "describeManagedPrefixLists",
        parameters: { Filters: [{ Name: "prefix-list-name", Values: [`com.amazonaws.${Aws.REGION}.s3`] }] },
        physicalResourceId: cr.PhysicalResourceId.of(`s3-prefix-list-${Aws.REGION}`),
        outputPaths: ["PrefixLists.0.PrefixListId"],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ["ec2:DescribeManagedPrefixLists"], resources: ["*"] }),
      ]),
      installLatestAwsSdk: false,
    });
    acknowledge(
      lookup,
      "AwsSolutions-IAM5[Resource::*]",
      "ec2:DescribeManagedPrefixLists supports no resource-level permissions; the lookup reads one AWS-managed " +
        "prefix list id at deploy time.",
    );
    return lookup.getResponseField("PrefixLists.0.PrefixListId");
  }

  private addFirewall(allowList: readonly string[]) {
    const name = (suffix: string) =>
      `${Names.uniqueResourceName(this, { maxLength: 100, separator: "-" })}-${suffix}`;
    const homeNet = { ipSets: { HOME_NET: { definition: [this.vpc.vpcCidrBlock] } } };
    const allowed = new nfw.CfnRuleGroup(this, "AllowedHosts", {
      ruleGroupName: name("allowed-hosts"),
      type: "STATEFUL",
      capacity: 100,
      description: "agentcore-repair sessions: HTTPS/HTTP only to these hosts (TLS SNI, HTTP Host)",
      ruleGroup: {
        ruleVariables: homeNet,
        rulesSource: {
          rulesSourceList: {
            generatedRulesType: "ALLOWLIST",
            targetTypes: ["TLS_SNI", "HTTP_HOST"],
            targets: [...allowList],
          },
        },
        statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
      },
    });
    // TCP that matches no allowed host is dropped (and logged) by the policy's default actions once the
    // connection is established (SNI and Host only appear then); UDP and ICMP never establish, so they are
    // dropped and logged here (DNS goes to the VPC resolver, which is not routed through the firewall).
    const nonTcp = new nfw.CfnRuleGroup(this, "NonTcp", {
      ruleGroupName: name("non-tcp"),
      type: "STATEFUL",
      capacity: 10,
      description: "agentcore-repair sessions: no UDP or ICMP leaves the VPC",
      ruleGroup: {
        ruleVariables: homeNet,
        rulesSource: {
          rulesString: [
            'drop udp $HOME_NET any -> $EXTERNAL_NET any (msg:"agentcore-repair: UDP egress refused"; sid:1000001; rev:1;)',
            'drop icmp $HOME_NET any -> $EXTERNAL_NET any (msg:"agentcore-repair: ICMP egress refused"; sid:1000002; rev:1;)',
          ].join("\n"),
        },
        statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
      },
    });
    const policy = new nfw.CfnFirewallPolicy(this, "FirewallPolicy", {
      firewallPolicyName: name("egress"),
      firewallPolicy: {
        statelessDefaultActions: ["aws:forward_to_sfe"],
        statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
        statefulEngineOptions: { ruleOrder: "STRICT_ORDER" },
        statefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
        statefulRuleGroupReferences: [
          { resourceArn: allowed.attrRuleGroupArn, priority: 10 },
          { resourceArn: nonTcp.attrRuleGroupArn, priority: 20 },
        ],
      },
    });
    // One firewall endpoint (and one NAT gateway) for every AZ: the cost at rest stays at one of each.
    const firewallSubnet = this.vpc.selectSubnets({ subnetGroupName: "Firewall" }).subnets[0];
    if (!firewallSubnet) throw new Error("allow-list mode needs a Firewall subnet");
    const firewall = new nfw.CfnFirewall(this, "Firewall", {
      firewallName: name("egress"),
      firewallPolicyArn: policy.attrFirewallPolicyArn,
      vpcId: this.vpc.vpcId,
      subnetMappings: [{ subnetId: firewallSubnet.subnetId }],
      description: "agentcore-repair session egress allow-list",
    });
    // EndpointIds are "<az>:<vpce-id>"; there is exactly one.
    const firewallEndpointId = Fn.select(1, Fn.split(":", Fn.select(0, firewall.attrEndpointIds)));

    const sessionSubnets = this.vpc.selectSubnets({ subnetGroupName: SESSION_SUBNET_GROUP }).subnets;
    sessionSubnets.forEach((subnet, index) => {
      new ec2.CfnRoute(this, `SessionToFirewall${index}`, {
        routeTableId: subnet.routeTable.routeTableId,
        destinationCidrBlock: "0.0.0.0/0",
        vpcEndpointId: firewallEndpointId,
      });
    });
    // Replies from the NAT gateway go back through the firewall too (a stateful firewall must see both ways).
    this.vpc.publicSubnets.forEach((publicSubnet, p) => {
      sessionSubnets.forEach((subnet, s) => {
        new ec2.CfnRoute(this, `ReturnThroughFirewall${p}x${s}`, {
          routeTableId: publicSubnet.routeTable.routeTableId,
          destinationCidrBlock: subnet.ipv4CidrBlock,
          vpcEndpointId: firewallEndpointId,
        });
      });
    });

    const alertLogs = new logs.LogGroup(this, "FirewallAlerts", {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new nfw.CfnLoggingConfiguration(this, "FirewallLogging", {
      firewallArn: firewall.attrFirewallArn,
      loggingConfiguration: {
        logDestinationConfigs: [
          {
            logType: "ALERT",
            logDestinationType: "CloudWatchLogs",
            logDestination: { logGroup: alertLogs.logGroupName },
          },
        ],
      },
    });
    alertLogs.addMetricFilter("Refused", {
      filterPattern: logs.FilterPattern.stringValue("$.event.alert.action", "=", "blocked"),
      metricNamespace: "AgentCoreRepair",
      metricName: EGRESS_REFUSED_METRIC,
      metricValue: "1",
    });
    const refusedEgress = new cloudwatch.Metric({
      namespace: "AgentCoreRepair",
      metricName: EGRESS_REFUSED_METRIC,
      statistic: "Sum",
      period: Duration.minutes(5),
    });
    return { firewall, alertLogs, refusedEgress };
  }
}

/** The S3 gateway endpoint's policy (see S3_ENDPOINT_STATEMENT_IDS for why each statement exists). */
function s3EndpointStatements(region: string, account: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: S3_ENDPOINT_STATEMENT_IDS.imageLayers,
      principals: [new iam.AnyPrincipal()],
      actions: ["s3:GetObject"],
      resources: [`arn:${Aws.PARTITION}:s3:::prod-${region}-starport-layer-bucket/*`],
    }),
    new iam.PolicyStatement({
      sid: S3_ENDPOINT_STATEMENT_IDS.packageAssets,
      principals: [new iam.AnyPrincipal()],
      actions: ["s3:GetObject"],
      resources: [`arn:${Aws.PARTITION}:s3:::assets-*-${region}/*`],
    }),
    new iam.PolicyStatement({
      sid: S3_ENDPOINT_STATEMENT_IDS.sessionStorage,
      principals: [new iam.AnyPrincipal()],
      actions: [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ListBucketMultipartUploads",
      ],
      resources: ["*"],
      conditions: { StringNotEquals: { "aws:PrincipalAccount": account } },
    }),
  ];
}

/** cdk-nag acknowledgements for the deploy-time prefix-list lookup (a CDK-provided singleton function). */
export function acknowledgePrefixListLookup(stack: Stack): void {
  const provider = stack.node.tryFindChild("AWS679f53fac002430cb0da5b7982bd2287");
  if (!provider) return;
  acknowledge(
    provider,
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "CDK's AwsCustomResource provider (the S3 prefix-list lookup) runs with the basic execution policy for its " +
      "own logs; it runs once per deployment and holds no data.",
  );
}
