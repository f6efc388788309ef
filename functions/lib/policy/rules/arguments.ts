import type { Word } from "../shell-words.ts";

/** One option as written: `-X POST`, `--request=POST`, or a flag from a cluster such as `-rf`. */
export interface ParsedOption {
  readonly name: string;
  readonly value: Word | undefined;
}

export interface ParsedArgs {
  readonly options: readonly ParsedOption[];
  readonly positionals: readonly Word[];
  /** With `stopAtPositional`: the words after the first positional, unparsed (a subcommand's own arguments). */
  readonly rest: readonly Word[];
  /** An option word whose text is only known at run time. */
  readonly dynamicOption: boolean;
}

export interface ArgSpec {
  /** Options that take a value (`-C`, `--git-dir`); a short one may also be written glued (`-Cdir`). */
  readonly valued?: readonly string[];
  /** Stop at the first positional and return the remaining words in `rest`. */
  readonly stopAtPositional?: boolean;
  /** Read `-abc` as `-a -b -c` (most POSIX tools); off for tools with long single-dash options (`find`). */
  readonly clusters?: boolean;
}

export function parseArgs(args: readonly Word[], spec: ArgSpec = {}): ParsedArgs {
  const valued = new Set(spec.valued ?? []);
  const clusters = spec.clusters ?? true;
  const options: ParsedOption[] = [];
  const positionals: Word[] = [];
  let dynamicOption = false;
  let i = 0;
  while (i < args.length) {
    const word = args[i] as Word;
    const text = word.value;
    if (text === null) {
      if (word.raw.startsWith("-")) dynamicOption = true;
      positionals.push(word);
      i += 1;
      if (spec.stopAtPositional) break;
      continue;
    }
    if (text === "--") {
      positionals.push(...args.slice(i + 1));
      i = args.length;
      break;
    }
    if (text.startsWith("--")) {
      const eq = text.indexOf("=");
      if (eq > 0) {
        options.push({ name: text.slice(0, eq), value: { value: text.slice(eq + 1), raw: word.raw } });
      } else if (valued.has(text)) {
        options.push({ name: text, value: args[i + 1] });
        i += 1;
      } else {
        options.push({ name: text, value: undefined });
      }
      i += 1;
      continue;
    }
    if (text.startsWith("-") && text.length > 1) {
      if (valued.has(text)) {
        options.push({ name: text, value: args[i + 1] });
        i += 2;
        continue;
      }
      const short = text.slice(0, 2);
      if (valued.has(short)) {
        options.push({ name: short, value: { value: text.slice(2), raw: word.raw } });
        i += 1;
        continue;
      }
      const cluster = clusters ? splitCluster(text, valued) : undefined;
      if (cluster === undefined) {
        options.push({ name: text, value: undefined });
      } else {
        for (const flag of cluster.flags) options.push({ name: flag, value: undefined });
        if (cluster.valued !== undefined) {
          if (cluster.glued !== "") {
            options.push({ name: cluster.valued, value: { value: cluster.glued, raw: word.raw } });
          } else {
            options.push({ name: cluster.valued, value: args[i + 1] });
            i += 1;
          }
        }
      }
      i += 1;
      continue;
    }
    positionals.push(word);
    i += 1;
    if (spec.stopAtPositional) break;
  }
  return { options, positionals, rest: args.slice(i), dynamicOption };
}

/**
 * `-rf` → `-r -f`; `-qO-` → `-q` and `-O` with the glued value `-`. Undefined when the word is not a cluster of
 * single-letter flags (a long single-dash option such as `-name`).
 */
function splitCluster(
  text: string,
  valued: ReadonlySet<string>,
): { flags: string[]; valued?: string; glued: string } | undefined {
  const flags: string[] = [];
  for (let c = 1; c < text.length; c += 1) {
    const ch = text[c] as string;
    if (!/[A-Za-z0-9]/.test(ch)) return undefined;
    const flag = `-${ch}`;
    if (valued.has(flag)) return { flags, valued: flag, glued: text.slice(c + 1) };
    flags.push(flag);
  }
  return { flags, glued: "" };
}

export function hasOption(parsed: ParsedArgs, ...names: readonly string[]): boolean {
  return parsed.options.some((o) => names.includes(o.name));
}

/** The value of the last occurrence of any of the names (a later option wins, as in most CLIs). */
export function optionValue(parsed: ParsedArgs, ...names: readonly string[]): Word | undefined {
  let found: Word | undefined;
  for (const o of parsed.options) {
    if (names.includes(o.name) && o.value !== undefined) found = o.value;
  }
  return found;
}

export function optionValues(parsed: ParsedArgs, ...names: readonly string[]): Word[] {
  return parsed.options
    .filter((o) => names.includes(o.name) && o.value !== undefined)
    .map((o) => o.value as Word);
}
