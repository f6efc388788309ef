import { readFile } from "node:fs/promises";

/** A definition the local interpreter would run wrongly: refused up front instead of failing silently. */
export class UnsupportedDefinitionError extends Error {
  override readonly name = "UnsupportedDefinitionError";
}

type StateDefinition = Record<string, unknown> & { readonly Type: string };
export interface MachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, StateDefinition>;
  readonly [key: string]: unknown;
}

/** JSONata and variables are ignored by aws-local-stepfunctions 3.0.0 (no error, wrong results). */
const UNSUPPORTED_FIELDS = ["QueryLanguage", "Arguments", "Output", "Assign", "Condition", "Items"] as const;

function refuseUnsupported(states: Record<string, StateDefinition>, where: string): void {
  for (const [name, state] of Object.entries(states)) {
    for (const field of UNSUPPORTED_FIELDS) {
      if (field in state) {
        throw new UnsupportedDefinitionError(
          `${where}state "${name}" uses ${field}: JSONata and Assign variables are not supported by the local runner (aws-local-stepfunctions ignores them silently). Write the state in JSONPath (Parameters, ResultSelector, ResultPath).`,
        );
      }
    }
    for (const branch of (state.Branches as { States: Record<string, StateDefinition> }[] | undefined) ??
      []) {
      refuseUnsupported(branch.States, `${where}${name} › `);
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, StateDefinition> }
      | undefined;
    if (processor) refuseUnsupported(processor.States, `${where}${name} › `);
  }
}

/**
 * Reads an ASL file, replaces `${Name}` substitutions (as CloudFormation's DefinitionSubstitutions do) and refuses
 * what the local interpreter cannot run. A substitution without a value is an error, never left in place.
 */
export async function loadDefinition(
  path: string,
  substitutions: Readonly<Record<string, string>>,
): Promise<MachineDefinition> {
  const text = await readFile(path, "utf8");
  const missing = new Set<string>();
  const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined) {
      missing.add(name);
      return "";
    }
    return value;
  });
  if (missing.size > 0) {
    throw new UnsupportedDefinitionError(
      `${path}: no value for substitution ${[...missing].map((m) => `\${${m}}`).join(", ")}`,
    );
  }
  const definition = JSON.parse(substituted) as MachineDefinition;
  if ("QueryLanguage" in definition && definition.QueryLanguage !== "JSONPath") {
    throw new UnsupportedDefinitionError(
      `${path}: QueryLanguage ${String(definition.QueryLanguage)} is not supported locally; use JSONPath`,
    );
  }
  refuseUnsupported(definition.States, "");
  return definition;
}
