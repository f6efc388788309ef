import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { resolvePath } from "../workspace-paths.ts";
import { judgeWrapped, pathFindings, readOnly, runtimeOnly, writesPaths } from "./helpers.ts";

const EXEC_ACTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
const WRITE_ACTIONS = new Set(["-fprint", "-fprint0", "-fprintf", "-fls"]);
/** Tests that take one argument, so the argument is not mistaken for an action. */
const ONE_ARG_TESTS = new Set([
  "-name",
  "-iname",
  "-path",
  "-ipath",
  "-wholename",
  "-iwholename",
  "-regex",
  "-iregex",
  "-type",
  "-xtype",
  "-size",
  "-perm",
  "-user",
  "-group",
  "-uid",
  "-gid",
  "-newer",
  "-anewer",
  "-cnewer",
  "-mtime",
  "-atime",
  "-ctime",
  "-mmin",
  "-amin",
  "-cmin",
  "-maxdepth",
  "-mindepth",
  "-links",
  "-inum",
  "-samefile",
  "-fstype",
  "-lname",
  "-ilname",
  "-printf",
  "-regextype",
  "-used",
  "-context",
  "-files0-from",
]);

/**
 * `find ROOTS... EXPRESSION`: reads, unless it deletes (`-delete`), writes files (`-fprint`), or runs commands
 * (`-exec CMD {} ;`). Each `-exec` command is judged with `{}` standing for a file found under each root, so
 * `find . -exec rm {} +` stays in the workspace and `find / -exec rm -rf {} \;` does not.
 */
function findRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const args = inv.args;
  let i = 0;
  while (i < args.length && ["-H", "-L", "-P"].includes(args[i]?.value ?? "")) i += 1;
  while (i < args.length && ["-D", "-O"].some((o) => args[i]?.value?.startsWith(o)))
    i += args[i]?.value === "-D" ? 2 : 1;
  const roots: Word[] = [];
  while (i < args.length) {
    const text = args[i]?.value;
    if (
      text !== null &&
      text !== undefined &&
      (text.startsWith("-") || text === "(" || text === "!" || text === ",")
    )
      break;
    roots.push(args[i] as Word);
    i += 1;
  }
  if (roots.length === 0) roots.push({ value: ".", raw: "." });
  const findings: Finding[] = [];
  let acted = false;
  while (i < args.length) {
    const word = args[i] as Word;
    const text = word.value;
    if (text === null) {
      i += 1;
      continue;
    }
    if (ONE_ARG_TESTS.has(text)) {
      i += 2;
      continue;
    }
    if (text === "-delete") {
      acted = true;
      findings.push(
        ...writesPaths(inv, ctx, roots.map(foundUnder), "remove", "deletes files found under the workspace"),
      );
      i += 1;
      continue;
    }
    if (WRITE_ACTIONS.has(text)) {
      acted = true;
      const file = args[i + 1];
      if (file !== undefined)
        findings.push(...writesPaths(inv, ctx, [file], "write", "writes a file list under the workspace"));
      i += text === "-fprintf" ? 3 : 2;
      continue;
    }
    if (EXEC_ACTIONS.has(text)) {
      acted = true;
      const end = args.findIndex((a, index) => index > i && (a.value === ";" || a.value === "+"));
      if (end < 0) {
        findings.push(...runtimeOnly(inv, `${text} without a terminating ; or +`));
        break;
      }
      const command = args.slice(i + 1, end);
      for (const root of roots) {
        const found = foundUnder(root);
        const words = command.map((w) => substituteFound(w, found));
        // -execdir and -okdir run in the found file's directory; -exec and -ok where find was started.
        const foundPath = found.value === null ? null : resolvePath(found.value, ctx.cwd);
        const cwd = text.endsWith("dir") ? (foundPath === null ? null : parentOf(foundPath)) : ctx.cwd;
        findings.push(...judgeWrapped(inv, ctx, words, `find ${text}`, { cwd }));
      }
      i = end + 1;
      continue;
    }
    i += 1;
  }
  if (!acted) findings.push(...readOnly(inv, "lists files"));
  findings.push(...pathFindings(inv, ctx, roots, "read"));
  return findings;
}

/** A file found under a root: `{}` of -exec. */
function foundUnder(root: Word): Word {
  if (root.value === null) return root;
  return { value: `${root.value.replace(/\/+$/, "") || "/"}/*`, raw: `{} under ${root.raw}` };
}

function substituteFound(word: Word, found: Word): Word {
  if (word.value === null || !word.value.includes("{}")) return word;
  if (found.value === null) return { value: null, raw: word.raw };
  return { value: word.value.split("{}").join(found.value), raw: word.raw };
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

export const findRules: RuleTable = { find: findRule, gfind: findRule };
