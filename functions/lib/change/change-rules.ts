import { z } from "zod";
import { ValidationFailedError } from "../errors.ts";

/**
 * Which changed paths matter, and why. Three lists, each a documented default that the deployment widens or narrows
 * per repository (env CHANGE_RULES: a JSON object keyed by repository name, like POLICY_CONFIGS), never the
 * repository itself: the agent can edit the repository, so it must not be able to edit these lists.
 *
 * - Execution surfaces: files that decide what validation runs, or that run code beyond the fix (build files,
 *   test-runner configuration, hooks, tool shims, CI). A turn that changes one waits for a person's approval of
 *   the diff before validation runs again.
 * - Protected paths: CI/CD configuration, infrastructure code, ownership files, lockfiles. Flagged on the approval
 *   of the final diff.
 * - Test files: called out on the final approval and in the report; with `gateTestChanges` they gate like surfaces.
 *
 * Patterns are globs: without a "/" they match a file name at any depth (`Makefile`, `*.sh`); with one they match
 * from the repository root (`.github/workflows/**`). `**` crosses directories, `*` and `?` do not.
 */

export interface PathRule {
  readonly pattern: string;
  readonly reason: string;
}

export interface ChangeRules {
  readonly surfaces: readonly PathRule[];
  readonly protectedPaths: readonly PathRule[];
  readonly testFiles: readonly string[];
  /** Test changes gate validation like surfaces. @default false */
  readonly gateTestChanges: boolean;
}

const rules = (reason: string, patterns: readonly string[]): PathRule[] =>
  patterns.map((pattern) => ({ pattern, reason }));

/** CI configuration: an execution surface (it runs code) and a protected path (it ships code), one list for both. */
const CI_CONFIGURATION = [
  ".github/workflows/**",
  ".github/actions/**",
  ".gitlab-ci.yml",
  ".circleci/**",
  "Jenkinsfile",
  "azure-pipelines.yml",
  ".travis.yml",
  "buildspec.yml",
  ".buildkite/**",
];

