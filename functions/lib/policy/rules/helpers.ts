import type { CommandClass } from "../../contracts.ts";
import type { Finding } from "../findings.ts";
import { unknownName } from "../findings.ts";
import type { Invocation, RuleContext } from "../invocation.ts";
import { judgePath, type PathAccess } from "../path-effects.ts";
import type { Word } from "../shell-words.ts";

export function readOnly(inv: Invocation, detail: string): Finding[] {
  return [{ class: "read-only", subject: inv.subject, detail }];
}

export function workspaceWrite(inv: Invocation, detail: string): Finding[] {
  return [{ class: "workspace-write", subject: inv.subject, detail }];
}

export function classed(commandClass: CommandClass, inv: Invocation, detail: string): Finding[] {
  return [{ class: commandClass, subject: inv.subject, detail }];
}

/** A subcommand, target or script the policy does not know (a repository's allow list may name it). */
export function unknownPart(inv: Invocation, detail: string): Finding[] {
  return [unknownName(inv.subject, detail)];
}

/** Something only known at run time: never overridable. */
export function runtimeOnly(inv: Invocation, detail: string): Finding[] {
  return [{ class: "unknown", subject: inv.subject, detail }];
}

export function pathFindings(
  inv: Invocation,
  ctx: RuleContext,
  words: readonly Word[],
  access: PathAccess,
): Finding[] {
  const out: Finding[] = [];
  for (const word of words) {
    const f = judgePath(inv.subject, word, access, ctx);
    if (f !== null) out.push(f);
  }
  return out;
}

/**
 * A command that writes or removes the given paths: one finding per path that needs one, or a single
 * workspace-write finding when all of them are plainly inside the workspace.
 */
export function writesPaths(
  inv: Invocation,
  ctx: RuleContext,
  words: readonly Word[],
  access: "write" | "remove",
  detail: string,
): Finding[] {
  if (words.length === 0) return workspaceWrite(inv, detail);
  const found = pathFindings(inv, ctx, words, access);
  // A write or removal is judged null only for a discarding device (/dev/null, /dev/stdout).
  if (found.length === 0) return readOnly(inv, "writes only to /dev/null or the terminal");
  const serious = found.filter((f) => f.class !== "workspace-write");
  return serious.length > 0 ? serious : workspaceWrite(inv, detail);
}

/** Builds the invocation a wrapper runs (`sudo -u x git push` → `git push`), keeping subject and stdin. */
export function innerInvocation(inv: Invocation, words: readonly Word[]): Invocation | null {
  const [first, ...rest] = words;
  if (first === undefined) return null;
  if (first.value === null) return null;
  return {
    name: first.value,
    args: rest,
    assignments: inv.assignments,
    subject: inv.subject,
    stdin: inv.stdin,
  };
}

/** Judges the command a wrapper runs; a missing or run-time command name is unknown. */
export function judgeWrapped(
  inv: Invocation,
  ctx: RuleContext,
  words: readonly Word[],
  wrapper: string,
  options?: { readonly cwd?: string | null; readonly venv?: boolean },
): Finding[] {
  if (words.length === 0) return [];
  const inner = innerInvocation(inv, words);
  if (inner === null) {
    return runtimeOnly(
      inv,
      `${wrapper} runs a command whose name is only known at run time (${words[0]?.raw})`,
    );
  }
  return ctx.judge(inner, options);
}

/** Parses shell text handed to an interpreter; text only known at run time is unknown. */
export function judgeShellText(
  inv: Invocation,
  ctx: RuleContext,
  word: Word | undefined,
  how: string,
): Finding[] {
  if (word === undefined) return runtimeOnly(inv, `${how} without the command text`);
  if (word.value === null) return runtimeOnly(inv, `${how} runs text only known at run time (${word.raw})`);
  return ctx.judgeScript(word.value, how);
}

/** Task, target and script names: what `npm run X`, `make X`, `gradle X` are judged by when the policy cannot see inside. */
const RISKY_TASK_WORDS: readonly (readonly [RegExp, CommandClass, string])[] = [
  [/^(publish|release|upload|ship|npm-publish)$/, "package-publish", "publishes or releases"],
  [
    /^(deploy|deployment|provision|destroy|teardown|apply|rollout|promote)$/,
    "infrastructure",
    "deploys or changes infrastructure",
  ],
  [/^(push|tag-push)$/, "vcs-remote", "pushes to a remote"],
];

