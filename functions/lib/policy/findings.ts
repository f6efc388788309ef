import { COMMAND_CLASSES, type CommandClass } from "../contracts.ts";

/**
 * One judgement about one simple command (or one redirection): the class, the command text it is about, and why.
 * `overridable` marks the only findings a repository's allow list may replace: a command name, subcommand,
 * target or script the policy does not know. Dynamic or unparseable text is never overridable.
 */
export interface Finding {
  readonly class: CommandClass;
  readonly subject: string;
  readonly detail: string;
  readonly overridable?: boolean;
}

/** The order classes are reported in: the order of the contract's union. */
export const CLASS_ORDER: readonly CommandClass[] = COMMAND_CLASSES;

const ALLOWED_CLASSES: ReadonlySet<CommandClass> = new Set(["read-only", "workspace-write"]);

export function isAllowedClass(commandClass: CommandClass): boolean {
  return ALLOWED_CLASSES.has(commandClass);
}

/** A command, subcommand or script the policy does not know: the only kind an allow-list entry may replace. */
export function unknownName(subject: string, detail: string): Finding {
  return { class: "unknown", subject, detail, overridable: true };
}

export function formatReason(f: Finding): string {
  return `${f.subject}: ${f.class} (${f.detail})`;
}

export function sortClasses(classes: Iterable<CommandClass>): CommandClass[] {
  const present = new Set(classes);
  return CLASS_ORDER.filter((c) => present.has(c));
}
