import { createHash } from "node:crypto";
import type { ChangedFile, ChangeFlag, ChangeRecord } from "../contracts.ts";
import { PlatformError } from "../errors.ts";
import { type ChangeRules, isTestFile, manifestRunsCode, matchingRule } from "./change-rules.ts";
import { MANIFEST_MAX_BYTES } from "./change-scripts.ts";

/**
 * Reads what the measure/export scripts printed (change-scripts.ts) into a bounded ChangeRecord: every changed
 * file classified by the deployment's rules (surface, test file, protected path).
 */

/** Files kept in state; `truncated` says when there were more. */
const CHANGE_FILES_MAX = 200;
/** Flags carried to the approval page. */
export const CHANGE_FLAGS_MAX = 100;
/** A path longer than this is cut in state (the patch has it whole). */
const PATH_MAX = 512;

export interface ScriptOutput {
  readonly values: ReadonlyMap<string, string>;
  readonly manifests: readonly { path: string; before?: string; after?: string }[];
}

export function parseScriptOutput(text: string): ScriptOutput {
  const values = new Map<string, string>();
  const manifests: { path: string; before?: string; after?: string }[] = [];
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1).trim();
    if (key === "manifest") {
      const [path = "", before = "", after = ""] = value.split(":");
      const decode = (b64: string) => {
        const bytes = Buffer.from(b64, "base64");
        return bytes.length === 0 || bytes.length > MANIFEST_MAX_BYTES ? undefined : bytes.toString("utf8");
      };
      const beforeText = decode(before);
      const afterText = decode(after);
      manifests.push({
        path: Buffer.from(path, "base64").toString("utf8"),
        ...(beforeText !== undefined ? { before: beforeText } : {}),
        ...(afterText !== undefined ? { after: afterText } : {}),
      });
    } else values.set(key, value);
  }
  return { values, manifests };
}

interface RawEntry {
  readonly status: ChangedFile["status"];
  readonly path: string;
  readonly oldPath?: string;
  readonly modeOnly: boolean;
  readonly becameExecutable: boolean;
  /** The content as changed (blob id and mode; zeros when deleted): what a surface approval is bound to. */
  readonly newSha: string;
  readonly newMode: string;
}

const STATUS: Readonly<Record<string, ChangedFile["status"]>> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
};

/** `:oldmode newmode oldsha newsha STATUS\0path\0[newpath\0]` records (git diff --raw -z). */
function parseRaw(bytes: Buffer): RawEntry[] {
  const fields = bytes.toString("utf8").split("\0");
  const entries: RawEntry[] = [];
  for (let i = 0; i < fields.length; ) {
    const header = fields[i++];
    if (!header?.startsWith(":")) break;
    const [oldMode = "", newMode = "", oldSha = "", newSha = "", code = ""] = header.slice(1).split(" ");
    const letter = code.charAt(0);
    const first = fields[i++];
    if (first === undefined) break;
    const twoPaths = letter === "R" || letter === "C";
    const second = twoPaths ? fields[i++] : undefined;
    if (twoPaths && second === undefined) break;
    const modeOnly = letter === "M" && oldSha === newSha && oldMode !== newMode;
    entries.push({
      status: modeOnly ? "mode-changed" : (STATUS[letter] ?? "modified"),
      path: twoPaths ? second! : first,
      ...(twoPaths ? { oldPath: first } : {}),
      modeOnly,
      becameExecutable: newMode === "100755" && oldMode !== "100755",
      newSha,
      newMode,
    });
  }
  return entries;
}

/** `ins\tdel\tpath\0` or, for renames, `ins\tdel\t\0old\0new\0` (git diff --numstat -z); "-" means binary. */
function parseNumstat(
  bytes: Buffer,
): Map<string, { binary: boolean; insertions: number; deletions: number }> {
  const fields = bytes.toString("utf8").split("\0");
  const stats = new Map<string, { binary: boolean; insertions: number; deletions: number }>();
  for (let i = 0; i < fields.length; ) {
    const head = fields[i++];
    if (!head) break;
    const [ins = "", del = "", path = ""] = head.split("\t");
    let target = path;
    if (path === "") {
      i++; // the old path of a rename
      target = fields[i++] ?? "";
    }
    const binary = ins === "-" || del === "-";
    stats.set(target, {
      binary,
      insertions: binary ? 0 : Number(ins) || 0,
      deletions: binary ? 0 : Number(del) || 0,
    });
  }
  return stats;
}

export interface MeasureContext {
  readonly baseRevision: string;
  readonly iteration: number;
  readonly rules: ChangeRules;
  /** The internals digest recorded when the workspace was prepared (null: unknown, not compared). */
  readonly baselineInternals: string | null;
}

