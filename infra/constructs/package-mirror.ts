import { Aws, Stack } from "aws-cdk-lib";
import * as codeartifact from "aws-cdk-lib/aws-codeartifact";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/**
 * How the session reaches its package mirror. The names are the contract with the agent image
 * (the agent process mints the read-only token from them: infra/README.md, "Packages: CodeArtifact and its token").
 */
const PACKAGE_MIRROR_ENV = {
  domain: "CODEARTIFACT_DOMAIN",
  domainOwner: "CODEARTIFACT_DOMAIN_OWNER",
  region: "CODEARTIFACT_REGION",
  npmRegistry: "NPM_CONFIG_REGISTRY",
  pipIndex: "PIP_INDEX_URL",
} as const;

/** CodeArtifact's names for the public registries an upstream repository connects to. */
const EXTERNAL_CONNECTIONS = { npm: "public:npmjs", pypi: "public:pypi" } as const;

export interface PackageMirrorProps {
  /**
   * The domain's name (2-50 characters: lower-case letters, digits, hyphens).
   * @default "agentcore-repair"
   */
  readonly domainName?: string;
}

/**
 * A CodeArtifact domain with one repository per ecosystem, each with an external connection to the public
 * registry (npm, PyPI): packages a session installs are fetched once from upstream and served from the domain, so
 * the session needs no internet route. The session reads with a short-lived token minted from its execution
 * role, which can read and nothing else (no publish, no delete, no other domain).
 */
export class PackageMirror extends Construct {
  readonly domain: codeartifact.CfnDomain;
  readonly npm: codeartifact.CfnRepository;
  readonly pypi: codeartifact.CfnRepository;
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: PackageMirrorProps = {}) {
    super(scope, id);
    this.domainName = props.domainName ?? "agentcore-repair";
    if (!/^[a-z][a-z0-9-]{0,48}[a-z0-9]$/.test(this.domainName)) {
      throw new Error(
        `packageDomainName is "${this.domainName}"; a CodeArtifact domain name is 2-50 lower-case letters, digits ` +
          "and hyphens, starting with a letter",
      );
    }
    // Encrypted with the AWS managed key (aws/codeartifact) when no key is given.
    this.domain = new codeartifact.CfnDomain(this, "Domain", { domainName: this.domainName });
    const repository = (ecosystem: keyof typeof EXTERNAL_CONNECTIONS) => {
      const repo = new codeartifact.CfnRepository(this, `${ecosystem === "npm" ? "Npm" : "PyPI"}Repository`, {
        domainName: this.domain.attrName,
        repositoryName: `${ecosystem}-store`,
        description: `Packages from ${EXTERNAL_CONNECTIONS[ecosystem]} for agentcore-repair sessions (read-only)`,
        externalConnections: [EXTERNAL_CONNECTIONS[ecosystem]],
      });
      return repo;
    };
    this.npm = repository("npm");
    this.pypi = repository("pypi");
  }

  /** `https://<domain>-<owner>.d.codeartifact.<region>.amazonaws.com` */
  get endpointHost(): string {
    return `${this.domainName}-${Aws.ACCOUNT_ID}.d.codeartifact.${Aws.REGION}.${Aws.URL_SUFFIX}`;
  }

  /**
   * The runtime's environment: where the token minter looks and, when `pointPackageManagers`, where npm and pip
   * look for packages.
   */
  environment(pointPackageManagers: boolean): Record<string, string> {
    return {
      [PACKAGE_MIRROR_ENV.domain]: this.domainName,
      [PACKAGE_MIRROR_ENV.domainOwner]: Aws.ACCOUNT_ID,
      [PACKAGE_MIRROR_ENV.region]: Aws.REGION,
      ...(pointPackageManagers
        ? {
            [PACKAGE_MIRROR_ENV.npmRegistry]: `https://${this.endpointHost}/npm/${this.npm.repositoryName}/`,
            [PACKAGE_MIRROR_ENV.pipIndex]: `https://${this.endpointHost}/pypi/${this.pypi.repositoryName}/simple/`,
          }
        : {}),
    };
  }

  get repositoryArns(): string[] {
    return [this.npm.attrArn, this.pypi.attrArn];
  }

  /**
   * Read packages, nothing else: mint a token for this domain (which needs sts:GetServiceBearerToken, allowed
   * only for CodeArtifact), find the repositories' endpoints, read from them.
   */
  readStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: "PackageMirrorToken",
        actions: ["codeartifact:GetAuthorizationToken"],
        resources: [this.domain.attrArn],
      }),
      new iam.PolicyStatement({
        sid: "PackageMirrorRead",
        actions: ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
        resources: this.repositoryArns,
      }),
      new iam.PolicyStatement({
        sid: "PackageMirrorBearerToken",
        actions: ["sts:GetServiceBearerToken"],
        // sts:GetServiceBearerToken has no resource type: the condition limits it to CodeArtifact tokens.
        resources: ["*"],
        conditions: { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } },
      }),
    ];
  }

  /** The domain's ARN, for endpoint policies. */
  get domainArn(): string {
    return Stack.of(this).formatArn({
      service: "codeartifact",
      resource: "domain",
      resourceName: this.domainName,
    });
  }
}
