import { beforeAll, describe, expect, it } from "vitest";
import type { Node } from "web-tree-sitter";
import { type BashParser, loadBashParser } from "#lib/policy/bash-parser.ts";
import { judgePath } from "#lib/policy/path-effects.ts";
import { taskRisk } from "#lib/policy/rules/tasks.ts";
import { decodeAnsiC, evaluateWord, staticWord } from "#lib/policy/shell-words.ts";
import { parseOperands, parseOptions, SpecError } from "#lib/policy/spec.ts";
import {
  credentialPath,
  defaultWorkspace,
  displayPath,
  globBase,
  HOME,
  resolvePath,
  zoneOf,
} from "#lib/policy/workspace-paths.ts";

const WORKSPACE = "/mnt/workspace/repo";

describe("workspace paths", () => {
  it("derives the default workspace from the repository name", () => {
    expect(defaultWorkspace("my-repo")).toBe("/mnt/workspace/my-repo");
  });

  it.each([
    ["src/app.ts", WORKSPACE, `${WORKSPACE}/src/app.ts`],
    ["../other", WORKSPACE, "/mnt/workspace/other"],
    ["./a/../../repo/b/", WORKSPACE, `${WORKSPACE}/b`],
    ["/etc/passwd", null, "/etc/passwd"],
    [`${HOME}/../etc`, WORKSPACE, "/etc"],
    ["dist", null, null],
  ])("resolves %s in %s to %s", (path, cwd, expected) => {
    expect(resolvePath(path, cwd)).toBe(expected);
  });

  it.each([
    ["/*", "/", true],
    ["/mnt/workspace/repo/src/*.ts", "/mnt/workspace/repo/src", true],
    ["/var/log/{a,b}", "/var/log", true],
    ["/mnt/workspace/repo/dist", "/mnt/workspace/repo/dist", false],
  ])("takes the base of %s as %s", (path, base, glob) => {
    expect(globBase(path)).toEqual({ base, glob });
  });

  it.each([
    [WORKSPACE, "workspace"],
    [`${WORKSPACE}/.git`, "workspace"],
    ["/mnt/workspace/repo-other", "outside"],
    ["/tmp/x", "scratch"],
    ["/tmp", "outside"],
    ["/dev/null", "discard"],
    ["/dev/tcp/example.com/80", "network-device"],
    ["/dev/sda", "device"],
    [`${HOME}/.bashrc`, "outside"],
  ])("puts %s in the %s zone", (path, kind) => {
    expect(zoneOf(path, WORKSPACE).kind).toBe(kind);
  });

  it.each([
    [`${HOME}/.aws/credentials`, true],
    ["/root/.ssh/id_ed25519", true],
    [`${WORKSPACE}/.npmrc`, true],
    [`${WORKSPACE}/.env.production`, true],
    [`${WORKSPACE}/.env.example`, false],
    ["/proc/42/environ", true],
    [`${WORKSPACE}/src/environment.ts`, false],
    [`${WORKSPACE}/id_rsa.pub`, false],
  ])("knows whether %s holds credentials (%s)", (path, expected) => {
    expect(credentialPath(path) !== null).toBe(expected);
  });

  it("shows the home directory as ~", () => {
    expect(displayPath(`${HOME}/.ssh`)).toBe("~/.ssh");
    expect(displayPath(HOME)).toBe("~");
  });

  it.each([
    ["dist", "write", "workspace-write"],
    [".", "remove", "destructive"],
    ["src/*", "remove", "workspace-write"],
    [".git", "remove", "destructive"],
    ["/tmp/cache", "remove", "workspace-write"],
    ["/etc/hosts", "write", "destructive"],
    ["/dev/null", "write", null],
    // A literal `~` (quoted, so never expanded) is a directory named ~ in the workspace.
    ["~/notes.txt", "write", "workspace-write"],
    [`${HOME}/.npmrc`, "read", "credentials"],
    ["README.md", "read", null],
  ] as const)("judges %s (%s) as %s", (path, access, expected) => {
    const finding = judgePath("cmd", staticWord(path), access, { workspace: WORKSPACE, cwd: WORKSPACE });
    expect(finding?.class ?? null).toBe(expected);
  });

  it("cannot place a write whose path is only known at run time", () => {
    const finding = judgePath("cmd", { value: null, raw: "$OUT" }, "write", {
      workspace: WORKSPACE,
      cwd: WORKSPACE,
    });
    expect(finding).toEqual({
      class: "unknown",
      subject: "cmd",
      detail: "writes a path only known at run time ($OUT)",
    });
  });
});

