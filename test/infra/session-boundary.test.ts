import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  defaultEgressAllowList,
  EGRESS_MODES,
  egressCostAtRest,
  US_EAST_1_PRICES,
} from "../../infra/constructs/egress.ts";
import { APPROVAL_DENIED_FILTER, DASHBOARD_METRICS } from "../../infra/constructs/repair-audit.ts";
import { EGRESS_REFUSED_METRIC, S3_ENDPOINT_STATEMENT_IDS } from "../../infra/constructs/session-network.ts";
import { readAppSettings } from "../../infra/context.ts";
import { PROJECT_ROOT, type RepairStackProps } from "../../infra/stack.ts";
import {
  actionsOf,
  type BuiltStack,
  buildStack,
  EXAMPLE_IMAGE_URI,
  EXAMPLE_RUNTIME_ARN,
  type PolicyStatementJson,
  resourcesOf,
} from "./support.ts";

/**
 * The trust boundary of a session in AWS, read from the synthesized template: where its traffic can go in each
 * network posture, what its execution role may do, and who may run commands in it.
 */

const PROFILE_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const created = (extra: NonNullable<RepairStackProps["runtime"]> = {}): RepairStackProps => ({
  runtime: { agentImageUri: EXAMPLE_IMAGE_URI, agentModelId: PROFILE_ID, ...extra },
});

const stacks = new Map<string, BuiltStack>();
function stackFor(name: string, props: RepairStackProps): BuiltStack {
  let built = stacks.get(name);
  if (!built) {
    built = buildStack(props);
    stacks.set(name, built);
  }
  return built;
}
const isolated = () => stackFor("isolated", created());
const allowList = () => stackFor("allow-list", created({ egress: "allow-list" }));
const publicEgress = () => stackFor("public", created({ egress: "public" }));

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}
function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}
const json = (value: unknown) => JSON.stringify(value);

/** Every IAM statement in the template: policies attached to roles and policies inline in roles. */
function allRoleStatements(template: Template): { role: string; statement: PolicyStatementJson }[] {
  const found: { role: string; statement: PolicyStatementJson }[] = [];
  for (const [, policy] of resources(template, "AWS::IAM::Policy")) {
    const props = policy.Properties as {
      PolicyDocument: { Statement: PolicyStatementJson[] };
      Roles?: { Ref: string }[];
    };
    for (const role of props.Roles ?? [])
      for (const statement of props.PolicyDocument.Statement) found.push({ role: role.Ref, statement });
  }
  for (const [roleId, role] of resources(template, "AWS::IAM::Role")) {
    const inline = (role.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: PolicyStatementJson[] };
    }[];
    for (const policy of inline)
      for (const statement of policy.PolicyDocument.Statement) found.push({ role: roleId, statement });
  }
  return found;
}

