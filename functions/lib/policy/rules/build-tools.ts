import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { hasOption, optionValue, optionValues, parseArgs } from "./arguments.ts";
import {
  classed,
  judgeShellText,
  judgeTaskName,
  judgeWrapped,
  readOnly,
  runtimeOnly,
  taskRisk,
  unknownPart,
  workspaceWrite,
  writesPaths,
} from "./helpers.ts";

/**
 * Project tooling is workspace-write, except a subcommand named like a deploy or a release (`hugo deploy`,
 * `docusaurus deploy`, `expo publish`), which takes that class.
 */
const toolchain = (detail: string) => (inv: Invocation) => {
  const first = inv.args.find((a) => a.value === null || !a.value.startsWith("-"));
  const risk = first?.value != null && /^[a-z][a-z:-]*$/.test(first.value) ? taskRisk(first.value) : "safe";
  if (typeof risk === "object") return classed(risk.class, inv, `${inv.name} ${first?.value} ${risk.detail}`);
  return workspaceWrite(inv, detail);
};

/**
 * Compilers, test runners, linters, formatters and bundlers: they read the workspace and write build output,
 * caches and reports under it. Running the project's own tests runs the project's code, which is what a repair
 * does all day; that is workspace-write by design.
 */
const TOOLCHAIN: RuleTable = Object.fromEntries(
  [
    "tsc",
    "esbuild",
    "vite",
    "webpack",
    "webpack-cli",
    "rollup",
    "parcel",
    "tsup",
    "swc",
    "babel",
    "jest",
    "vitest",
    "mocha",
    "ava",
    "tap",
    "c8",
    "nyc",
    "karma",
    "jasmine",
    "cypress",
    "eslint",
    "prettier",
    "biome",
    "oxlint",
    "stylelint",
    "tslint",
    "standard",
    "xo",
    "dprint",
    "markdownlint",
    "markdownlint-cli2",
    "shellcheck",
    "shfmt",
    "hadolint",
    "yamllint",
    "actionlint",
    "tflint",
    "tfsec",
    "checkov",
    "cfn-lint",
    "cfn_nag_scan",
    "commitlint",
    "lint-staged",
    "husky",
    "next",
    "nuxt",
    "nuxi",
    "astro",
    "vue-cli-service",
    "react-scripts",
    "svelte-kit",
    "svelte-check",
    "storybook",
    "typedoc",
    "jsdoc",
    "knip",
    "depcheck",
    "madge",
    "ts-prune",
    "pytest",
    "py.test",
    "mypy",
    "pyright",
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "bandit",
    "coverage",
    "sphinx-build",
    "behave",
    "nose2",
    "rspec",
    "rubocop",
    "phpunit",
    "phpstan",
    "psalm",
    "php-cs-fixer",
    "pest",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "ld",
    "ar",
    "javac",
    "kotlinc",
    "scalac",
    "rustc",
    "rustfmt",
    "gofmt",
    "goimports",
    "golangci-lint",
    "staticcheck",
    "govulncheck",
    "gotestsum",
    "mockgen",
    "protoc",
    "ctest",
    "ninja",
    "asl-validator",
    "tsc-alias",
    "api-extractor",
    "size-limit",
    "wireit",
    "eslint_d",
    "pyupgrade",
    "autopep8",
    "yapf",
    "pycodestyle",
    "pydocstyle",
    "pyflakes",
    "ktlint",
    "detekt",
    "swiftlint",
    "swiftformat",
    "clang-format",
    "clang-tidy",
    "cppcheck",
    "cmake-format",
    "buildifier",
    "terraform-docs",
    "tfupdate",
    "gitleaks",
    "trivy",
    "osv-scanner",
    "grype",
    "syft",
    "semgrep",
    "codespell",
    "cspell",
    "vale",
    "alex",
    "license-checker",
    "openapi-generator-cli",
    "openapi-typescript",
    "graphql-codegen",
    "quicktype",
    "json2ts",
    "zig",
    "ncu",
    "syncpack",
    "sort-package-json",
    "uvicorn",
    "gunicorn",
    "flask",
    "serve",
    "http-server",
    "live-server",
    "kill-port",
    "fkill",
    "wait-port",
    "pre-commit",
    "lefthook",
    "redocly",
    "spectral",
    "electron-forge",
    "nest",
    "ember",
    "vue",
    "ionic",
    "expo",
    "react-native",
    "docusaurus",
    "hugo",
    "jekyll",
    "eleventy",
    "gatsby",
    "remix",
    "solid-start",
    "qwik",
    "tauri",
    "electron",
    "jupyter",
    "nbconvert",
    "sass",
    "lessc",
    "postcss",
    "tailwindcss",
    "uglifyjs",
    "terser",
    "cssnano",
    "svgo",
    "imagemin",
  ].map((name) => [
    name,
    toolchain("runs project tooling (builds, tests, lints; writes output under the workspace)"),
  ]),
);

const MAKE_VALUED = [
  "-C",
  "--directory",
  "-f",
  "--file",
  "--makefile",
  "-I",
  "--include-dir",
  "-j",
  "--jobs",
  "-l",
  "--load-average",
  "-o",
  "--old-file",
  "-W",
  "--what-if",
  "--assume-new",
  "--eval",
  "-E",
];

/** make TARGET...: judged by target name; `make install` installs outside the workspace. */
function makeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: MAKE_VALUED });
  if (optionValue(parsed, "--eval", "-E") !== undefined)
    return runtimeOnly(inv, "make evaluates extra makefile text");
  if (
    hasOption(
      parsed,
      "-n",
      "--just-print",
      "--dry-run",
      "--recon",
      "-q",
      "--question",
      "-p",
      "--print-data-base",
      "-v",
      "--version",
      "-h",
      "--help",
    )
  ) {
    return readOnly(inv, "prints what make would do");
  }
  const dir = optionValue(parsed, "-C", "--directory");
  const cwd =
    dir === undefined
      ? ctx.cwd
      : dir.value === null || ctx.cwd === null
        ? null
        : resolvePath(dir.value, ctx.cwd);
  const prefixOutside =
    dir === undefined
      ? []
      : writesPaths(inv, ctx, [dir], "write", "").filter((f) => f.class !== "workspace-write");
  if (prefixOutside.length > 0) return prefixOutside;
  if (cwd === null) return runtimeOnly(inv, "make in a directory the policy could not follow");
  const targets = parsed.positionals.filter(
    (w) => w.value === null || !/^[A-Za-z_][A-Za-z0-9_]*[:+?]?=/.test(w.value),
  );
  const variables = parsed.positionals.filter(
    (w) => w.value !== null && /^(SHELL|MAKESHELL|\.SHELLFLAGS)[:+?]?=/.test(w.value),
  );
  if (variables.length > 0) return runtimeOnly(inv, "make runs recipes through another SHELL");
  if (targets.length === 0) return workspaceWrite(inv, "runs the makefile's default target");
  return targets.flatMap((t) => {
    if (t.value === "install" || t.value === "uninstall") {
      return classed("destructive", inv, `make ${t.value} usually installs outside the workspace`);
    }
    return judgeTaskName(inv, "make target", t);
  });
}

