import { z } from "zod";
import {
  checkBranchName,
  checkLocalPath,
  checkRepositoryUrl,
  checkRevision,
  hasControlCharacters,
  quoteForMessage,
} from "./repository-rules.ts";

/**
 * The fields of a repair request as a person or a system sends them: the `detail` of a `Repair Requested` event,
 * an API body, or a console input. Objects are strict so a misspelt field ("validationComand") is named instead
 * of silently ignored.
 */

export const LIMIT_BOUNDS = {
  maxIterations: { min: 1, max: 20 },
  commandTimeoutSeconds: { min: 1, max: 3600 },
  // 8 hours: the default maximum lifetime of an AgentCore Runtime session, which holds the workspace.
  budgetSeconds: { min: 60, max: 28_800 },
} as const;

export const LIMIT_DEFAULTS = { maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 } as const;

/** Half of the service's 64 KB command limit: run-command wraps the command (cd, output capture) before sending. */
export const VALIDATION_COMMAND_MAX_BYTES = 32_768;
const REQUESTED_BY_MAX_LENGTH = 256;

export const RUNTIME_ARN_PATTERN =
  /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime\/[A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** Runtime endpoint names ("DEFAULT" or a named endpoint). */
export const QUALIFIER_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

function describeValue(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "string") return `the string ${quoteForMessage(input, 40)}`;
  if (typeof input === "number" || typeof input === "boolean") return String(input);
  return `a ${typeof input}`;
}

function requiredString(): z.ZodString {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? "is required" : `must be a string, got ${describeValue(issue.input)}`,
  });
}

function optionalString(): z.ZodString {
  return z.string({ error: (issue) => `must be a string, got ${describeValue(issue.input)}` });
}

