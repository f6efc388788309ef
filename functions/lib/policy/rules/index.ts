import { compileSpec } from "../dispatcher.ts";
import type { RuleTable } from "../invocation.ts";
import type { ToolSpec } from "../spec.ts";
import { SpecError } from "../spec.ts";
import { cloudSpecs } from "./cloud.ts";
import { fileSpecs } from "./files.ts";
import { gitSpecs } from "./git.ts";
import { networkSpecs } from "./network.ts";
import { shellSpecs } from "./shell.ts";
import { systemSpecs } from "./system.ts";
import { toolchainSpecs } from "./toolchain.ts";

/** Every tool the policy knows, one spec each. A name missing here is unknown and waits for a person. */
export const toolSpecs: readonly ToolSpec[] = [
  ...fileSpecs(),
  ...shellSpecs,
  ...gitSpecs,
  ...toolchainSpecs,
  ...cloudSpecs,
  ...networkSpecs,
  ...systemSpecs,
];

/** Compiles the specs by name; two specs claiming one name is an error in the tables, found when the policy loads. */
function compileRules(specs: readonly ToolSpec[]): RuleTable {
  const table: Record<string, RuleTable[string]> = {};
  const twice: string[] = [];
  for (const spec of specs) {
    const rule = compileSpec(spec);
    for (const name of spec.names.split(/\s+/).filter((n) => n !== "")) {
      if (Object.hasOwn(table, name)) twice.push(name);
      table[name] = rule;
    }
  }
  if (twice.length > 0) throw new SpecError(`claimed by two specs: ${twice.join(", ")}`);
  return table;
}

export const commandRules: RuleTable = compileRules(toolSpecs);