/** just / task / mage / invoke / rake / gulp / grunt: first positional(s) are task names. */
function taskRunner(
  tool: string,
  valued: readonly string[],
  readFlags: readonly string[],
  defaultTask: boolean,
) {
  return (inv: Invocation): Finding[] => {
    const parsed = parseArgs(inv.args, { valued });
    if (hasOption(parsed, ...readFlags)) return readOnly(inv, `lists ${tool} tasks`);
    const tasks = parsed.positionals.filter((w) => w.value === null || !w.value.includes("="));
    if (tasks.length === 0) {
      return defaultTask
        ? workspaceWrite(inv, `runs the default ${tool} task`)
        : readOnly(inv, `lists ${tool} tasks`);
    }
    return tasks.flatMap((t) => judgeTaskName(inv, `${tool} task`, t));
  };
}

function cargoRule(inv: Invocation): Finding[] {
  const head = parseArgs(inv.args, {
    valued: ["--manifest-path", "-Z", "--config", "-C", "--color"],
    stopAtPositional: true,
  });
  const sub = head.positionals[0]?.value;
  if (sub === undefined) return readOnly(inv, "prints cargo information");
  if (sub === null) return runtimeOnly(inv, "cargo runs a subcommand only known at run time");
  if (sub.startsWith("+")) return cargoRule({ ...inv, args: inv.args.slice(1) });
  switch (sub) {
    case "publish":
    case "yank":
    case "owner":
      return classed("package-publish", inv, `cargo ${sub} changes crates.io`);
    case "login":
    case "logout":
      return classed("credentials", inv, "handles the crates.io token");
    case "install":
    case "uninstall":
      return classed("destructive", inv, "installs binaries outside the workspace (~/.cargo/bin)");
    case "search":
    case "tree":
    case "metadata":
    case "version":
    case "locate-project":
    case "pkgid":
    case "verify-project":
    case "read-manifest":
    case "help":
    case "info":
      return readOnly(inv, `reads project information (cargo ${sub})`);
    case "build":
    case "b":
    case "check":
    case "c":
    case "test":
    case "t":
    case "run":
    case "r":
    case "clippy":
    case "fmt":
    case "doc":
    case "d":
    case "bench":
    case "clean":
    case "update":
    case "fetch":
    case "add":
    case "remove":
    case "rm":
    case "new":
    case "init":
    case "generate-lockfile":
    case "vendor":
    case "fix":
    case "package":
    case "rustc":
    case "rustdoc":
    case "nextest":
    case "llvm-cov":
    case "tarpaulin":
    case "audit":
    case "deny":
    case "outdated":
    case "udeps":
    case "machete":
    case "expand":
    case "watch":
    case "insta":
    case "make":
      return workspaceWrite(inv, `cargo ${sub} builds or checks the workspace`);
    default:
      return unknownPart(inv, `cargo ${sub} is not a cargo command the policy knows`);
  }
}

function rustupRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (
    ["show", "which", "--version", "-V", "help", "doc"].includes(sub ?? "show") ||
    (sub !== undefined && inv.args[1]?.value === "list")
  ) {
    return readOnly(inv, "reads toolchain information");
  }
  if (sub === "run") return runtimeOnly(inv, "rustup run wraps a command with a toolchain");
  return classed("destructive", inv, `rustup ${sub ?? ""} changes toolchains outside the workspace`);
}

function goRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === undefined) return readOnly(inv, "prints go usage");
  if (sub === null) return runtimeOnly(inv, "go runs a subcommand only known at run time");
  switch (sub) {
    case "install":
      return classed("destructive", inv, "installs binaries outside the workspace (GOPATH/bin)");
    case "env": {
      const writes = inv.args.some((a) => a.value === "-w" || a.value === "-u");
      return writes
        ? classed("destructive", inv, "changes the user's go environment file")
        : readOnly(inv, "prints the go environment");
    }
    case "version":
    case "doc":
    case "list":
    case "help":
    case "vet":
      return readOnly(inv, `reads the project (go ${sub})`);
    case "run": {
      const parsed = parseArgs(inv.args.slice(1), {
        valued: ["-exec", "-o", "-tags", "-ldflags", "-gcflags", "-mod", "-C"],
        clusters: false,
      });
      if (optionValue(parsed, "-exec") !== undefined)
        return runtimeOnly(inv, "go run -exec wraps the program in another command");
      const target = parsed.positionals[0];
      if (target === undefined) return runtimeOnly(inv, "go run without a package");
      if (target.value?.endsWith(".go"))
        return judgeTaskName(inv, "go program", {
          value: target.value.replace(/^.*\//, "").replace(/\.go$/, ""),
          raw: target.raw,
        });
      return target.value !== null && /^\.{1,2}(\/|$)/.test(target.value)
        ? workspaceWrite(inv, "runs a program built from the workspace")
        : unknownPart(inv, `go run ${target.raw} runs a package the policy cannot see into`);
    }
    case "test": {
      const parsed = parseArgs(inv.args.slice(1), {
        valued: [
          "-exec",
          "-run",
          "-bench",
          "-count",
          "-timeout",
          "-tags",
          "-coverprofile",
          "-o",
          "-p",
          "-parallel",
          "-C",
        ],
        clusters: false,
      });
      if (optionValue(parsed, "-exec") !== undefined)
        return runtimeOnly(inv, "go test -exec wraps the tests in another command");
      return workspaceWrite(inv, "runs the project's tests");
    }
    case "generate":
      return workspaceWrite(inv, "runs the project's //go:generate directives");
    case "build":
    case "fmt":
    case "mod":
    case "get":
    case "work":
    case "clean":
    case "fix":
    case "tool":
    case "telemetry":
      return workspaceWrite(inv, `go ${sub} builds or updates the workspace`);
    default:
      return unknownPart(inv, `go ${sub} is not a go command the policy knows`);
  }
}