const SAFE_TASK_WORDS = new Set([
  "build",
  "builds",
  "test",
  "tests",
  "check",
  "checks",
  "lint",
  "linting",
  "format",
  "fmt",
  "typecheck",
  "type",
  "types",
  "tsc",
  "compile",
  "clean",
  "coverage",
  "cov",
  "bench",
  "benchmark",
  "doc",
  "docs",
  "generate",
  "gen",
  "codegen",
  "dev",
  "start",
  "serve",
  "watch",
  "verify",
  "validate",
  "e2e",
  "unit",
  "integration",
  "spec",
  "specs",
  "all",
  "assemble",
  "jar",
  "bundle",
  "dist",
  "package",
  "pack",
  "prettier",
  "eslint",
  "biome",
  "style",
  "storybook",
  "prepare",
  "pretest",
  "posttest",
  "prebuild",
  "postbuild",
  "compile",
  "analyze",
  "analyse",
  "audit",
  "ci-test",
  "test-unit",
  "jest",
  "vitest",
  "mocha",
  "pytest",
  "tox",
  "rebuild",
  "develop",
  "local",
  "fix",
  "lintfix",
  "typecheck",
  "types",
  "css",
  "js",
  "ts",
  "web",
  "app",
  "api",
  "frontend",
  "backend",
  "client",
  "server",
  "debug",
  "default",
  "help",
  "tasks",
  "dependencies",
  "deps",
  "install-deps",
  "setup",
  "bootstrap",
  "init",
  "snapshot",
  "report",
  "quality",
  "sonar",
  "spotless",
  "spotlessapply",
  "spotlesscheck",
  "ktlint",
  "ktlintcheck",
  "ktlintformat",
  "detekt",
  "checkstyle",
  "pmd",
  "jacoco",
  "jacocotestreport",
  "bootjar",
  "bootrun",
  "run",
  "shadowjar",
  "installdist",
  "distzip",
  "javadoc",
  "classes",
  "testclasses",
  "compilejava",
  "compilekotlin",
  "processresources",
  "mypy",
  "ruff",
  "black",
  "isort",
  "flake8",
  "pylint",
  "cargo",
  "go",
  "vet",
  "tidy",
  "mod",
  "proto",
  "protos",
  "schema",
  "schemas",
  "migrations",
  "i18n",
  "icons",
  "assets",
  "static",
  "html",
  "synth",
  "synthesize",
  "wrapper",
  "diff",
  "plan",
  "configure",
  "autogen",
  "index",
  "main",
  "cli",
  "example",
  "examples",
  "demo",
  "repro",
  "reproduce",
  "sample",
  "samples",
  "smoke",
  "perf",
  "profile",
  "fixtures",
  "seed-test",
  "precommit",
]);

/** Words that qualify a task without changing what kind of task it is. */
const TASK_MODIFIERS = new Set([
  "prod",
  "production",
  "dev",
  "development",
  "staging",
  "local",
  "ci",
  "watch",
  "fix",
  "debug",
  "docker",
  "web",
  "api",
  "client",
  "server",
  "ts",
  "js",
  "css",
  "esm",
  "cjs",
  "lib",
  "node",
  "browser",
  "unit",
  "integration",
  "int",
  "snapshot",
  "snapshots",
  "update",
  "u",
  "quick",
  "fast",
  "full",
  "only",
  "changed",
  "related",
  "headless",
  "ui",
  "verbose",
  "silent",
  "report",
  "html",
  "json",
  "junit",
  "xml",
  "lcov",
  "all",
  "types",
  "strict",
  "src",
  "tests",
  "spec",
  "files",
  "code",
  "md",
  "markdown",
  "style",
  "styles",
  "scss",
  "sass",
  "backend",
  "frontend",
  "core",
  "common",
  "shared",
  "packages",
  "pkg",
  "app",
  "apps",
  "mobile",
  "ios",
  "android",
  "electron",
  "desktop",
  "lambda",
  "functions",
  "workers",
  "worker",
  "parallel",
  "serial",
  "coverage",
  "cov",
  "lint",
  "format",
  "check",
  "test",
  "build",
  "e2e",
  "py",
  "go",
  "rs",
  "java",
  "kt",
]);

export function taskRisk(
  name: string,
): { readonly class: CommandClass; readonly detail: string } | "safe" | "unknown" {
  const parts = name
    .toLowerCase()
    .replace(/^:+/, "")
    .split(/[:\-_/.\s]+/)
    .filter((p) => p !== "");
  for (const part of parts) {
    for (const [pattern, commandClass, detail] of RISKY_TASK_WORDS) {
      if (pattern.test(part)) return { class: commandClass, detail };
    }
  }
  // Every part must be a build, test or lint word or a plain modifier: `test:unit` and `build-prod` are safe,
  // `storybook-export-chromatic` (which uploads) is not.
  if (
    parts.length > 0 &&
    parts.every((p) => SAFE_TASK_WORDS.has(p) || TASK_MODIFIERS.has(p) || /^v?\d+$/.test(p))
  ) {
    return "safe";
  }
  return "unknown";
}

/** Judges a named task (npm script, make target, gradle task) by its name. */
export function judgeTaskName(inv: Invocation, tool: string, task: Word): Finding[] {
  if (task.value === null) return runtimeOnly(inv, `runs a ${tool} only known at run time (${task.raw})`);
  const risk = taskRisk(task.value);
  if (risk === "safe")
    return workspaceWrite(inv, `runs the ${tool} "${task.value}" (a build, test or lint step)`);
  if (risk === "unknown") {
    return unknownPart(
      inv,
      `the ${tool} "${task.value}" is not one the policy knows; what it runs is not visible`,
    );
  }
  return classed(risk.class, inv, `the ${tool} "${task.value}" ${risk.detail}`);
}