function executionRole(template: Template): [string, Resource] {
  const runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"), "runtimes")[1];
  const roleId = (runtime.Properties.RoleArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const role = template.findResources("AWS::IAM::Role")[roleId] as Resource | undefined;
  if (!role) throw new Error(`${roleId} is not a role`);
  return [roleId, role];
}

function sessionSecurityGroupId(template: Template): string {
  const runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"), "runtimes")[1];
  const config = runtime.Properties.NetworkConfiguration as {
    NetworkModeConfig: { SecurityGroups: { "Fn::GetAtt": [string, string] }[] };
  };
  return only(config.NetworkModeConfig.SecurityGroups, "security groups")["Fn::GetAtt"][0];
}

/** The egress rules of a security group, inline or as separate AWS::EC2::SecurityGroupEgress resources. */
function egressRules(template: Template, groupId: string): Record<string, unknown>[] {
  const group = template.findResources("AWS::EC2::SecurityGroup")[groupId] as Resource;
  const inline = (group.Properties.SecurityGroupEgress ?? []) as Record<string, unknown>[];
  const separate = resources(template, "AWS::EC2::SecurityGroupEgress")
    .map(([, rule]) => rule.Properties)
    .filter((rule) => json(rule.GroupId) === json({ "Fn::GetAtt": [groupId, "GroupId"] }));
  return [...inline, ...separate];
}

/** `com.amazonaws.<region>.<service>` as the service part: "ecr.api", "s3". */
function endpointService(endpoint: Resource): string {
  const name = endpoint.Properties.ServiceName as { "Fn::Join": [string, unknown[]] };
  const parts = name["Fn::Join"][1];
  expect(parts.slice(0, 2)).toEqual(["com.amazonaws.", { Ref: "AWS::Region" }]);
  return String(parts[2]).replace(/^\./, "");
}

describe("egress=isolated (the default when the stack creates the runtime)", () => {
  it("puts the runtime in VPC mode on the private isolated session subnets", () => {
    const { template } = isolated();
    const runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"), "runtimes")[1];
    const config = runtime.Properties.NetworkConfiguration as {
      NetworkMode: string;
      NetworkModeConfig: { Subnets: { Ref: string }[] };
    };

    expect(config.NetworkMode).toBe("VPC");
    expect(config.NetworkModeConfig.Subnets.map((subnet) => subnet.Ref)).toEqual([
      expect.stringMatching(/SessionSubnet1/),
      expect.stringMatching(/SessionSubnet2/),
    ]);
  });

  it("has no NAT gateway, no internet gateway and no route to 0.0.0.0/0", () => {
    const { template } = isolated();

    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.resourceCountIs("AWS::EC2::InternetGateway", 0);
    for (const [, route] of resources(template, "AWS::EC2::Route")) {
      expect(route.Properties.DestinationCidrBlock).not.toBe("0.0.0.0/0");
    }
  });

  it("gives the session's security group no egress rule to 0.0.0.0/0 (or ::/0): HTTPS to the endpoints and S3 only", () => {
    const { template } = isolated();
    const rules = egressRules(template, sessionSecurityGroupId(template));

    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.CidrIp, json(rule)).not.toBe("0.0.0.0/0");
      expect(rule.CidrIpv6, json(rule)).not.toBe("::/0");
      expect(rule.FromPort).toBe(443);
      expect(rule.ToPort).toBe(443);
    }
    expect(rules.map((rule) => Object.keys(rule).find((key) => key.startsWith("Destination")))).toEqual(
      expect.arrayContaining(["DestinationSecurityGroupId", "DestinationPrefixListId"]),
    );
  });

  it("creates endpoints for exactly what a session needs", () => {
    const { template } = isolated();
    const services = resources(template, "AWS::EC2::VPCEndpoint").map(([, endpoint]) =>
      endpointService(endpoint),
    );

    expect(services.sort()).toEqual([
      "bedrock-runtime",
      "codeartifact.api",
      "codeartifact.repositories",
      "ecr.api",
      "ecr.dkr",
      "logs",
      "s3",
      "sts",
    ]);
  });

  it("lets only this account's principals use the interface endpoints, for this stack's resources", () => {
    const { template } = isolated();
    const interfaces = resources(template, "AWS::EC2::VPCEndpoint").filter(
      ([, endpoint]) => endpoint.Properties.VpcEndpointType === "Interface",
    );

    expect(interfaces).toHaveLength(7);
    for (const [id, endpoint] of interfaces) {
      expect(endpoint.Properties.PrivateDnsEnabled, id).toBe(true);
      const statements = (endpoint.Properties.PolicyDocument as { Statement: PolicyStatementJson[] })
        .Statement;
      expect(statements.length, id).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(json(statement.Condition), id).toContain('"aws:PrincipalAccount":{"Ref":"AWS::AccountId"}');
        for (const action of actionsOf(statement)) expect(action, id).not.toMatch(/\*/);
      }
    }
    const bedrock = only(
      interfaces.filter(([, endpoint]) => endpointService(endpoint).endsWith("bedrock-runtime")),
      "bedrock endpoint",
    )[1];
    expect(json(bedrock.Properties.PolicyDocument)).toContain(`inference-profile/${PROFILE_ID}`);
  });

  it("keeps AgentCore session storage working through the S3 gateway endpoint", () => {
    // Why the S3 policy has a broad statement: runtimes created after 2026-05-05 get no service-managed S3
    // gateway, so session storage (AgentCore's own buckets, written with AgentCore's own identity, neither
    // published) travels through this endpoint. A policy listing only known buckets would break persistence
    // across stop/resume. The statement excludes this account's principals, so the stack's credentials cannot
    // move data to other buckets through it; ECR layers and CodeArtifact assets are read-only exceptions.
    const { template } = isolated();
    const s3 = only(
      resources(template, "AWS::EC2::VPCEndpoint").filter(
        ([, endpoint]) => endpoint.Properties.VpcEndpointType === "Gateway",
      ),
      "gateway endpoints",
    )[1];
    const statements = (
      s3.Properties.PolicyDocument as { Statement: (PolicyStatementJson & { Sid: string })[] }
    ).Statement;
    const bySid = new Map(statements.map((statement) => [statement.Sid, statement]));

    expect([...bySid.keys()].sort()).toEqual(Object.values(S3_ENDPOINT_STATEMENT_IDS).sort());
    const storage = bySid.get(S3_ENDPOINT_STATEMENT_IDS.sessionStorage)!;
    expect(actionsOf(storage)).toEqual(
      expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
    );
    expect(resourcesOf(storage)).toEqual(["*"]);
    expect(storage.Condition).toEqual({
      StringNotEquals: { "aws:PrincipalAccount": { Ref: "AWS::AccountId" } },
    });
    expect(json(bySid.get(S3_ENDPOINT_STATEMENT_IDS.imageLayers))).toContain("-starport-layer-bucket/*");
    for (const sid of [S3_ENDPOINT_STATEMENT_IDS.imageLayers, S3_ENDPOINT_STATEMENT_IDS.packageAssets]) {
      expect(actionsOf(bySid.get(sid)!)).toEqual(["s3:GetObject"]);
    }
  });

  it("mirrors npm and PyPI in a CodeArtifact domain and points the runtime's npm and pip at it", () => {
    const { template } = isolated();
    const connections = resources(template, "AWS::CodeArtifact::Repository").map(
      ([, repo]) => repo.Properties.ExternalConnections,
    );
    expect(connections).toEqual(expect.arrayContaining([["public:npmjs"], ["public:pypi"]]));
    const runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"), "runtimes")[1];
    const environment = json(runtime.Properties.EnvironmentVariables);

    expect(environment).toMatch(
      /"NPM_CONFIG_REGISTRY":\{"Fn::Join":\["",\["https:\/\/agentcore-repair-".*\/npm\/npm-store\/"\]\]\}/,
    );
    expect(environment).toMatch(/"PIP_INDEX_URL":\{"Fn::Join":.*\/pypi\/pypi-store\/simple\/"\]\]\}/);
    expect(environment).toContain('"CODEARTIFACT_DOMAIN":"agentcore-repair"');
  });
});

describe("the runtime's execution role", () => {
  const EXPECTED = {
    AgentModel: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
    AgentImagePull: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
    ImageRegistryLogin: ["ecr:GetAuthorizationToken"],
    RuntimeLogs: [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ],
    PackageMirrorToken: ["codeartifact:GetAuthorizationToken"],
    PackageMirrorRead: ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
    PackageMirrorBearerToken: ["sts:GetServiceBearerToken"],
  };

  it.each(EGRESS_MODES)(
    "has no statement beyond its model, image, logs and package reads (egress=%s)",
    (mode) => {
      const { template } = stackFor(mode, created(mode === "isolated" ? {} : { egress: mode }));
      const [roleId, role] = executionRole(template);
      const statements = allRoleStatements(template).filter((entry) => entry.role === roleId);

      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(
        Object.fromEntries(
          statements.map(({ statement }) => [(statement as { Sid?: string }).Sid, actionsOf(statement)]),
        ),
      ).toEqual(EXPECTED);
      const bySid = new Map(
        statements.map(({ statement }) => [(statement as { Sid?: string }).Sid, statement]),
      );
      expect(json(bySid.get("AgentModel")!.Resource)).toBe(
        json([
          {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":bedrock:",
                { Ref: "AWS::Region" },
                ":",
                { Ref: "AWS::AccountId" },
                `:inference-profile/${PROFILE_ID}`,
              ],
            ],
          },
          {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
              ],
            ],
          },
        ]),
      );
      expect(resourcesOf(bySid.get("AgentImagePull")!)).toEqual([
        "arn:aws:ecr:us-east-1:123456789012:repository/repair-agent",
      ]);
      expect(json(bySid.get("RuntimeLogs")!.Resource)).toContain(
        "/aws/bedrock-agentcore/runtimes/AgentCoreRepair_agent-*",
      );
      expect(bySid.get("PackageMirrorBearerToken")!.Condition).toEqual({
        StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" },
      });
      // Trusted by AgentCore for this runtime only.
      expect(json(role.Properties.AssumeRolePolicyDocument)).toContain("runtime/AgentCoreRepair_agent*");
    },
  );

  it("gets no Bedrock right at all when no model is configured (the sample agent's replay mode)", () => {
    const { template } = stackFor("replay", { runtime: { agentImageUri: EXAMPLE_IMAGE_URI } });
    const [roleId] = executionRole(template);
    const actions = allRoleStatements(template)
      .filter((entry) => entry.role === roleId)
      .flatMap(({ statement }) => actionsOf(statement));

    expect(actions.some((action) => action.startsWith("bedrock:"))).toBe(false);
    expect(
      resources(template, "AWS::EC2::VPCEndpoint").some(([, e]) =>
        endpointService(e).endsWith("bedrock-runtime"),
      ),
    ).toBe(false);
  });

  it("refuses to synthesize a wildcard model unless allowAnyModel is asked for by name", () => {
    expect(() =>
      buildStack({
        runtime: {
          agentImageUri: EXAMPLE_IMAGE_URI,
          agentModelArns: ["arn:aws:bedrock:*::foundation-model/*"],
        },
      }),
    ).toThrow(/agentModelArns entry "arn:aws:bedrock:\*::foundation-model\/\*" names no single model/);

    const { template } = buildStack({ runtime: { agentImageUri: EXAMPLE_IMAGE_URI, allowAnyModel: true } });
    const [roleId] = executionRole(template);
    const model = allRoleStatements(template).find(
      (entry) => entry.role === roleId && actionsOf(entry.statement).includes("bedrock:InvokeModel"),
    );
    expect(json(model?.statement.Resource)).toContain("foundation-model/*");
  });
});

