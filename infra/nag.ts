import { Stack, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
// cdk-nag's own formatter, so a computed finding id matches the one the rule reports character for character.
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin: findings fail `cdk synth` (and `app.synth()` in tests).
 * The v2 `Aspects.of(app).add(new AwsSolutionsChecks())` form throws with cdk-nag 3.
 */
export function applyNagChecks(scope: IConstruct): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(scope, { verbose: true });
  Validations.of(scope).addPlugins(checks);
  return checks;
}

/** An acknowledgement shorter than this is not a reason. */
export const MIN_REASON_LENGTH = 40;

/**
 * Acknowledges one cdk-nag finding on a construct (and everything below it). cdk-nag 3 matches ids exactly, so
 * `AwsSolutions-IAM5[Resource::*]` acknowledges that one finding and nothing else.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `The acknowledgement of ${id} on ${scope.node.path} needs a reason of at least ${MIN_REASON_LENGTH} ` +
        `characters; got "${reason}"`,
    );
  }
  const already = scope.node.metadata.some(
    (entry) =>
      entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
      Object.keys(entry.data as Record<string, unknown>).some(
        (key) => key.replace(/^annotation::/i, "") === id,
      ),
  );
  if (!already) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id cdk-nag gives a wildcard resource in an IAM policy (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`),
 * computed from the same value the policy holds so the acknowledgement follows tokens and literal ARNs alike.
 */
function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges one wildcard resource on the principal (role) whose policy holds it, with the reason. */
export function acknowledgeWildcardResource(principal: IConstruct, resource: string, reason: string): void {
  acknowledge(principal, wildcardResourceFinding(principal, resource), reason);
}

export interface RecordedAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded under `root`, for audits and tests. */
export function listAcknowledgements(root: IConstruct): RecordedAcknowledgement[] {
  const found: RecordedAcknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || typeof entry.data !== "object")
        continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({
          path: construct.node.path,
          // aws-cdk-lib records acknowledgements as `Annotation::<id>` (older versions `annotation::<id>`).
          id: key.replace(/^annotation::/i, ""),
          reason: String(reason),
        });
      }
    }
  }
  return found;
}
