import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type DeliverChangeInput,
  deliverChangeInputSchema,
} from "../../functions/deliver-change/deliver-change.ts";
import { repairRequest } from "./agentcore-fakes.ts";

/** Real git repositories for the delivery tests: a "remote" with a base commit, and a patch made against it. */

const IDENTITY = [
  "-c",
  "user.name=Test",
  "-c",
  "user.email=test@example.invalid",
  "-c",
  "commit.gpgsign=false",
];

export function git(directory: string, ...args: string[]): string {
  return execFileSync("git", [...IDENTITY, ...args], {
    cwd: directory,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  }).trim();
}

async function writeFiles(
  directory: string,
  files: Readonly<Record<string, string | Buffer>>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(directory, path)), { recursive: true });
    await writeFile(join(directory, path), content);
  }
}

const BASE_FILES = {
  "src/calculator.js": "export function total(xs) {\n  return xs.reduce((a, b) => a - b, 0);\n}\n",
  "README.md": "# calculator\n",
  "assets/logo.bin": Buffer.from([0, 1, 2, 3, 255, 254, 0, 9]),
};

/** A non-bare repository on `main` with one commit (like the runner's published sources). */
export async function makeRemote(directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  git(directory, "init", "--quiet", "--initial-branch=main");
  await writeFiles(directory, BASE_FILES);
  git(directory, "add", "--all");
  git(directory, "commit", "--quiet", "-m", "base");
  return git(directory, "rev-parse", "HEAD");
}

/**
 * The change the agent made, exported as 12a's export task does: `git format-patch --binary` of one commit on the
 * base (a modified text file, an added file, a changed binary file, a deleted file).
 */
export async function makePatch(remote: string, scratch: string): Promise<string> {
  git(dirname(scratch), "clone", "--quiet", "--no-hardlinks", remote, scratch);
  await writeFiles(scratch, {
    "src/calculator.js": "export function total(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\n",
    "test/total.test.js": "import { total } from '../src/calculator.js';\n",
    "assets/logo.bin": Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 11]),
  });
  git(scratch, "rm", "--quiet", "README.md");
  git(scratch, "add", "--all");
  git(scratch, "commit", "--quiet", "-m", "Fix total()");
  return execFileSync("git", ["format-patch", "-1", "--stdout", "--binary", "--full-index"], {
    cwd: scratch,
    encoding: "utf8",
  });
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

export function deliveryInput(options: {
  sourcePath?: string;
  sourceUrl?: string;
  revision: string;
  patch: string;
  patchKey?: string;
}): DeliverChangeInput {
  const source = options.sourcePath
    ? ({ kind: "local", path: options.sourcePath } as const)
    : ({ kind: "git", url: options.sourceUrl!, branch: "main" } as const);
  return deliverChangeInputSchema.parse({
    request: { ...repairRequest({ requestId: `abcdef012345${"9".repeat(52)}`, source }) },
    workspace: { revision: options.revision },
    export: {
      patchKey: options.patchKey ?? "runs/exec-1/change.patch",
      patchSha256: sha256(options.patch),
      stats: { files: 4, insertions: 3, deletions: 2 },
      commitMessageSubject: "Fix total() to sum the amounts",
    },
    approval: {
      decision: "approved",
      approvalId: "ap-0123456789abcdef",
      patchSha256: sha256(options.patch),
      decidedBy: "alice@example.com",
      decidedAt: "2026-01-01T00:05:00.000Z",
    },
    executionName: "exec-1",
  });
}
