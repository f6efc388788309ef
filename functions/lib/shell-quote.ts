import { ValidationFailedError } from "./errors.ts";

/**
 * Quotes one argument for bash. Inside single quotes nothing is special, so the only character to handle is the
 * single quote itself (close, escaped quote, reopen). Every URL, branch, revision and path that goes into a
 * command goes through here: shell metacharacters in them can never act as syntax.
 */
export function shellQuote(value: string, field = "argument"): string {
  if (value.includes("\0")) {
    // bash cannot pass a NUL byte in an argument; refusing is safer than silently truncating.
    throw new ValidationFailedError([
      { field, problem: "contains a NUL byte, which cannot be passed to a command" },
    ]);
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each argument and joins them with spaces: a command line whose words are exactly `words`. */
export function shellJoin(words: readonly string[], field = "argument"): string {
  return words.map((word) => shellQuote(word, field)).join(" ");
}
