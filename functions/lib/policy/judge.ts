import { posix } from "node:path";
import { judgeScriptFile } from "./dispatcher.ts";
import type { Finding } from "./findings.ts";
import { unknownName } from "./findings.ts";
import type { Invocation, RuleContext, RuleTable } from "./invocation.ts";
import { applyConfig, type CompiledConfig } from "./policy-config.ts";
import { resolvePath, zoneOf } from "./workspace-paths.ts";

/** Directories whose programs are the ordinary system tools: `/usr/bin/git` is judged as `git`. */
const SYSTEM_BIN =
  /^(\/usr(\/local)?|\/opt\/homebrew|\/home\/linuxbrew\/\.linuxbrew)?\/s?bin\/[^/]+$|^\/snap\/bin\/[^/]+$/;
/** Project-local tool directories: `node_modules/.bin/jest` is `jest`, `.venv/bin/pip` is `pip` in a venv. */
const TOOL_DIRS = /(^|\/)(node_modules\/\.bin|vendor\/bin|\.bin)\/[^/]+$/;
const VENV_BIN = /(^|\/)(\.?venv[^/]*|env|\.tox\/[^/]+|\.nox\/[^/]+)\/bin\/[^/]+$/;
const WRAPPER_SCRIPTS: Readonly<Record<string, string>> = { gradlew: "gradle", mvnw: "mvn", sbtx: "sbt" };
/** Binstubs a project keeps in `bin/` that stand for the well-known tool of the same name. */
const BINSTUBS = /(^|\/)bin\/(rails|rake|rspec|bundle|rubocop)$/;
/** `python3.12`, `pip3`, `pypy3`, `gcc-13`: judged as the base tool. */
const VERSIONED =
  /^(python|pip|pypy|ruby|perl|php|node|lua|gcc|g\+\+|clang|clang\+\+|cc|java|javac|go)[-.0-9]*$/;

export type Judge = (inv: Invocation, ctx: RuleContext) => Finding[];

export function createJudge(rules: RuleTable, config: CompiledConfig | undefined): Judge {
  return (inv, ctx) => {
    const findings = dispatch(rules, inv, ctx);
    return config === undefined ? findings : applyConfig(inv, findings, config);
  };
}

function lookup(rules: RuleTable, name: string): RuleTable[string] | undefined {
  if (Object.hasOwn(rules, name)) return rules[name];
  const versioned = VERSIONED.exec(name);
  if (versioned?.[1] !== undefined && Object.hasOwn(rules, versioned[1])) return rules[versioned[1]];
  return undefined;
}

function dispatch(rules: RuleTable, inv: Invocation, ctx: RuleContext): Finding[] {
  if (inv.name === "")
    return [{ class: "unknown", subject: inv.subject, detail: "the command name is empty" }];
  if (inv.name.includes("/")) return judgeProgramPath(rules, inv, ctx);
  const rule = lookup(rules, inv.name);
  if (rule !== undefined) return rule(inv, ctx);
  return [unknownName(inv.subject, `${inv.name} is not a command the policy knows`)];
}

function judgeProgramPath(rules: RuleTable, inv: Invocation, ctx: RuleContext): Finding[] {
  const path = resolvePath(inv.name, ctx.cwd);
  if (path === null) {
    return [
      {
        class: "unknown",
        subject: inv.subject,
        detail: `runs ${inv.name} from a directory the policy could not follow`,
      },
    ];
  }
  const base = posix.basename(path);
  const zone = zoneOf(path, ctx.workspace);
  const local = zone.kind === "workspace" || zone.kind === "scratch";
  const asTool = (name: string, venv: boolean): Finding[] | undefined => {
    const rule = lookup(rules, name);
    return rule === undefined ? undefined : ctx.judge({ ...inv, name }, { venv: venv || ctx.venv });
  };
  const wrapped = WRAPPER_SCRIPTS[base];
  if (local && wrapped !== undefined) return asTool(wrapped, false) ?? [];
  if (local && BINSTUBS.test(path)) {
    const judged = asTool(base, false);
    if (judged !== undefined) return judged;
  }
  if (local && VENV_BIN.test(path)) {
    const judged = asTool(base, true);
    if (judged !== undefined) return judged;
  }
  if (TOOL_DIRS.test(path) || SYSTEM_BIN.test(path)) {
    const judged = asTool(base, false);
    if (judged !== undefined) return judged;
  }
  if (local) return judgeScriptFile(inv, ctx, { value: inv.name, raw: inv.name }, "runs");
  return [unknownName(inv.subject, `runs ${inv.name}, a program the policy does not know`)];
}
