import type { PathAccess } from "../path-effects.ts";
import { judgePath } from "../path-effects.ts";
import type { Word } from "../shell-words.ts";
import type { Call } from "../spec.ts";

/** Judges one path an escape hatch found (`of=` of dd, the file of `sed -i`); a read only matters for secrets. */
export function writes(call: Call, word: Word, access: PathAccess): void {
  if (word.value === null) {
    call.find(
      "unknown",
      `${access === "read" ? "reads" : "writes"} a path only known at run time (${word.raw})`,
    );
    return;
  }
  const f = judgePath(call.inv.subject, word, access, { workspace: call.ctx.workspace, cwd: call.ctx.cwd });
  if (f !== null) call.find(f.class, f.detail);
}

/** The value of the last option named `name` (its first alias in the spec). */
export function optionValue(call: Call, name: string): Word | undefined {
  return call.options.findLast((o) => o.name === name)?.value;
}

export function hasOption(call: Call, ...names: readonly string[]): boolean {
  return call.options.some((o) => names.includes(o.name));
}
