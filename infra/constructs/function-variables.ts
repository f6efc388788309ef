import type { ApprovalVariables } from "#lib/approvals/approval-settings.ts";
import type { TaskVariables } from "#lib/config.ts";
import type { NormalizeVariables } from "../../functions/normalize-request/settings.ts";
import type { ReviewVariables } from "../../functions/review-commands/settings.ts";

/**
 * Every variable a task function reads, by the names its settings schema declares: an environment typed with this
 * fails to compile when a variable is renamed or misspelt, instead of being silently ignored at run time.
 * The SDK's and Powertools' own variables (AWS_*, POWERTOOLS_*) are theirs to name.
 */
export type FunctionVariables = TaskVariables &
  ApprovalVariables &
  NormalizeVariables &
  ReviewVariables & { readonly [platform: `AWS_${string}` | `POWERTOOLS_${string}`]: string };