describe("who can run commands in a session", () => {
  it.each([
    ["runtime ARN as a stack parameter", {}],
    ["existing runtime", { runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN } }],
    ...EGRESS_MODES.map((mode) => [`created runtime, egress=${mode}`, created({ egress: mode })] as const),
  ] as [string, RepairStackProps][])(
    "only the command-runner role can call InvokeAgentRuntimeCommand (%s)",
    (_, props) => {
      const { template } = buildStack(props);
      const holders = allRoleStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((action) =>
          ["bedrock-agentcore:InvokeAgentRuntimeCommand", "bedrock-agentcore:*", "*"].includes(action),
        ),
      );

      expect(holders.map((holder) => holder.role)).toEqual([expect.stringMatching(/^CommandRunnerRole/)]);
    },
  );
});

describe("egress=allow-list", () => {
  it("sends the session subnets' traffic through one Network Firewall endpoint to one NAT gateway", () => {
    const { template } = allowList();
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
    template.resourceCountIs("AWS::NetworkFirewall::Firewall", 1);
    const defaultRoutes = resources(template, "AWS::EC2::Route").filter(
      ([, route]) => route.Properties.DestinationCidrBlock === "0.0.0.0/0",
    );
    const viaFirewall = defaultRoutes.filter(([, route]) => route.Properties.VpcEndpointId !== undefined);
    const viaNat = defaultRoutes.filter(([, route]) => route.Properties.NatGatewayId !== undefined);

    expect(viaFirewall.map(([id]) => id)).toEqual([
      expect.stringMatching(/SessionToFirewall0/),
      expect.stringMatching(/SessionToFirewall1/),
    ]);
    expect(viaNat.map(([id]) => id)).toEqual([
      expect.stringMatching(/Firewall/),
      expect.stringMatching(/Firewall/),
    ]);
    expect(json(viaFirewall[0]?.[1].Properties.VpcEndpointId)).toContain("EndpointIds");
  });

  it("passes HTTPS/HTTP only to the allow-listed hosts (TLS SNI and Host) and drops the rest, logging refusals", () => {
    const { template } = allowList();
    const groups = resources(template, "AWS::NetworkFirewall::RuleGroup").map(
      ([, group]) => group.Properties,
    );
    const domainList = only(
      groups.filter((group) => json(group).includes("RulesSourceList")),
      "domain-list rule groups",
    ).RuleGroup as { RulesSource: { RulesSourceList: Record<string, unknown> } };

    expect(domainList.RulesSource.RulesSourceList).toEqual({
      GeneratedRulesType: "ALLOWLIST",
      TargetTypes: ["TLS_SNI", "HTTP_HOST"],
      Targets: [
        ...defaultEgressAllowList("REGION").slice(0, -1),
        { "Fn::Join": ["", ["bedrock-runtime.", { Ref: "AWS::Region" }, ".amazonaws.com"]] },
      ],
    });
    template.hasResourceProperties("AWS::NetworkFirewall::FirewallPolicy", {
      FirewallPolicy: Match.objectLike({
        StatefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
        StatefulEngineOptions: { RuleOrder: "STRICT_ORDER" },
      }),
    });
    template.hasResourceProperties("AWS::NetworkFirewall::LoggingConfiguration", {
      LoggingConfiguration: {
        LogDestinationConfigs: [Match.objectLike({ LogType: "ALERT", LogDestinationType: "CloudWatchLogs" })],
      },
    });
    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: '{ $.event.alert.action = "blocked" }',
      MetricTransformations: [
        Match.objectLike({ MetricName: EGRESS_REFUSED_METRIC, MetricNamespace: "AgentCoreRepair" }),
      ],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: EGRESS_REFUSED_METRIC,
      Namespace: "AgentCoreRepair",
      Threshold: 1,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp("^AlarmsTopic") })],
    });
  });

  it("refuses an allow-list entry that is not a host name", () => {
    expect(() =>
      buildStack(created({ egress: "allow-list", egressAllowList: ["https://evil.example/x"] })),
    ).toThrow('egressAllowList entry "https://evil.example/x" is not a host name');
  });
});

