import { posix } from "node:path";
import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { displayPath, resolvePath, zoneOf } from "../workspace-paths.ts";
import { classed, runtimeOnly, taskRisk, unknownPart, workspaceWrite } from "./helpers.ts";

/**
 * A script file run by path or by an interpreter (`./scripts/test.sh`, `node scripts/build.mjs`). The policy
 * cannot see inside it, so it judges by where it is and what it is called: a workspace script named like a build
 * or test step is workspace-write, one named like a deploy or release takes that class, anything else is unknown.
 */
export function judgeScriptFile(inv: Invocation, ctx: RuleContext, file: Word, verb: string): Finding[] {
  if (file.value === null)
    return runtimeOnly(inv, `${verb} a script whose path is only known at run time (${file.raw})`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file.value)) {
    return unknownPart(inv, `${verb} a script fetched from ${file.value}`);
  }
  const path = resolvePath(file.value, ctx.cwd);
  if (path === null)
    return runtimeOnly(inv, `${verb} ${file.value} from a directory the policy could not follow`);
  const zone = zoneOf(path, ctx.workspace);
  const shown = displayPath(path);
  if (zone.kind !== "workspace" && zone.kind !== "scratch") {
    return unknownPart(inv, `${verb} ${shown}, a program outside the workspace`);
  }
  const stem = posix
    .basename(path)
    .replace(/\.(sh|bash|zsh|js|mjs|cjs|ts|mts|cts|tsx|jsx|py|rb|pl|php|ps1|lua|r|R|jar|exs?)$/, "");
  const risk = taskRisk(stem);
  if (risk === "safe") return workspaceWrite(inv, `${verb} the workspace script ${shown}`);
  if (risk === "unknown")
    return unknownPart(inv, `${verb} ${shown}, a workspace script the policy cannot see into`);
  return classed(risk.class, inv, `${verb} ${shown}, whose name says it ${risk.detail}`);
}