export interface MeasuredChange {
  readonly record: Omit<ChangeRecord, "gate" | "approvedSurfaces">;
  /**
   * sha256 over what the gating files now hold (path, blob id, mode) and the internals digest when they changed:
   * the same surfaces with the same content give the same value, so an approved surface change is not asked
   * about again after the next turn. null when nothing gates.
   */
  readonly surfaceDigest: string | null;
  /** Why validation must wait for a person: the surfaces (and test changes when they gate). */
  readonly gating: readonly ChangeFlag[];
  /** Everything the approval page and the report call out (surfaces, protected paths, tests). */
  readonly flags: readonly ChangeFlag[];
  /** .git internals or tool shims changed (not visible as a file change). */
  readonly internalsChanged: boolean;
}

const INTERNALS_PATH = ".git/ (config, hooks) or tool shims";

export function measuredChange(output: ScriptOutput, context: MeasureContext): MeasuredChange {
  const raw = output.values.get("raw");
  const numstat = output.values.get("numstat");
  const totals = output.values.get("totals");
  if (raw === undefined || numstat === undefined || totals === undefined) {
    throw new PlatformError("measuring the change did not report the git listings (raw, numstat, totals)");
  }
  const [fileCount = 0, insertions = 0, deletions = 0] = totals.split(" ").map((n) => Number(n) || 0);
  const entries = parseRaw(Buffer.from(raw, "base64"));
  const stats = parseNumstat(Buffer.from(numstat, "base64"));
  const manifests = new Map(output.manifests.map((m) => [m.path, m]));
  const { rules } = context;

  const files: ChangedFile[] = [];
  const gating: ChangeFlag[] = [];
  const flags: ChangeFlag[] = [];
  const gatingContent: string[] = [];
  for (const entry of entries) {
    const stat = stats.get(entry.path) ?? { binary: false, insertions: 0, deletions: 0 };
    const surface = surfaceOf(entry, rules, manifests);
    const testFile =
      isTestFile(entry.path, rules) || (entry.oldPath ? isTestFile(entry.oldPath, rules) : false);
    const protectedRule =
      matchingRule(entry.path, rules.protectedPaths) ??
      (entry.oldPath ? matchingRule(entry.oldPath, rules.protectedPaths) : undefined);
    const path = entry.path.slice(0, PATH_MAX);
    if (surface) gating.push({ path, reason: `execution surface: ${surface}` });
    if (testFile && rules.gateTestChanges) gating.push({ path, reason: `test file ${entry.status}` });
    if (surface || (testFile && rules.gateTestChanges)) {
      gatingContent.push(`${entry.oldPath ?? ""}\0${entry.path}\0${entry.newSha}\0${entry.newMode}`);
    }
    if (surface) flags.push({ path, reason: `execution surface: ${surface}` });
    if (protectedRule) flags.push({ path, reason: `protected: ${protectedRule.reason}` });
    if (testFile) flags.push({ path, reason: `test file ${entry.status}` });
    if (files.length < CHANGE_FILES_MAX) {
      files.push({
        path,
        status: entry.status,
        ...(entry.oldPath !== undefined ? { oldPath: entry.oldPath.slice(0, PATH_MAX) } : {}),
        binary: stat.binary,
        insertions: stat.insertions,
        deletions: stat.deletions,
        ...(surface ? { surface } : {}),
        ...(testFile ? { testFile: true } : {}),
        ...(protectedRule ? { protected: protectedRule.reason } : {}),
      });
    }
  }
  const internals = output.values.get("internals");
  const internalsChanged =
    context.baselineInternals !== null && internals !== undefined && internals !== context.baselineInternals;
  if (internalsChanged) {
    const flag = { path: INTERNALS_PATH, reason: "execution surface: git metadata or tool shims changed" };
    gating.push(flag);
    flags.push(flag);
    gatingContent.push(`internals\0${internals}`);
  }
  const surfaceDigest =
    gatingContent.length === 0
      ? null
      : createHash("sha256").update(gatingContent.sort().join("\n")).digest("hex");
  return {
    surfaceDigest,
    record: {
      baseRevision: context.baseRevision,
      files,
      truncated: output.values.get("listing") === "truncated" || entries.length > CHANGE_FILES_MAX,
      stats: { files: fileCount, insertions, deletions },
      iteration: context.iteration,
    },
    gating: gating.slice(0, CHANGE_FLAGS_MAX),
    flags: flags.slice(0, CHANGE_FLAGS_MAX),
    internalsChanged,
  };
}

function surfaceOf(
  entry: RawEntry,
  rules: ChangeRules,
  manifests: ReadonlyMap<string, { before?: string; after?: string }>,
): string | undefined {
  for (const path of entry.oldPath ? [entry.path, entry.oldPath] : [entry.path]) {
    const rule = matchingRule(path, rules.surfaces);
    if (!rule) continue;
    if (/(^|\/)package\.json$/.test(path) && entry.status === "modified") {
      const manifest = manifests.get(path);
      if (manifest && !manifestRunsCode(manifest.before, manifest.after)) continue;
    }
    return rule.reason;
  }
  // A file made executable can be run by whatever validation calls.
  if (entry.becameExecutable) return "made executable";
  return undefined;
}