describe("egress=public", () => {
  it("keeps today's public network mode, with a warning at synthesis", () => {
    const { stack, template } = publicEgress();

    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.hasResourceProperties("AWS::BedrockAgentCore::Runtime", {
      NetworkConfiguration: { NetworkMode: "PUBLIC" },
    });
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("egress=public: .*any command .* can reach any host"),
    );
    Annotations.fromStack(isolated().stack).hasNoWarning("*", Match.stringLikeRegexp("egress=public"));
  });
});

describe("network posture settings", () => {
  it("reads egress, egressAllowList and allowAnyModel from context, naming a bad value", () => {
    expect(
      readAppSettings(
        (key) =>
          ({
            agentImageUri: EXAMPLE_IMAGE_URI,
            egress: "allow-list",
            egressAllowList: "github.com,pypi.org",
            allowAnyModel: "true",
          })[key],
      ).stackProps.runtime,
    ).toEqual({
      agentImageUri: EXAMPLE_IMAGE_URI,
      egress: "allow-list",
      egressAllowList: ["github.com", "pypi.org"],
      allowAnyModel: true,
    });
    expect(() => readAppSettings((key) => ({ egress: "open" })[key])).toThrow(
      'egress is "open"; expected one of isolated, allow-list, public',
    );
  });

  it("refuses network settings for a runtime the stack does not create", () => {
    expect(() => buildStack({ runtime: { runtimeArn: EXAMPLE_RUNTIME_ARN, egress: "isolated" } })).toThrow(
      "egress applies to a runtime this stack creates (agentImageUri)",
    );
  });

  it("states each posture's monthly cost at rest from the listed us-east-1 prices", () => {
    const p = US_EAST_1_PRICES;
    const isolatedCost = egressCostAtRest("isolated", 7, 2);
    const allowListCost = egressCostAtRest("allow-list", 7, 2);

    expect(isolatedCost.monthlyUsd).toBeCloseTo(7 * 2 * p.interfaceEndpointHour * 730, 2);
    expect(allowListCost.monthlyUsd).toBeCloseTo(
      (14 * p.interfaceEndpointHour + p.natGatewayHour + p.publicIpv4Hour + p.firewallEndpointHour) * 730,
      2,
    );
    expect(egressCostAtRest("public", 0, 0).monthlyUsd).toBe(0);
    const outputs = isolated().template.findOutputs("SessionEgressMonthlyCostAtRest");
    expect(Object.values(outputs)[0]?.Value).toBe(`${isolatedCost.monthlyUsd.toFixed(2)} USD`);
  });
});