const GRADLE_VALUED = [
  "--tests",
  "--args",
  "-p",
  "--project-dir",
  "-b",
  "--build-file",
  "-c",
  "--settings-file",
  "-g",
  "--gradle-user-home",
  "-I",
  "--init-script",
  "-D",
  "-P",
  "-x",
  "--exclude-task",
  "--console",
  "--warning-mode",
  "-M",
  "--max-workers",
  "--include-build",
];

/** Gradle and Maven: tasks and goals judged by name; publish and deploy goals publish. */
function gradleRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: GRADLE_VALUED, clusters: false });
  if (optionValues(parsed, "-I", "--init-script").length > 0)
    return runtimeOnly(inv, "gradle runs an extra init script");
  if (hasOption(parsed, "-v", "--version", "-h", "--help", "-?"))
    return readOnly(inv, "prints gradle information");
  const dir = optionValue(parsed, "-p", "--project-dir");
  const outside =
    dir === undefined
      ? []
      : writesPaths(inv, ctx, [dir], "write", "").filter((f) => f.class !== "workspace-write");
  if (outside.length > 0) return outside;
  if (parsed.positionals.length === 0) return workspaceWrite(inv, "runs gradle's default tasks");
  return parsed.positionals.flatMap((task) => {
    const name = task.value
      ?.split(":")
      .filter((p) => p !== "")
      .at(-1);
    const plain: Word = { value: name ?? null, raw: task.raw };
    if (name !== undefined && /^publish.*(MavenLocal|ToMavenLocal)$/i.test(name))
      return workspaceWrite(inv, "publishes to the local Maven repository");
    if (name !== undefined && /^(jib|jibDockerBuild)$/.test(name)) {
      return name === "jib"
        ? classed("package-publish", inv, "pushes a container image (jib)")
        : workspaceWrite(inv, "builds a local image");
    }
    return judgeTaskName(inv, "gradle task", plain);
  });
}

const MAVEN_VALUED = [
  "-f",
  "--file",
  "-s",
  "--settings",
  "-gs",
  "--global-settings",
  "-pl",
  "--projects",
  "-rf",
  "--resume-from",
  "-P",
  "--activate-profiles",
  "-T",
  "--threads",
  "-D",
  "-l",
  "--log-file",
  "-t",
  "--toolchains",
  "-b",
  "--builder",
];
const MAVEN_SAFE_GOALS =
  /^(clean|validate|compile|test-compile|test|package|verify|install|site|dependency:.*|help:.*|versions:display.*|spotless:.*|checkstyle:.*|pmd:.*|spotbugs:.*|jacoco:.*|surefire:.*|failsafe:.*|exec:java|exec:exec|javadoc:.*|enforcer:.*|license:.*|sortpom:.*|fmt:.*|formatter:.*|process-.*|generate-.*|initialize|integration-test|pre-integration-test|post-integration-test|quarkus:dev|spring-boot:run|spring-boot:build-image|wrapper:wrapper|versions:set|versions:commit|dependency-check:check|jib:dockerBuild|jib:buildTar)$/;

function mavenRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, { valued: MAVEN_VALUED, clusters: false });
  if (hasOption(parsed, "-v", "--version", "-h", "--help")) return readOnly(inv, "prints maven information");
  if (parsed.positionals.length === 0) return readOnly(inv, "prints maven usage");
  return parsed.positionals.flatMap((goal) => {
    const g = goal.value;
    if (g === null) return runtimeOnly(inv, `maven runs a goal only known at run time (${goal.raw})`);
    if (
      /^(deploy|deploy:.*|release:perform|site-deploy|site:deploy|gpg:sign-and-deploy-file|jib:build|dockerfile:push|docker:push|nexus-staging:.*|central-publishing:.*)$/.test(
        g,
      )
    ) {
      return classed("package-publish", inv, `maven ${g} publishes artifacts`);
    }
    if (/^release:(prepare|prepare-with-pom|branch|update-versions)$/.test(g))
      return classed("vcs-remote", inv, `maven ${g} commits, tags and pushes`);
    if (/^exec:(exec|java)$/.test(g))
      return unknownPart(inv, `maven ${g} runs a program configured in the POM`);
    if (MAVEN_SAFE_GOALS.test(g))
      return workspaceWrite(
        inv,
        `maven ${g} builds the workspace (install writes the local Maven repository)`,
      );
    return unknownPart(inv, `maven ${g} is not a goal the policy knows`);
  });
}

function dotnetRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value;
  if (
    sub === undefined ||
    sub === "--info" ||
    sub === "--version" ||
    sub === "--list-sdks" ||
    sub === "--list-runtimes" ||
    sub === "help"
  ) {
    return readOnly(inv, "prints dotnet information");
  }
  if (sub === null) return runtimeOnly(inv, "dotnet runs a subcommand only known at run time");
  const rest = inv.args.slice(1);
  switch (sub) {
    case "nuget":
      if (rest[0]?.value === "push" || rest[0]?.value === "delete")
        return classed("package-publish", inv, `dotnet nuget ${rest[0]?.value} changes a package feed`);
      return rest[0]?.value === "list" || rest[0]?.value === "why" || rest[0]?.value === "verify"
        ? readOnly(inv, "reads NuGet information")
        : classed("credentials", inv, "changes NuGet sources or their credentials");
    case "tool":
      if (rest.some((a) => a.value === "-g" || a.value === "--global" || a.value === "--tool-path"))
        return classed("destructive", inv, "installs a tool outside the workspace");
      if (rest[0]?.value === "run") return judgeWrapped(inv, ctx, rest.slice(1), "dotnet tool run");
      return workspaceWrite(inv, "manages the workspace's local tools");
    case "workload":
    case "dev-certs":
    case "sdk":
      return classed("destructive", inv, `dotnet ${sub} changes the machine outside the workspace`);
    case "list":
    case "--list":
      return readOnly(inv, "lists project references or packages");
    case "build":
    case "test":
    case "run":
    case "restore":
    case "clean":
    case "format":
    case "pack":
    case "publish":
    case "new":
    case "add":
    case "remove":
    case "sln":
    case "watch":
    case "msbuild":
    case "vstest":
    case "ef":
    case "user-secrets":
      if (sub === "user-secrets") return classed("credentials", inv, "reads or writes user secrets");
      if (sub === "ef" && ["update", "database"].includes(rest[0]?.value ?? ""))
        return classed("infrastructure", inv, "changes the database the configuration points to");
      return workspaceWrite(
        inv,
        `dotnet ${sub} builds in the workspace (publish writes build output, it uploads nothing)`,
      );
    default:
      return dotnetProgram(inv, sub);
  }
}

