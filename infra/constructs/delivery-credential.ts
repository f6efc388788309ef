import type * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";

/** How an approved change leaves, per repository: functions/deliver-change/delivery-config.ts reads this. */
export interface RepositoryDeliverySettings {
  readonly mode: "patch" | "branch" | "pull-request";
  readonly remoteUrl?: string;
  readonly github?: { readonly owner: string; readonly repo: string; readonly apiUrl?: string };
  readonly baseBranch?: string;
}

export interface DeliveryCredentialProps {
  /**
   * Per-repository delivery (DELIVERY_CONFIGS). Repositories not named get `patch`: nothing is pushed.
   * @default - every repository: patch
   */
  readonly repositories?: Readonly<Record<string, RepositoryDeliverySettings>>;
  /**
   * A Lambda layer with `bin/git` (for example built from Amazon Linux 2023's git package): branch and
   * pull-request delivery apply the patch with the real git, which the Node.js runtime does not include.
   * @default - none: only patch delivery is possible, and synthesis refuses a repository configured otherwise
   */
  readonly gitLayerArn?: string;
}

/**
 * The repository write credential (a token, or a GitHub App key; see functions/deliver-change/delivery-credential.ts)
 * and who may read it: deliver-change's role, and no other principal in the stack. The secret is created empty of
 * any credential (a generated placeholder); an operator puts the value. The AgentCore runtime never gets it: what
 * leaves the session is a patch, delivered by this one task outside it.
 */
export class DeliveryCredential extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly repositories: Readonly<Record<string, RepositoryDeliverySettings>>;
  readonly gitLayerArn: string | undefined;

  constructor(scope: Construct, id: string, props: DeliveryCredentialProps = {}) {
    super(scope, id);
    this.repositories = props.repositories ?? {};
    this.gitLayerArn = props.gitLayerArn;
    const pushing = Object.entries(this.repositories).filter(([, settings]) => settings.mode !== "patch");
    if (pushing.length > 0 && !props.gitLayerArn) {
      throw new Error(
        `deliveryConfigs: ${pushing.map(([repo, s]) => `${repo} (${s.mode})`).join(", ")} push a branch, which ` +
          "needs git in deliver-change's runtime: set gitLayerArn (a layer with bin/git), or use mode patch",
      );
    }
    this.secret = new secretsmanager.Secret(this, "Secret", {
      description:
        'agentcore-repair deliver-change: repository write credential, JSON {"token": "..."} or ' +
        '{"githubApp": {"appId", "installationId", "privateKey"}}',
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(
      this.secret,
      "AwsSolutions-SMG4",
      "Holds a forge credential that the forge issues (a token or a GitHub App key): it is rotated at the forge and " +
        "put here by an operator. A GitHub App key is the recommended value: each delivery mints a one-hour token " +
        "for one repository.",
    );
  }

  /** deliver-change's environment: where the credential is, and how each repository is delivered. */
  environment(): Record<string, string> {
    return {
      DELIVERY_SECRET_ARN: this.secret.secretArn,
      DELIVERY_DEFAULT_MODE: "patch",
      ...(Object.keys(this.repositories).length > 0
        ? { DELIVERY_CONFIGS: JSON.stringify(this.repositories) }
        : {}),
    };
  }

  /** The only grant on the secret. */
  grantTo(role: iam.IRole): void {
    this.secret.grantRead(role);
  }
}
