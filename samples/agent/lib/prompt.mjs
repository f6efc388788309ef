// @ts-check
/**
 * What the model is told. The system prompt states the rules the tools enforce anyway (the workspace boundary,
 * no command execution), so a live model does not waste turns discovering them.
 */

/** @typedef {import("./types.mjs").AgentInvocation} AgentInvocation */

/** Bounds what one prompt carries from the digest, whatever the caller sent. */
const PROMPT_LIMITS = Object.freeze({ excerptChars: 8000, listItems: 20, summaryChars: 1000 });

export const SYSTEM_PROMPT = [
  "You repair a software repository whose validation command fails.",
  "Work only through the tools: list_files and read_file to understand the code, write_file to change a file (always",
  "the whole new content), propose_command for any command you think should run. You cannot run commands yourself;",
  "the workflow runs the validation command after your turn and a policy decides about proposed commands (anything",
  "that mutates beyond the workspace waits for a person's approval). Paths are relative to the workspace root; the",
  "tools refuse anything outside it. Make the smallest change that fixes the failure; never weaken or delete tests.",
  "When done, answer with a short summary of what you changed and why.",
].join(" ");

/**
 * @param {string} text
 * @param {number} limit
 */
function bounded(text, limit) {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (${text.length - limit} more characters)`;
}

/**
 * The first user message of a session: the goal and what the last validation run showed.
 * @param {AgentInvocation} invocation
 */
export function taskMessage(invocation) {
  const { failure } = invocation;
  const lines = [
    `Goal: ${invocation.goal}`,
    `Repository: ${invocation.repoName} (workspace root ${invocation.workspacePath})`,
    `Validation command: ${invocation.validationCommand}`,
    `Iteration: ${invocation.iteration}`,
    "",
    `The validation failed (recognised tool: ${failure.tool}).`,
  ];
  if (failure.failingTests.length > 0) {
    lines.push(
      "Failing tests:",
      ...failure.failingTests.slice(0, PROMPT_LIMITS.listItems).map((t) => `- ${t}`),
    );
  }
  if (failure.locations.length > 0) {
    lines.push(
      "Locations:",
      ...failure.locations
        .slice(0, PROMPT_LIMITS.listItems)
        .map(
          (l) =>
            `- ${l.file}${l.line === undefined ? "" : `:${l.line}`}${l.column === undefined ? "" : `:${l.column}`}`,
        ),
    );
  }
  if (failure.firstErrors.length > 0) {
    lines.push(
      "First errors:",
      ...failure.firstErrors.slice(0, PROMPT_LIMITS.listItems).map((e) => `- ${e}`),
    );
  }
  if (failure.excerpt) lines.push("Output excerpt:", bounded(failure.excerpt, PROMPT_LIMITS.excerptChars));
  if (invocation.previousAttempts.length > 0) {
    lines.push("", "Earlier iterations (their changes are already in the workspace):");
    for (const [index, attempt] of invocation.previousAttempts.entries()) {
      lines.push(`${index + 1}. ${bounded(attempt.summary, PROMPT_LIMITS.summaryChars)}`);
      for (const command of attempt.commands.slice(0, PROMPT_LIMITS.listItems))
        lines.push(`   command: ${command}`);
    }
  }
  return lines.join("\n");
}