function dotnetProgram(inv: Invocation, sub: string): Finding[] {
  if (sub.endsWith(".dll"))
    return judgeTaskName(inv, "dotnet program", {
      value: sub.replace(/^.*\//, "").replace(/\.dll$/, ""),
      raw: sub,
    });
  return unknownPart(inv, `dotnet ${sub} is not a dotnet command the policy knows`);
}

function gemRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (["push", "yank", "owner"].includes(sub ?? ""))
    return classed("package-publish", inv, `gem ${sub} changes RubyGems`);
  if (["signin", "signout"].includes(sub ?? ""))
    return classed("credentials", inv, "handles the RubyGems token");
  if (["install", "uninstall", "update", "cleanup", "pristine"].includes(sub ?? "")) {
    return inv.args.some((a) => a.value === "-i" || a.value === "--install-dir")
      ? workspaceWrite(inv, "installs gems into a chosen directory")
      : classed("destructive", inv, `gem ${sub} changes gems outside the workspace`);
  }
  if (["build"].includes(sub ?? "")) return workspaceWrite(inv, "builds a gem");
  return readOnly(inv, `reads gem information (gem ${sub ?? ""})`);
}

function bundleRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value ?? "install";
  const rest = inv.args.slice(1);
  if (sub === "exec") return judgeWrapped(inv, ctx, rest, "bundle exec");
  if (sub === "config")
    return rest.some((a) => a.value === "--global") ||
      (rest[0]?.value === "set" && !rest.some((a) => a.value === "--local"))
      ? classed("destructive", inv, "changes bundler configuration outside the workspace")
      : readOnly(inv, "reads bundler configuration");
  if (
    [
      "list",
      "show",
      "info",
      "outdated",
      "check",
      "version",
      "platform",
      "doctor",
      "licenses",
      "help",
    ].includes(sub)
  )
    return readOnly(inv, `reads gem information (bundle ${sub})`);
  if (
    [
      "install",
      "update",
      "lock",
      "add",
      "remove",
      "package",
      "cache",
      "clean",
      "binstubs",
      "init",
      "gem",
    ].includes(sub)
  ) {
    return workspaceWrite(inv, `bundle ${sub} installs or records the project's gems`);
  }
  return unknownPart(inv, `bundle ${sub} is not one the policy knows`);
}

function composerRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const head = parseArgs(inv.args, { valued: ["-d", "--working-dir"], stopAtPositional: true });
  const sub = head.positionals[0]?.value;
  const rest = head.rest;
  if (sub === undefined) return readOnly(inv, "prints composer usage");
  if (sub === null) return runtimeOnly(inv, "composer runs a subcommand only known at run time");
  if (sub === "global" || sub === "self-update" || sub === "selfupdate")
    return classed("destructive", inv, `composer ${sub} changes files outside the workspace`);
  if (sub === "config")
    return rest.some((a) => a.value === "-g" || a.value === "--global")
      ? classed("destructive", inv, "changes composer configuration outside the workspace")
      : rest.some((a) => /token|http-basic|bearer/i.test(a.value ?? ""))
        ? classed("credentials", inv, "stores registry credentials")
        : workspaceWrite(inv, "changes composer.json configuration");
  if (
    [
      "show",
      "info",
      "outdated",
      "licenses",
      "validate",
      "diagnose",
      "depends",
      "why",
      "prohibits",
      "why-not",
      "search",
      "check-platform-reqs",
      "audit",
      "fund",
      "suggests",
      "list",
      "about",
      "help",
      "status",
    ].includes(sub)
  ) {
    return readOnly(inv, `reads package information (composer ${sub})`);
  }
  if (
    [
      "install",
      "i",
      "update",
      "u",
      "upgrade",
      "require",
      "r",
      "remove",
      "rm",
      "dump-autoload",
      "dumpautoload",
      "clear-cache",
      "create-project",
      "init",
      "bump",
      "reinstall",
    ].includes(sub)
  ) {
    return workspaceWrite(inv, `composer ${sub} installs into the workspace (vendor)`);
  }
  if (sub === "exec") return judgeWrapped(inv, ctx, rest, "composer exec");
  const script = sub === "run-script" || sub === "run" ? rest[0] : head.positionals[0];
  if (script === undefined) return readOnly(inv, "lists composer scripts");
  return judgeTaskName(inv, "composer script", script);
}

function mixRule(inv: Invocation): Finding[] {
  const task = inv.args[0];
  if (task === undefined) return workspaceWrite(inv, "runs the default mix task");
  if (task.value === null) return runtimeOnly(inv, "mix runs a task only known at run time");
  if (/^hex\.(publish|retire|owner)$/.test(task.value))
    return classed("package-publish", inv, `mix ${task.value} changes Hex`);
  if (/^hex\.(user|organization)/.test(task.value))
    return classed("credentials", inv, "handles Hex credentials");
  if (/^(archive|local)\.install|^escript\.install/.test(task.value))
    return classed("destructive", inv, "installs outside the workspace");
  if (
    /^(deps\.get|deps\.compile|deps\.update|deps\.clean|compile|test|format|credo|dialyzer|docs|clean|release|phx\.server|phx\.routes|phx\.gen\..*|ecto\.gen\..*|hex\.info|hex\.outdated|hex\.audit|help|run|coveralls.*|sobelow|deps\.tree|xref)$/.test(
      task.value,
    )
  ) {
    return workspaceWrite(inv, `mix ${task.value} builds or checks the workspace`);
  }
  if (/^ecto\.(migrate|rollback|reset|drop|create|setup)$/.test(task.value))
    return classed("infrastructure", inv, "changes the database the configuration points to");
  return judgeTaskName(inv, "mix task", task);
}

function swiftRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "--version" || sub === undefined) return readOnly(inv, "prints swift information");
  if (["build", "test", "run", "package", "format"].includes(sub ?? "")) {
    if (sub === "package" && inv.args.some((a) => a.value === "publish"))
      return classed("package-publish", inv, "publishes a Swift package");
    return workspaceWrite(inv, `swift ${sub} builds in the workspace`);
  }
  return unknownPart(inv, `swift ${sub} is not one the policy knows`);
}

function xcodebuildRule(inv: Invocation): Finding[] {
  if (
    inv.args.some((a) => a.value === "-exportArchive" && inv.args.some((b) => b.value?.includes("upload")))
  ) {
    return classed("package-publish", inv, "uploads an archive");
  }
  if (
    inv.args.some((a) =>
      ["-version", "-showsdks", "-list", "-showBuildSettings", "-help"].includes(a.value ?? ""),
    )
  )
    return readOnly(inv, "prints build information");
  return workspaceWrite(inv, "builds in the workspace");
}

function podRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "trunk" || sub === "repo") {
    return inv.args[1]?.value === "push"
      ? classed("package-publish", inv, "publishes a pod")
      : classed("credentials", inv, `pod ${sub} manages registry sessions or specs repos`);
  }
  if (
    [
      "install",
      "update",
      "deintegrate",
      "init",
      "cache",
      "lib",
      "spec",
      "ipc",
      "outdated",
      "env",
      "list",
      "search",
      "--version",
    ].includes(sub ?? "")
  ) {
    return workspaceWrite(inv, `pod ${sub} works in the workspace`);
  }
  return unknownPart(inv, `pod ${sub ?? ""} is not one the policy knows`);
}

function flutterRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, { stopAtPositional: true });
  const sub = parsed.positionals[0]?.value;
  const next = parsed.rest[0]?.value;
  if (sub === "pub" && (next === "publish" || next === "lish"))
    return classed("package-publish", inv, "publishes to pub.dev");
  if (sub === "pub" && (next === "token" || next === "login" || next === "logout"))
    return classed("credentials", inv, "handles pub.dev credentials");
  if (sub === "pub" && next === "global")
    return classed("destructive", inv, "installs a package outside the workspace");
  if (
    sub === "upgrade" ||
    sub === "channel" ||
    sub === "config" ||
    sub === "precache" ||
    sub === "downgrade"
  ) {
    return classed("destructive", inv, `${inv.name} ${sub} changes the SDK outside the workspace`);
  }
  return workspaceWrite(
    inv,
    `${inv.name} ${sub ?? ""} builds, tests or analyses the workspace`.replace("  ", " "),
  );
}

const NX_TARGET_OPTIONS = ["-t", "--target", "--targets"];

function nxRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      ...NX_TARGET_OPTIONS,
      "-p",
      "--projects",
      "--exclude",
      "--base",
      "--head",
      "--configuration",
      "-c",
      "--parallel",
      "--output-style",
    ],
  });
  const [sub, ...others] = parsed.positionals;
  if (sub === undefined) return readOnly(inv, "prints nx usage");
  if (sub.value === null) return runtimeOnly(inv, "nx runs a command only known at run time");
  if (sub.value === "release" || sub.value === "publish")
    return classed("package-publish", inv, `nx ${sub.value} versions, tags and publishes packages`);
  if (
    [
      "graph",
      "show",
      "list",
      "report",
      "print-affected",
      "daemon",
      "reset",
      "format:check",
      "--version",
    ].includes(sub.value)
  )
    return readOnly(inv, `reads workspace information (nx ${sub.value})`);
  if (
    [
      "migrate",
      "generate",
      "g",
      "add",
      "format",
      "format:write",
      "init",
      "repair",
      "sync",
      "import",
    ].includes(sub.value)
  )
    return workspaceWrite(inv, `nx ${sub.value} changes the workspace`);
  if (["connect", "connect-to-nx-cloud", "login", "logout"].includes(sub.value))
    return classed("credentials", inv, "connects to Nx Cloud");
  const targets: Word[] = optionValues(parsed, ...NX_TARGET_OPTIONS).flatMap((w) =>
    w.value === null ? [w] : w.value.split(",").map((t) => ({ value: t, raw: w.raw })),
  );
  if (sub.value === "run") {
    const spec = others[0];
    const target = spec?.value?.split(":")[1];
    if (target !== undefined) targets.push({ value: target, raw: spec?.raw ?? target });
  } else if (!["run-many", "affected", "exec", "watch"].includes(sub.value)) {
    targets.push(sub);
  }
  if (targets.length === 0) return unknownPart(inv, `nx ${sub.value} without a target the policy can judge`);
  return targets.flatMap((t) => judgeTaskName(inv, "nx target", t));
}

function turboRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "--filter",
      "-F",
      "--concurrency",
      "--cache-dir",
      "--output-logs",
      "--log-order",
      "--graph",
      "--summarize",
      "--env-mode",
      "--cache",
      "--token",
      "--team",
      "--api",
    ],
  });
  const [sub, ...rest] = parsed.positionals;
  if (sub === undefined) return readOnly(inv, "prints turbo usage");
  if (sub.value === "login" || sub.value === "link" || sub.value === "logout" || sub.value === "unlink")
    return classed("credentials", inv, "connects to remote caching");
  if (
    sub.value === "prune" ||
    sub.value === "gen" ||
    sub.value === "generate" ||
    sub.value === "daemon" ||
    sub.value === "telemetry"
  )
    return workspaceWrite(inv, `turbo ${sub.value} works in the workspace`);
  if (sub.value === "ls" || sub.value === "info" || sub.value === "query" || sub.value === "--version")
    return readOnly(inv, "reads workspace information");
  const tasks = sub.value === "run" ? rest : [sub, ...rest];
  if (tasks.length === 0) return readOnly(inv, "lists turbo tasks");
  return tasks.flatMap((t) => judgeTaskName(inv, "turbo task", t));
}

function lernaRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value;
  const rest = inv.args.slice(1);
  if (sub === "publish")
    return classed("package-publish", inv, "lerna publish versions, tags, pushes and publishes packages");
  if (sub === "version") {
    return rest.some((a) => a.value === "--no-push")
      ? workspaceWrite(inv, "bumps versions and tags locally")
      : classed("vcs-remote", inv, "lerna version commits, tags and pushes to the remote");
  }
  if (sub === "run") {
    const script = parseArgs(rest, {
      valued: ["--scope", "--ignore", "--concurrency"],
      stopAtPositional: true,
    }).positionals[0];
    return script === undefined
      ? readOnly(inv, "lerna run without a script")
      : judgeTaskName(inv, "lerna script", script);
  }
  if (sub === "exec") {
    const parsed = parseArgs(rest, {
      valued: ["--scope", "--ignore", "--concurrency"],
      stopAtPositional: true,
    });
    return judgeWrapped(inv, ctx, [...parsed.positionals, ...parsed.rest], "lerna exec");
  }
  if (["list", "ls", "la", "ll", "changed", "diff", "info"].includes(sub ?? ""))
    return readOnly(inv, `reads workspace information (lerna ${sub})`);
  return workspaceWrite(inv, `lerna ${sub ?? ""} changes the workspace`);
}

function changesetRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value ?? "add";
  if (sub === "publish") return classed("package-publish", inv, "changeset publish publishes packages");
  if (sub === "status") return readOnly(inv, "reads pending changesets");
  return workspaceWrite(inv, `changeset ${sub} changes files in the workspace`);
}

function rushRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "publish") return classed("package-publish", inv, "rush publish publishes packages");
  if (["list", "check", "scan", "--help", "-h"].includes(sub ?? ""))
    return readOnly(inv, "reads workspace information");
  return workspaceWrite(inv, `rush ${sub ?? ""} builds or installs in the workspace`);
}

function concurrentlyRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-n",
      "--names",
      "-c",
      "--prefix-colors",
      "-p",
      "--prefix",
      "-s",
      "--success",
      "--restart-tries",
      "--restart-after",
      "--default-input-target",
      "-l",
      "--prefix-length",
      "-t",
      "--timestamp-format",
      "--name-separator",
      "--max-processes",
      "-m",
      "--passthrough-arguments",
      "--teardown",
    ],
  });
  const teardown = optionValues(parsed, "--teardown").flatMap((w) =>
    judgeShellText(inv, ctx, w, "concurrently --teardown"),
  );
  return [
    ...teardown,
    ...parsed.positionals.flatMap((w) => {
      const m = w.value === null ? null : /^(npm|yarn|pnpm|bun):(.+)$/.exec(w.value);
      if (m?.[2] !== undefined) return judgeTaskName(inv, `${m[1]} script`, { value: m[2], raw: w.raw });
      return judgeShellText(inv, ctx, w, "concurrently");
    }),
  ];
}

function runAllRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["--max-parallel", "-r", "--race", "--npm-path"] });
  if (parsed.positionals.length === 0) return readOnly(inv, `${inv.name} with no scripts`);
  return parsed.positionals.flatMap((w) =>
    judgeTaskName(inv, "npm script", { value: w.value?.replace(/[*:]+$/, "") ?? null, raw: w.raw }),
  );
}

function nodemonRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-x",
      "--exec",
      "-w",
      "--watch",
      "-e",
      "--ext",
      "-i",
      "--ignore",
      "-d",
      "--delay",
      "--config",
      "--signal",
    ],
    stopAtPositional: true,
    clusters: false,
  });
  const exec = optionValue(parsed, "-x", "--exec");
  if (exec !== undefined) return judgeShellText(inv, ctx, exec, "nodemon --exec");
  return ctx.judge({ ...inv, name: "node", args: [...parsed.positionals, ...parsed.rest] });
}

function tscWatchRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "--onSuccess",
      "--onFailure",
      "--onFirstSuccess",
      "--onCompilationStarted",
      "--onCompilationComplete",
      "--onEmit",
      "--onEmitDebounceMs",
      "-p",
      "--project",
      "--compiler",
    ],
  });
  const hooks = parsed.options.filter((o) => o.name.startsWith("--on") && o.name !== "--onEmitDebounceMs");
  return [
    ...hooks.flatMap((o) => judgeShellText(inv, ctx, o.value, `tsc-watch ${o.name}`)),
    ...workspaceWrite(inv, "compiles in watch mode"),
  ];
}

function playwrightRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "install-deps" || (sub === "install" && inv.args.some((a) => a.value === "--with-deps"))) {
    return classed("destructive", inv, "installs system packages outside the workspace (--with-deps)");
  }
  return workspaceWrite(
    inv,
    `playwright ${sub ?? ""} runs tests or installs browsers into its cache`.replace("  ", " "),
  );
}

function ngRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "deploy") return classed("infrastructure", inv, "ng deploy deploys the application");
  if (sub === "version" || sub === "v" || sub === "help" || sub === "--version")
    return readOnly(inv, "prints angular information");
  return workspaceWrite(inv, `ng ${sub ?? ""} builds, tests or generates code in the workspace`);
}

function publisherCli(tool: string, publishWords: readonly string[], credentialWords: readonly string[]) {
  return (inv: Invocation): Finding[] => {
    const sub = inv.args.find((a) => a.value === null || !a.value.startsWith("-"))?.value;
    if (
      inv.args.some((a) => /^--publish(=.*)?$|^-p$/.test(a.value ?? "") && !/never/.test(a.value ?? "")) &&
      tool === "electron-builder"
    ) {
      const value =
        inv.args[inv.args.findIndex((a) => a.value === "--publish" || a.value === "-p") + 1]?.value;
      if (value !== "never")
        return classed("package-publish", inv, "electron-builder --publish uploads release artifacts");
    }
    if (sub !== undefined && sub !== null && publishWords.includes(sub))
      return classed("package-publish", inv, `${tool} ${sub} publishes`);
    if (sub !== undefined && sub !== null && credentialWords.includes(sub))
      return classed("credentials", inv, `${tool} ${sub} handles credentials`);
    return workspaceWrite(inv, `${tool} packages or checks the workspace`);
  };
}

function releaseTool(detail: string) {
  return (inv: Invocation): Finding[] => {
    if (inv.args.some((a) => a.value === "--dry-run" || a.value === "-d")) {
      return classed(
        "package-publish",
        inv,
        `${detail} (a dry run still authenticates against the registry and the remote; flags never lower a release)`,
      );
    }
    return [
      ...classed("package-publish", inv, detail),
      ...classed("vcs-remote", inv, "pushes release commits and tags"),
    ];
  };
}