describe("shell words", () => {
  let parser: BashParser;

  beforeAll(async () => {
    parser = await loadBashParser();
  });

  /** The words of the first simple command in `text`, evaluated with VAR=value known. */
  function words(text: string, cwd: string | null = WORKSPACE): (string | null)[] {
    const tree = parser.parse(text);
    try {
      const command = tree.rootNode.descendantsOfType("command")[0] as Node;
      const env = { cwd, lookup: (name: string) => (name === "VAR" ? "value" : undefined) };
      const name = command.childForFieldName("name")?.namedChildren[0] as Node;
      return [name, ...command.childrenForFieldName("argument")].map((n) => evaluateWord(n, env).value);
    } finally {
      tree.delete();
    }
  }

  it.each([
    ["g\\it push", ["git", "push"]],
    ["'git' \"push\"", ["git", "push"]],
    ["gi''t pu\"\"sh", ["git", "push"]],
    ["$'\\x67\\151t' push", ["git", "push"]],
    ['echo "a \\"b\\" \\$c"', ["echo", 'a "b" $c']],
    ["echo ~/x '~/y' ~other/z", ["echo", `${HOME}/x`, "~/y", "/~other/z"]],
    ['echo $HOME ${HOME}/a "$PWD" $(pwd)', ["echo", HOME, `${HOME}/a`, WORKSPACE, WORKSPACE]],
    ['echo $VAR ${VAR} "x$VAR"', ["echo", "value", "value", "xvalue"]],
    ["echo $OTHER ${VAR:-x} $(date) $((1+2)) $1", ["echo", null, null, null, null, null]],
    ["echo {}", ["echo", "{}"]],
  ])("evaluates %s", (text, expected) => {
    expect(words(text)).toEqual(expected);
  });

  it("leaves $PWD unknown when the directory is", () => {
    expect(words("rm -rf $PWD", null)).toEqual(["rm", "-rf", null]);
  });

  it("decodes ANSI-C escapes", () => {
    expect(decodeAnsiC("\\x67\\151t\\u00e9\\n\\'")).toBe("gité\n'");
  });
});

describe("the option language of a spec", () => {
  it("reads aliases, value kinds and the class an option raises", () => {
    // Act
    const [output, force, chdir, verbose] = parseOptions(
      "-o|--output=write --force!destructive -C=cwd -v",
      "t",
    );
    // Assess
    expect(output).toEqual({ names: ["-o", "--output"], value: "write", raises: undefined });
    expect(force).toEqual({ names: ["--force"], value: "flag", raises: "destructive" });
    expect(chdir?.value).toBe("cwd");
    expect(verbose?.value).toBe("flag");
  });

  it.each([
    ["-o=bogus", /unknown value kind "bogus"/],
    ["--x!nonsense", /unknown class "nonsense"/],
    ["output", /does not start with - or \+/],
  ])("rejects the malformed entry %s when the policy loads", (text, message) => {
    expect(() => parseOptions(text, "tool")).toThrow(SpecError);
    expect(() => parseOptions(text, "tool")).toThrow(message);
  });

  it("reads operand kinds, and keeps command, script and copy last", () => {
    expect(parseOperands("data read", "grep")).toEqual(["data", "read"]);
    expect(() => parseOperands("command read", "x")).toThrow(/come last/);
    expect(() => parseOperands("paths", "x")).toThrow(SpecError);
  });
});

describe("task names", () => {
  it.each([
    ["test:unit", "safe"],
    ["build-prod", "safe"],
    ["lint:fix", "safe"],
    ["storybook-export-chromatic", "unknown"],
    ["db:seed", "unknown"],
    ["install-deps", "unknown"],
  ])("judges %s as %s", (name, expected) => {
    expect(taskRisk(name)).toBe(expected);
  });

  it.each([
    ["deploy:prod", "infrastructure"],
    ["release", "package-publish"],
    ["publish-docs", "package-publish"],
    ["push-images", "vcs-remote"],
    ["install", "destructive"],
  ])("judges %s by its risky word (%s)", (name, expected) => {
    const risk = taskRisk(name);
    expect(typeof risk === "object" ? risk.class : risk).toBe(expected);
  });
});