describe("audit", () => {
  let template: Template;
  beforeAll(() => {
    template = isolated().template;
  });

  it("counts approval denials from approval-api's decision log line and alarms on them", () => {
    const [approvalFn] = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
      id.startsWith("ApprovalApiFunction"),
    )!;
    const logGroupRef = (template.findResources("AWS::Lambda::Function")[approvalFn] as Resource).Properties
      .LoggingConfig as { LogGroup: { Ref: string } };

    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: logGroupRef.LogGroup.Ref },
      FilterPattern: `{ ($.message = "${APPROVAL_DENIED_FILTER.message}") && ($.status = "${APPROVAL_DENIED_FILTER.status}") }`,
      MetricTransformations: [Match.objectLike({ MetricName: APPROVAL_DENIED_FILTER.metricName })],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: APPROVAL_DENIED_FILTER.metricName,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp("^AlarmsTopic") })],
    });
    // The line the filter counts is the one approval-api writes.
    const source = readFileSync(join(PROJECT_ROOT, "functions/approval-api/approval-api.ts"), "utf8");
    expect(source).toMatch(/logger\.info\("approval decided", \{[^}]*status: decided\.status/);
  });

  it("puts the metrics the functions emit on a dashboard", () => {
    const dashboard = only(resources(template, "AWS::CloudWatch::Dashboard"), "dashboards")[1];
    const body = json(dashboard.Properties.DashboardBody);
    const emitted = sourcesUnder(join(PROJECT_ROOT, "functions")).join("\n");

    for (const metric of DASHBOARD_METRICS) {
      expect(body).toContain(metric);
      expect(emitted).toContain(`"${metric}"`);
    }
    expect(body).toContain("ExecutionsStarted");
    expect(body).toContain(APPROVAL_DENIED_FILTER.metricName);
  });
});

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return name.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
  });
}