export const DEFAULT_CHANGE_RULES: ChangeRules = {
  surfaces: [
    // package.json counts only when a key that runs or configures code changed (see manifestRunsCode).
    ...rules("package.json scripts", ["package.json"]),
    ...rules("npm/yarn/pnpm configuration", [".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs"]),
    ...rules("build file", [
      "Makefile",
      "GNUmakefile",
      "makefile",
      "*.mk",
      "CMakeLists.txt",
      "*.cmake",
      "build.gradle",
      "build.gradle.kts",
      "settings.gradle",
      "settings.gradle.kts",
      "gradlew",
      "pom.xml",
      "build.xml",
      "BUILD",
      "BUILD.bazel",
      "WORKSPACE",
      "*.bzl",
      "meson.build",
      "Rakefile",
      "Justfile",
      "justfile",
      "Taskfile.yml",
      "build.rs",
      "Cargo.toml",
      "go.mod",
    ]),
    ...rules("test-runner configuration", [
      "jest.config.*",
      "vitest.config.*",
      "vitest.workspace.*",
      "vite.config.*",
      "karma.conf.*",
      ".mocharc*",
      "ava.config.*",
      "playwright.config.*",
      "cypress.config.*",
      "babel.config.*",
      ".babelrc*",
      "pytest.ini",
      "tox.ini",
      "noxfile.py",
      ".coveragerc",
      "phpunit.xml*",
    ]),
    ...rules("Python build and start-up hooks", [
      "conftest.py",
      "setup.py",
      "setup.cfg",
      "pyproject.toml",
      "sitecustomize.py",
      "usercustomize.py",
      "*.pth",
    ]),
    ...rules("shell script", ["*.sh", "*.bash", "*.zsh", ".envrc"]),
    ...rules("tool shim", ["node_modules/.bin/**", ".venv/bin/**", "venv/bin/**", "bin/activate*"]),
    ...rules("CI configuration", CI_CONFIGURATION),
    ...rules("git metadata", [".git/**", ".gitattributes", ".gitmodules"]),
  ],
  protectedPaths: [
    ...rules("CI/CD configuration", CI_CONFIGURATION),
    ...rules("infrastructure code", [
      "*.tf",
      "*.tfvars",
      "*.hcl",
      "cdk.json",
      "infra/**",
      "infrastructure/**",
      "terraform/**",
      "cloudformation/**",
      "template.yaml",
      "template.yml",
      "serverless.yml",
      "Dockerfile",
      "*.dockerfile",
      "docker-compose*.yml",
      "k8s/**",
      "helm/**",
    ]),
    ...rules("ownership file", ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"]),
    ...rules("lockfile", [
      "package-lock.json",
      "npm-shrinkwrap.json",
      "yarn.lock",
      "pnpm-lock.yaml",
      "bun.lockb",
      "poetry.lock",
      "Pipfile.lock",
      "uv.lock",
      "Cargo.lock",
      "go.sum",
      "Gemfile.lock",
      "composer.lock",
    ]),
  ],
  testFiles: [
    "test/**",
    "tests/**",
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "*.test.*",
    "*.spec.*",
    "test_*.py",
    "*_test.py",
    "*_test.go",
    "*Test.java",
    "*_spec.rb",
  ],
  gateTestChanges: false,
};

const pathRuleSchema = z.object({ pattern: z.string().min(1).max(300), reason: z.string().min(1).max(100) });
const listEdit = <T extends z.ZodType>(item: T) =>
  z
    .object({ add: z.array(item).max(200).optional(), remove: z.array(z.string()).max(200).optional() })
    .strict();

const repositoryRulesSchema = z
  .object({
    surfaces: listEdit(pathRuleSchema).optional(),
    protectedPaths: listEdit(pathRuleSchema).optional(),
    testFiles: listEdit(z.string().min(1).max(300)).optional(),
    gateTestChanges: z.boolean().optional(),
  })
  .strict();

/** The rules for one repository: the defaults edited by `CHANGE_RULES[repoName]` (add, then remove by pattern). */
export function changeRulesFor(
  repoName: string,
  raw: string | undefined = process.env.CHANGE_RULES,
): ChangeRules {
  if (!raw?.trim()) return DEFAULT_CHANGE_RULES;
  let all: unknown;
  try {
    all = JSON.parse(raw);
  } catch {
    all = undefined;
  }
  if (typeof all !== "object" || all === null || Array.isArray(all)) {
    throw new ValidationFailedError([
      { field: "CHANGE_RULES", problem: "is not a JSON object keyed by repository name" },
    ]);
  }
  if (!Object.hasOwn(all, repoName)) return DEFAULT_CHANGE_RULES;
  const parsed = repositoryRulesSchema.safeParse((all as Record<string, unknown>)[repoName]);
  if (!parsed.success) {
    throw new ValidationFailedError(
      parsed.error.issues.slice(0, 10).map((issue) => ({
        field: ["CHANGE_RULES", repoName, ...issue.path.map(String)].join("."),
        problem: issue.message,
      })),
    );
  }
  const edit = parsed.data;
  const editRules = (list: readonly PathRule[], change: typeof edit.surfaces): PathRule[] => {
    const removed = new Set(change?.remove ?? []);
    return [...list, ...(change?.add ?? [])].filter((rule) => !removed.has(rule.pattern));
  };
  const removedTests = new Set(edit.testFiles?.remove ?? []);
  return {
    surfaces: editRules(DEFAULT_CHANGE_RULES.surfaces, edit.surfaces),
    protectedPaths: editRules(DEFAULT_CHANGE_RULES.protectedPaths, edit.protectedPaths),
    testFiles: [...DEFAULT_CHANGE_RULES.testFiles, ...(edit.testFiles?.add ?? [])].filter(
      (pattern) => !removedTests.has(pattern),
    ),
    gateTestChanges: edit.gateTestChanges ?? DEFAULT_CHANGE_RULES.gateTestChanges,
  };
}

const compiled = new Map<string, RegExp>();

/** A glob as described in the module comment, as an anchored regular expression over the whole path. */
export function globToRegExp(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const anchored = pattern.includes("/");
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const regex = new RegExp(anchored ? `^${source}$` : `(?:^|/)${source}$`);
  compiled.set(pattern, regex);
  return regex;
}

export function matchingRule(path: string, list: readonly PathRule[]): PathRule | undefined {
  return list.find((rule) => globToRegExp(rule.pattern).test(path));
}

export function isTestFile(path: string, rules: ChangeRules): boolean {
  return rules.testFiles.some((pattern) => globToRegExp(pattern).test(path));
}

/** package.json keys that neither run nor configure code: changing only these is not an execution surface. */
const INERT_MANIFEST_KEYS = new Set([
  "name",
  "version",
  "description",
  "keywords",
  "author",
  "contributors",
  "license",
  "repository",
  "homepage",
  "bugs",
  "funding",
  "private",
  "files",
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
  "peerDependenciesMeta",
  "engines",
]);

/**
 * Whether a package.json change touches what runs (scripts, bin, config, test-runner sections, anything
 * unknown). Either side missing, too large or not JSON counts as running code: when in doubt, a person looks.
 */
export function manifestRunsCode(before: string | undefined, after: string | undefined): boolean {
  const parse = (text: string | undefined): Record<string, unknown> | undefined => {
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const old = parse(before);
  const current = parse(after);
  if (!old || !current) return true;
  const keys = new Set([...Object.keys(old), ...Object.keys(current)]);
  for (const key of keys) {
    if (INERT_MANIFEST_KEYS.has(key)) continue;
    if (JSON.stringify(old[key]) !== JSON.stringify(current[key])) return true;
  }
  return false;
}