function prismaRule(inv: Invocation): Finding[] {
  const [sub, action] = inv.args.map((a) => a.value);
  if (
    sub === "generate" ||
    sub === "format" ||
    sub === "validate" ||
    sub === "init" ||
    sub === "version" ||
    sub === "-v" ||
    sub === "studio" ||
    sub === "debug"
  ) {
    return workspaceWrite(inv, `prisma ${sub} works on the workspace's schema`);
  }
  if (sub === "migrate" && (action === "diff" || action === "status"))
    return readOnly(inv, "compares migrations");
  if (sub === "db" && action === "pull")
    return workspaceWrite(inv, "reads the database schema into the workspace");
  return classed(
    "infrastructure",
    inv,
    `prisma ${sub ?? ""} ${action ?? ""} changes the database the environment points to`.replace(/\s+/g, " "),
  );
}

function drizzleRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "generate" || sub === "check" || sub === "up" || sub === "export")
    return workspaceWrite(inv, `drizzle-kit ${sub} writes migrations in the workspace`);
  if (sub === "introspect" || sub === "pull")
    return workspaceWrite(inv, "reads the database schema into the workspace");
  return classed(
    "infrastructure",
    inv,
    `drizzle-kit ${sub ?? ""} changes the database the configuration points to`,
  );
}

function removerRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["--glob", "--preserve-root"] });
  return writesPaths(inv, ctx, parsed.positionals, "remove", "removes files under the workspace");
}

function copierRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-u", "--up", "-e", "--exclude", "--cwd", "--rename"] });
  const destination = parsed.positionals.at(-1);
  return writesPaths(
    inv,
    ctx,
    destination === undefined ? [] : [destination],
    "write",
    "copies files within the workspace",
  );
}

function shxRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { stopAtPositional: true });
  return judgeWrapped(inv, ctx, [...parsed.positionals, ...parsed.rest], "shx");
}

function mkdocsRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "gh-deploy") return classed("vcs-remote", inv, "pushes the built site to the gh-pages branch");
  return workspaceWrite(inv, `mkdocs ${sub ?? ""} builds or serves docs`);
}

function pm2Rule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "deploy") return classed("infrastructure", inv, "pm2 deploy deploys to remote hosts");
  if (sub === "startup" || sub === "unstartup")
    return classed("destructive", inv, "installs a system service");
  return workspaceWrite(inv, `pm2 ${sub ?? ""} manages local processes`);
}

function bufRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "push") return classed("package-publish", inv, "pushes a module to the Buf registry");
  if (sub === "registry") return classed("credentials", inv, "handles Buf registry credentials");
  return workspaceWrite(inv, `buf ${sub ?? ""} works on the workspace's protobufs`);
}

function cmakeRule(inv: Invocation, ctx: RuleContext): Finding[] {
  if (inv.args.some((a) => a.value === "--install")) {
    const prefix = inv.args[inv.args.findIndex((a) => a.value === "--prefix") + 1];
    if (prefix !== undefined && inv.args.some((a) => a.value === "--prefix"))
      return writesPaths(inv, ctx, [prefix], "write", "installs under the workspace");
    return classed("destructive", inv, "cmake --install installs outside the workspace by default");
  }
  if (inv.args.some((a) => a.value === "-P")) return unknownPart(inv, "cmake -P runs a script");
  if (inv.args.some((a) => a.value === "-E")) {
    const index = inv.args.findIndex((a) => a.value === "-E");
    const tool = inv.args[index + 1]?.value;
    if (
      [
        "rm",
        "remove",
        "remove_directory",
        "copy",
        "copy_directory",
        "make_directory",
        "touch",
        "rename",
        "create_symlink",
      ].includes(tool ?? "")
    ) {
      const paths = inv.args.slice(index + 2).filter((a) => a.value === null || !a.value.startsWith("-"));
      return writesPaths(
        inv,
        ctx,
        paths,
        tool?.startsWith("rem") || tool === "rm" ? "remove" : "write",
        "changes files under the workspace",
      );
    }
    return readOnly(inv, `cmake -E ${tool ?? ""}`);
  }
  return workspaceWrite(inv, "configures or builds in the workspace");
}

function mesonRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "install")
    return classed("destructive", inv, "meson install installs outside the workspace by default");
  return workspaceWrite(inv, `meson ${sub ?? ""} builds in the workspace`);
}

function bazelRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, { stopAtPositional: true });
  const sub = parsed.positionals[0]?.value;
  if (sub === "run") {
    const target = parseArgs(parsed.rest, { stopAtPositional: true }).positionals[0];
    if (target === undefined) return runtimeOnly(inv, "bazel run without a target");
    const name = target.value?.split(/[:/]/).at(-1) ?? null;
    return judgeTaskName(inv, "bazel target", { value: name, raw: target.raw });
  }
  if (
    [
      "build",
      "test",
      "query",
      "cquery",
      "aquery",
      "info",
      "clean",
      "fetch",
      "sync",
      "coverage",
      "mod",
      "version",
      "help",
      "shutdown",
      "analyze-profile",
      "dump",
      "config",
      "print_action",
      "vendor",
    ].includes(sub ?? "")
  ) {
    return workspaceWrite(inv, `bazel ${sub} builds or queries the workspace`);
  }
  return unknownPart(inv, `bazel ${sub ?? ""} is not one the policy knows`);
}

const RAILS_WORKSPACE_COMMANDS = new Set([
  "test",
  "t",
  "test:all",
  "test:system",
  "server",
  "s",
  "generate",
  "g",
  "destroy",
  "d",
  "routes",
  "about",
  "stats",
  "notes",
  "zeitwerk:check",
  "assets:precompile",
  "assets:clobber",
  "tmp:clear",
  "log:clear",
  "new",
  "middleware",
  "initializers",
  "version",
  "-v",
  "--version",
  "db:test:prepare",
  "spec",
]);

