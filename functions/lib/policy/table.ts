import type { Level, ToolSpec } from "./spec.ts";
import { parseOptions } from "./spec.ts";

/**
 * Renders every tool spec as Markdown for a reviewer (`npm run --silent policy -- table`, docs/policy-table.md):
 * one section per tool, one row per subcommand level, with what the level does, the options that raise its class,
 * run something or name a path, what its operands are, and the examples checked when the policy loads.
 */
export function renderPolicyTable(specs: readonly ToolSpec[]): string {
  const out: string[] = [
    "# Command policy tables",
    "",
    "Generated from `functions/lib/policy/rules/*.ts` by `npm run --silent policy -- table`; do not edit by hand.",
    "",
    "Rules every row shares (the dispatcher, `functions/lib/policy/dispatcher.ts`):",
    "",
    "- a word only known at run time where a subcommand, an option or a path is expected needs a person;",
    '- an option a row does not list needs a person, unless the row says "any other option: harmless";',
    "- a subcommand a row does not list needs a person; a missing one takes the row marked `(none)`;",
    "- options only add findings: a flag never lowers what a subcommand does;",
    "- paths written are judged by where they resolve (workspace, scratch, outside, devices, credentials, `.git/`);",
    "- a command naming no tool here needs a person.",
    "",
    "Classes `read-only` and `workspace-write` run without a person; every other class waits for approval.",
    "",
  ];
  for (const spec of specs) {
    const names = spec.names.split(/\s+/).filter((n) => n !== "");
    out.push(`## ${names.slice(0, 6).join(", ")}${names.length > 6 ? ` (+${names.length - 6})` : ""}`, "");
    if (names.length > 6) out.push(`All names: ${names.map((n) => `\`${n}\``).join(" ")}`, "");
    out.push("| Command | Class | Options that matter | Operands | Also |", "|---|---|---|---|---|");
    for (const row of rows(spec, names[0] ?? "", undefined)) out.push(row);
    out.push("");
    if (spec.examples.allow.length > 0) out.push(`Allowed: ${codeList(spec.examples.allow)}`, "");
    if (spec.examples.approve.length > 0) out.push(`Needs approval: ${codeList(spec.examples.approve)}`, "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function rows(level: Level, path: string, inherited: Level | undefined): string[] {
  const out = [row(level, path, inherited)];
  for (const [key, value] of Object.entries(level.subcommands ?? {})) {
    const sub = typeof value === "string" ? { class: value } : value;
    const shown = key.split(/\s+/).slice(0, 12).join(" ") + (key.split(/\s+/).length > 12 ? " …" : "");
    out.push(...rows(sub, `${path} ${shown}`, level));
  }
  if (level.default !== undefined) {
    const d = typeof level.default === "string" ? { class: level.default } : level.default;
    out.push(row(d, `${path} (none)`, level));
  }
  if (level.otherwise !== undefined) out.push(...rows(level.otherwise, `${path} <other>`, level));
  return out;
}

function row(level: Level, path: string, inherited: Level | undefined): string {
  const options = parseOptions(level.options ?? "", path)
    .filter((o) => o.raises !== undefined || !["flag", "any", "optional"].includes(o.value))
    .map((o) => `\`${o.names.join("|")}\` ${o.raises !== undefined ? `→ ${o.raises}` : o.value}`);
  const anyOption = level.anyOption ?? (level.subcommands === undefined && inherited?.anyOption === true);
  if (anyOption) options.push("any other option: harmless");
  const also = [
    level.detail,
    level.logic === undefined ? "" : "+ logic",
    level.loads === undefined
      ? ""
      : `trusted while unchanged: ${level.loads.split(/\s+/).filter(Boolean).join(" ")}`,
  ].filter((s) => s !== undefined && s !== "");
  const cls = level.class ?? (level.subcommands === undefined ? "(by logic)" : "");
  return `| \`${path}\` | ${cls} | ${escapeCell(options.join("; "))} | ${level.operands ?? "data"} | ${escapeCell(also.join("; "))} |`;
}

function escapeCell(text: string): string {
  return text.replace(/\n/g, " ").replace(/\|/g, "\\|");
}

function codeList(commands: readonly string[]): string {
  return commands.map((c) => `\`${c.replace(/`/g, "'")}\``).join(", ");
}