/** A check function from repository-rules as a zod refinement. */
function ruled(schema: z.ZodString, check: (value: string) => string | undefined): z.ZodString {
  return schema.superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

function boundedInteger(name: keyof typeof LIMIT_BOUNDS) {
  const { min, max } = LIMIT_BOUNDS[name];
  const problem = (input: unknown) =>
    `must be an integer between ${min} and ${max}, got ${describeValue(input)}`;
  return z.number({ error: (issue) => problem(issue.input) }).superRefine((value, ctx) => {
    if (!Number.isInteger(value) || value < min || value > max)
      ctx.addIssue({ code: "custom", message: problem(value) });
  });
}

const RepositoryInputSchema = z
  .strictObject(
    {
      url: ruled(optionalString(), checkRepositoryUrl).optional(),
      path: ruled(optionalString(), checkLocalPath).optional(),
      revision: ruled(optionalString(), checkRevision).optional(),
      branch: ruled(optionalString(), checkBranchName).optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined ? "is required" : "must be an object {url|path, revision?, branch?}",
    },
  )
  .superRefine((repository, ctx) => {
    if ((repository.url === undefined) === (repository.path === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of url or path" });
    }
  });

const LimitsInputSchema = z
  .strictObject(
    {
      maxIterations: boundedInteger("maxIterations").optional(),
      commandTimeoutSeconds: boundedInteger("commandTimeoutSeconds").optional(),
      budgetSeconds: boundedInteger("budgetSeconds").optional(),
    },
    { error: () => "must be an object {maxIterations?, commandTimeoutSeconds?, budgetSeconds?}" },
  )
  .superRefine((limits, ctx) => {
    const timeout = limits.commandTimeoutSeconds ?? LIMIT_DEFAULTS.commandTimeoutSeconds;
    const budget = limits.budgetSeconds ?? LIMIT_DEFAULTS.budgetSeconds;
    const inRange = (value: number, bounds: { min: number; max: number }) =>
      Number.isInteger(value) && value >= bounds.min && value <= bounds.max;
    // Compare only values that are valid on their own; a bad one is already reported by its own field.
    const comparable =
      inRange(timeout, LIMIT_BOUNDS.commandTimeoutSeconds) && inRange(budget, LIMIT_BOUNDS.budgetSeconds);
    if (comparable && budget < timeout) {
      ctx.addIssue({
        code: "custom",
        path: ["budgetSeconds"],
        message: `must be at least commandTimeoutSeconds (${timeout}), got ${budget}`,
      });
    }
  });

function checkValidationCommand(command: string): string | undefined {
  if (command.trim() === "") return "must not be empty";
  const bytes = Buffer.byteLength(command, "utf8");
  if (bytes > VALIDATION_COMMAND_MAX_BYTES)
    return `is ${bytes} bytes; the limit is ${VALIDATION_COMMAND_MAX_BYTES}`;
  // Tabs and newlines are legitimate in a script; other control characters only hide what runs.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this check's purpose
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(command)) return "must not contain control characters";
  return undefined;
}

function checkRuntimeArn(arn: string): string | undefined {
  if (RUNTIME_ARN_PATTERN.test(arn)) return undefined;
  return `must be an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>), got ${quoteForMessage(arn)}`;
}

function checkQualifier(qualifier: string): string | undefined {
  return QUALIFIER_PATTERN.test(qualifier)
    ? undefined
    : `must match ${QUALIFIER_PATTERN.source}, got ${quoteForMessage(qualifier)}`;
}

function checkRequestedBy(requestedBy: string): string | undefined {
  if (requestedBy.length === 0) return "must not be empty";
  if (requestedBy.length > REQUESTED_BY_MAX_LENGTH)
    return `is ${requestedBy.length} characters; the limit is ${REQUESTED_BY_MAX_LENGTH}`;
  if (hasControlCharacters(requestedBy)) return "must not contain control characters";
  return undefined;
}

const repairInputShape = {
  repository: RepositoryInputSchema,
  validationCommand: ruled(requiredString(), checkValidationCommand),
  limits: LimitsInputSchema.optional(),
  runtimeArn: ruled(optionalString(), checkRuntimeArn).optional(),
  qualifier: ruled(optionalString(), checkQualifier).optional(),
  requestedBy: ruled(optionalString(), checkRequestedBy).optional(),
};

/** Without a default runtime (AGENTCORE_RUNTIME_ARN unset) every request must name one. */
const requiredRuntimeArn = ruled(
  z.string({
    error: (issue) =>
      issue.input === undefined
        ? "is required: give it in the request or set AGENTCORE_RUNTIME_ARN"
        : `must be a string, got ${describeValue(issue.input)}`,
  }),
  checkRuntimeArn,
);

const objectError = { error: () => "must be a JSON object with repository and validationCommand" };

/** The `detail` of a `Repair Requested` event, and the body of the REST API. */
const RepairInputSchema = z.strictObject(repairInputShape, objectError);

/** A console input: the same fields at top level, optionally saying which front door it came through. */
const TopLevelInputSchema = z.strictObject(
  { ...repairInputShape, trigger: z.enum(["api", "console"]).optional() },
  objectError,
);

export type RepairInput = z.infer<typeof RepairInputSchema>;

export interface InputSchemas {
  readonly request: typeof RepairInputSchema;
  readonly topLevel: typeof TopLevelInputSchema;
}

const withDefaultRuntime: InputSchemas = { request: RepairInputSchema, topLevel: TopLevelInputSchema };
const withoutDefaultRuntime: InputSchemas = {
  // The output type stays `runtimeArn?: string`; only the check is stricter.
  request: RepairInputSchema.extend({
    runtimeArn: requiredRuntimeArn,
  }) as unknown as typeof RepairInputSchema,
  topLevel: TopLevelInputSchema.extend({
    runtimeArn: requiredRuntimeArn,
  }) as unknown as typeof TopLevelInputSchema,
};

export function inputSchemas(hasDefaultRuntimeArn: boolean): InputSchemas {
  return hasDefaultRuntimeArn ? withDefaultRuntime : withoutDefaultRuntime;
}
