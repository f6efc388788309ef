/**
 * The session's network posture (context `egress`), the hosts `allow-list` lets through, and what each posture
 * costs at rest. One place for these facts: the stack, its outputs, the tests and infra/README.md read them here.
 */

export const EGRESS_MODES = ["isolated", "allow-list", "public"] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];

/** The posture of a runtime the stack creates when none is asked for. */
export const DEFAULT_EGRESS: EgressMode = "isolated";

function isEgressMode(value: string): value is EgressMode {
  return (EGRESS_MODES as readonly string[]).includes(value);
}

export function parseEgressMode(value: string): EgressMode {
  if (!isEgressMode(value)) {
    throw new Error(`egress is "${value}"; expected one of ${EGRESS_MODES.join(", ")}`);
  }
  return value;
}

/**
 * What `allow-list` lets a session reach through the firewall (TLS SNI for HTTPS, the Host header for HTTP): the
 * package registries, the major git forges and the Bedrock endpoints of the region, the same kinds of hosts the
 * local emulator's egress proxy allows. AWS APIs the session needs go through the VPC endpoints, not the firewall.
 * A leading dot matches the domain and its subdomains (Network Firewall domain-list syntax).
 */
export function defaultEgressAllowList(region: string): string[] {
  return [
    // npm
    "registry.npmjs.org",
    // PyPI (index and files)
    "pypi.org",
    "files.pythonhosted.org",
    // git forges (clone and fetch over HTTPS; archives and release assets)
    "github.com",
    "codeload.github.com",
    "objects.githubusercontent.com",
    "gitlab.com",
    "bitbucket.org",
    // Bedrock (reached through the bedrock-runtime endpoint anyway; listed for clients that bypass private DNS)
    `bedrock-runtime.${region}.amazonaws.com`,
  ];
}

/** Domain-list targets: a host name or a `.domain` suffix, lower case, no scheme, port or path. */
const DOMAIN_TARGET = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function assertEgressAllowList(domains: readonly string[]): void {
  if (domains.length === 0) throw new Error("egressAllowList is empty; give at least one host name");
  for (const domain of domains) {
    // A token (the region) is resolved at deploy time; only literal names are checked here.
    if (domain.includes("${Token[")) continue;
    if (!DOMAIN_TARGET.test(domain)) {
      throw new Error(
        `egressAllowList entry "${domain}" is not a host name or .domain suffix (lower case, no scheme, port or path)`,
      );
    }
  }
}

/**
 * Prices in US East (N. Virginia), us-east-1, read from the AWS price pages listed in infra/README.md
 * ("Network posture and cost"). 730 hours a month. Data processing charges come on top and scale with use.
 */
export const US_EAST_1_PRICES = {
  /** AWS PrivateLink pricing: interface endpoint, per endpoint per AZ per hour. */
  interfaceEndpointHour: 0.01,
  /** Amazon VPC pricing: NAT gateway per hour. */
  natGatewayHour: 0.045,
  /** AWS Network Firewall pricing: firewall endpoint per hour. */
  firewallEndpointHour: 0.395,
  /** Amazon VPC pricing: public IPv4 address per hour (the NAT gateway's Elastic IP). */
  publicIpv4Hour: 0.005,
  hoursPerMonth: 730,
} as const;

export interface EgressCost {
  readonly interfaceEndpoints: number;
  readonly natGateways: number;
  readonly firewallEndpoints: number;
  /** USD per month at rest (no traffic), us-east-1 prices. */
  readonly monthlyUsd: number;
}

/**
 * The posture's fixed monthly cost: what is billed per hour whether or not a session runs. The S3 gateway
 * endpoint, the VPC, subnets, route tables and security groups cost nothing.
 */
export function egressCostAtRest(
  mode: EgressMode,
  interfaceEndpointServices: number,
  availabilityZones: number,
): EgressCost {
  const p = US_EAST_1_PRICES;
  if (mode === "public")
    return { interfaceEndpoints: 0, natGateways: 0, firewallEndpoints: 0, monthlyUsd: 0 };
  const interfaceEndpoints = interfaceEndpointServices * availabilityZones;
  const natGateways = mode === "allow-list" ? 1 : 0;
  const firewallEndpoints = mode === "allow-list" ? 1 : 0;
  const hourly =
    interfaceEndpoints * p.interfaceEndpointHour +
    natGateways * (p.natGatewayHour + p.publicIpv4Hour) +
    firewallEndpoints * p.firewallEndpointHour;
  return {
    interfaceEndpoints,
    natGateways,
    firewallEndpoints,
    monthlyUsd: Math.round(hourly * p.hoursPerMonth * 100) / 100,
  };
}

/** What each posture refuses, for the stack output and the README. */
export const EGRESS_BLOCKS: Readonly<Record<EgressMode, string>> = {
  isolated:
    "Everything outside the VPC except the endpoints: no internet route; AWS APIs only through endpoints whose " +
    "policies allow this account's principals this stack's model, image, log group and package domain; packages " +
    "only from the CodeArtifact domain.",
  "allow-list":
    "As isolated for AWS APIs; other traffic leaves through Network Firewall, which passes HTTPS/HTTP only to the " +
    "allow-listed host names (TLS SNI, Host header), drops the rest and non-TCP traffic, and logs each refusal.",
  public: "Nothing: the runtime has AgentCore's public network; any command can reach any host.",
};
