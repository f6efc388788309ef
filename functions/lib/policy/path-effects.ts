import type { Finding } from "./findings.ts";
import type { Word } from "./shell-words.ts";
import {
  credentialPath,
  displayPath,
  globBase,
  HOME,
  isWithin,
  resolvePath,
  zoneOf,
} from "./workspace-paths.ts";

export type PathAccess = "read" | "write" | "remove";

export interface PathScope {
  readonly workspace: string;
  readonly cwd: string | null;
}

const VERBS: Readonly<Record<PathAccess, string>> = { read: "reads", write: "writes", remove: "removes" };

/**
 * Judges one path a command reads, writes or removes. Reads matter only for credential files; writes and removals
 * are workspace-write under the workspace or scratch space, and destructive anywhere else.
 * Returns null when the access needs no finding of its own (a read of an ordinary file, a write to /dev/null).
 */
export function judgePath(subject: string, word: Word, access: PathAccess, scope: PathScope): Finding | null {
  const verb = VERBS[access];
  if (word.value === null) {
    return access === "read"
      ? null
      : { class: "unknown", subject, detail: `${verb} a path only known at run time (${word.raw})` };
  }
  const path = resolvePath(word.value, scope.cwd);
  if (path === null) {
    return access === "read"
      ? null
      : {
          class: "unknown",
          subject,
          detail: `${verb} ${word.value} relative to a directory the policy could not follow`,
        };
  }
  const shown = displayPath(path);
  const credential = credentialPath(path);
  if (credential !== null) {
    return { class: "credentials", subject, detail: `${verb} ${shown}: ${credential}` };
  }
  if (access === "read") return null;

  const { base, glob } = globBase(path);
  const zone = zoneOf(base, scope.workspace);
  switch (zone.kind) {
    case "discard":
      return null;
    case "network-device":
      return { class: "network-write", subject, detail: `opens a network connection through ${shown}` };
    case "device":
      return { class: "destructive", subject, detail: `${verb} the device ${shown}` };
    case "scratch":
      return { class: "workspace-write", subject, detail: `${verb} temporary files (${shown})` };
    case "workspace":
      if (access === "remove" && zone.root && !glob) {
        return { class: "destructive", subject, detail: "removes the whole workspace" };
      }
      if (access === "remove" && zone.gitDir && !glob) {
        return { class: "destructive", subject, detail: "removes the repository's history (.git)" };
      }
      if (isWithin(base, `${scope.workspace}/.git`)) {
        return {
          class: "destructive",
          subject,
          detail: `${verb} ${shown}: git runs hooks and reads configuration from .git`,
        };
      }
      return { class: "workspace-write", subject, detail: `${verb} ${shown} under the workspace` };
    case "outside":
      return {
        class: "destructive",
        subject,
        detail: outsideDetail(access, base, glob, shown, scope.workspace),
      };
  }
}

function outsideDetail(
  access: PathAccess,
  base: string,
  glob: boolean,
  shown: string,
  workspace: string,
): string {
  const verb = VERBS[access];
  if (base === "/") return `${verb} ${glob ? "everything under /" : "/"} (the root file system)`;
  if (base === HOME) return `${verb} ${glob ? "everything in" : ""} the home directory`.replace("  ", " ");
  if (isWithin(workspace, base)) return `${verb} ${shown}, which contains the workspace`;
  return `${verb} ${shown}, outside the workspace`;
}