/** Rails commands: builds, tests and generators stay in the workspace; database tasks change what config points to. */
function railsRule(inv: Invocation): Finding[] {
  const sub = inv.args[0];
  if (sub === undefined) return readOnly(inv, "prints rails usage");
  if (sub.value === null) return runtimeOnly(inv, "rails runs a command only known at run time");
  const command = sub.value;
  if (/^(credentials|secret|secrets|encrypted)(:|$)/.test(command))
    return classed("credentials", inv, "reads or edits Rails credentials");
  if (["console", "c", "dbconsole", "db", "runner", "r"].includes(command)) {
    return runtimeOnly(inv, "opens an interactive console or runs inline code");
  }
  if (
    /^db:(migrate|rollback|seed|reset|drop|setup|create|schema:load|prepare|truncate_all|migrate:.+)$/.test(
      command,
    )
  ) {
    return classed("infrastructure", inv, "changes the database the configuration points to");
  }
  if (RAILS_WORKSPACE_COMMANDS.has(command))
    return workspaceWrite(inv, `rails ${command} works in the workspace`);
  return judgeTaskName(inv, "rails command", sub);
}

function stackCabalRule(inv: Invocation): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "upload") return classed("package-publish", inv, "uploads to Hackage");
  if (sub === "install") return classed("destructive", inv, "installs binaries outside the workspace");
  return workspaceWrite(inv, `${inv.name} ${sub ?? ""} builds in the workspace`);
}

export const buildToolRules: RuleTable = {
  ...TOOLCHAIN,
  make: makeRule,
  gmake: makeRule,
  just: taskRunner(
    "just",
    ["-f", "--justfile", "-d", "--working-directory", "--set", "--dotenv-filename", "--dotenv-path"],
    ["-l", "--list", "--summary", "--dump", "--evaluate", "--show", "-s", "--version"],
    true,
  ),
  task: taskRunner(
    "task",
    ["-t", "--taskfile", "-d", "--dir", "-c", "--concurrency", "-o", "--output"],
    ["-l", "--list", "-a", "--list-all", "--summary", "--version"],
    true,
  ),
  mage: taskRunner("mage", ["-d", "-w", "-t", "-gocmd"], ["-l", "-h", "-version"], true),
  invoke: taskRunner(
    "invoke",
    ["-c", "--collection", "-r", "--search-root", "-f", "--config"],
    ["-l", "--list", "-h", "--help", "-V", "--version"],
    false,
  ),
  inv: taskRunner(
    "invoke",
    ["-c", "--collection", "-r", "--search-root", "-f", "--config"],
    ["-l", "--list", "-h", "--help", "-V", "--version"],
    false,
  ),
  rake: taskRunner(
    "rake",
    [
      "-f",
      "--rakefile",
      "-C",
      "--directory",
      "-I",
      "--libdir",
      "-r",
      "--require",
      "-e",
      "--execute",
      "-E",
      "--execute-continue",
      "-p",
      "--execute-print",
    ],
    ["-T", "--tasks", "-D", "--describe", "-W", "--where", "-P", "--prereqs", "-V", "--version"],
    true,
  ),
  gulp: taskRunner(
    "gulp",
    ["-f", "--gulpfile", "--cwd", "--require"],
    ["--tasks", "-T", "--tasks-simple", "-v", "--version"],
    true,
  ),
  grunt: taskRunner("grunt", ["--gruntfile", "--base"], ["-h", "--help", "-V", "--version"], true),
  cargo: cargoRule,
  rustup: rustupRule,
  go: goRule,
  gradle: gradleRule,
  mvn: mavenRule,
  ant: taskRunner(
    "ant",
    [
      "-f",
      "-buildfile",
      "-file",
      "-lib",
      "-logfile",
      "-l",
      "-D",
      "-propertyfile",
      "-inputhandler",
      "-find",
      "-s",
    ],
    ["-p", "-projecthelp", "-version", "-h", "-help"],
    true,
  ),
  sbt: taskRunner("sbt", ["-J", "-D", "--client"], ["--version", "-h", "--help"], true),
  lein: taskRunner("lein", [], ["version", "help"], true),
  dotnet: dotnetRule,
  gem: gemRule,
  bundle: bundleRule,
  bundler: bundleRule,
  composer: composerRule,
  mix: mixRule,
  swift: swiftRule,
  xcodebuild: xcodebuildRule,
  pod: podRule,
  flutter: flutterRule,
  dart: flutterRule,
  nx: nxRule,
  turbo: turboRule,
  lerna: lernaRule,
  changeset: changesetRule,
  changesets: changesetRule,
  rush: rushRule,
  concurrently: concurrentlyRule,
  "npm-run-all": runAllRule,
  "npm-run-all2": runAllRule,
  "run-s": runAllRule,
  "run-p": runAllRule,
  nodemon: nodemonRule,
  "tsc-watch": tscWatchRule,
  playwright: playwrightRule,
  ng: ngRule,
  "electron-builder": publisherCli("electron-builder", [], []),
  vsce: publisherCli("vsce", ["publish", "unpublish"], ["login", "logout", "verify-pat"]),
  ovsx: publisherCli("ovsx", ["publish"], ["create-namespace", "verify-pat"]),
  "wasm-pack": publisherCli("wasm-pack", ["publish"], ["login"]),
  "semantic-release": releaseTool("semantic-release publishes a release"),
  "release-it": releaseTool("release-it publishes a release"),
  np: releaseTool("np publishes a release"),
  goreleaser: releaseTool("goreleaser publishes a release"),
  prisma: prismaRule,
  "drizzle-kit": drizzleRule,
  rimraf: removerRule,
  del: removerRule,
  trash: removerRule,
  mkdirp: (inv, ctx) =>
    writesPaths(
      inv,
      ctx,
      inv.args.filter((a) => !a.value?.startsWith("-")),
      "write",
      "creates directories under the workspace",
    ),
  "make-dir": (inv, ctx) =>
    writesPaths(
      inv,
      ctx,
      inv.args.filter((a) => !a.value?.startsWith("-")),
      "write",
      "creates directories under the workspace",
    ),
  cpy: copierRule,
  copyfiles: copierRule,
  cpx: copierRule,
  ncp: copierRule,
  shx: shxRule,
  mkdocs: mkdocsRule,
  pm2: pm2Rule,
  buf: bufRule,
  cmake: cmakeRule,
  meson: mesonRule,
  bazel: bazelRule,
  bazelisk: bazelRule,
  rails: railsRule,
  stack: stackCabalRule,
  cabal: stackCabalRule,
};
