import type { CommandClass } from "../../contracts.ts";

/**
 * Task, target and script names (`npm run X`, `make X`, `gradle X`, `./scripts/X.sh`) when the policy cannot see
 * what they run: every part of the name must be a build, test or lint word or a plain modifier (`test:unit`,
 * `build-prod`); a deploy, release or push word takes that class; anything else is unknown.
 */
const RISKY: readonly (readonly [RegExp, CommandClass, string])[] = [
  [/^(publish|release|upload|ship|npm-publish)$/, "package-publish", "publishes or releases"],
  [
    /^(deploy|deployment|provision|destroy|teardown|apply|rollout|promote)$/,
    "infrastructure",
    "deploys or changes infrastructure",
  ],
  [/^(push|tag-push)$/, "vcs-remote", "pushes to a remote"],
];

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter((w) => w !== ""));

const SAFE = words(`
  build builds test tests check checks lint linting format fmt typecheck type types tsc compile clean coverage cov
  bench benchmark doc docs generate gen codegen dev start serve watch verify validate e2e unit integration spec specs
  all assemble jar bundle dist package pack prettier eslint biome style storybook prepare pretest posttest prebuild
  postbuild analyze analyse audit ci-test test-unit jest vitest mocha pytest tox rebuild develop local fix lintfix css
  js ts web app api frontend backend client server debug default help tasks dependencies deps install-deps setup
  bootstrap init snapshot report quality sonar spotless spotlessapply spotlesscheck ktlint ktlintcheck ktlintformat
  detekt checkstyle pmd jacoco jacocotestreport bootjar bootrun run shadowjar installdist distzip javadoc classes
  testclasses compilejava compilekotlin processresources mypy ruff black isort flake8 pylint cargo go vet tidy mod
  proto protos schema schemas migrations i18n icons assets static html synth synthesize wrapper diff plan configure
  autogen index main cli example examples demo repro reproduce sample samples smoke perf profile fixtures seed-test
  precommit version run-many affected status`);

const MODIFIERS = words(`
  prod production dev development staging local ci watch fix debug docker web api client server ts js css esm cjs lib
  node browser unit integration int snapshot snapshots update u quick fast full only changed related headless ui
  verbose silent report html json junit xml lcov all types strict src tests spec files code md markdown style styles
  scss sass backend frontend core common shared packages pkg app apps mobile ios android electron desktop lambda
  functions workers worker parallel serial coverage cov lint format check test build e2e py go rs java kt`);

export type TaskRisk = { readonly class: CommandClass; readonly detail: string } | "safe" | "unknown";

export function taskRisk(name: string): TaskRisk {
  // `make install` copies the build into the system by convention (`/usr/local`); other names stay in the list.
  if (/^(install|uninstall)$/i.test(name))
    return { class: "destructive", detail: "installs outside the workspace" };
  const parts = name
    .toLowerCase()
    .replace(/^:+/, "")
    .split(/[:\-_/.\s]+/)
    .filter((p) => p !== "");
  for (const part of parts) {
    for (const [pattern, commandClass, detail] of RISKY) {
      if (pattern.test(part)) return { class: commandClass, detail };
    }
  }
  const known = (p: string) => SAFE.has(p) || MODIFIERS.has(p) || /^v?\d+$/.test(p);
  return parts.length > 0 && parts.every(known) ? "safe" : "unknown";
}
