import { z } from "zod";
import { SESSION_ID_MAX, SESSION_ID_MIN } from "./agentcore-client.ts";
import { ValidationFailedError } from "./errors.ts";
import { redactBounded } from "./redaction.ts";
import { mountPathFromEnvironment } from "./settings.ts";

/**
 * Parsing of the state object a task receives. Each task validates only what it reads and lets the rest of the
 * state through (loose objects), so tasks do not break when another adds a key.
 */

/**
 * The fields of `$.request` the command-running tasks need (normalize-request produced and validated it).
 * `workspacePath` must be exactly `<mount path>/<repoName>`: every command runs `cd` into it, so a path elsewhere
 * (or one climbing out with `..`) would point the commands at something other than the repository.
 */
export const requestInStateSchema = z
  .looseObject({
    requestId: z.string().min(1),
    sessionId: z.string().min(SESSION_ID_MIN).max(SESSION_ID_MAX),
    runtimeArn: z.string().min(1).max(2048),
    qualifier: z.string().min(1).max(100).optional(),
    source: z.discriminatedUnion("kind", [
      z.looseObject({
        kind: z.literal("git"),
        url: z.string().min(1),
        revision: z.string().min(1).optional(),
        branch: z.string().min(1).optional(),
      }),
      z.looseObject({
        kind: z.literal("local"),
        path: z.string().min(1),
        revision: z.string().min(1).optional(),
      }),
    ]),
    repoName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .refine((name) => name !== "." && name !== "..", "must not be . or .."),
    workspacePath: z.string().startsWith("/mnt/"),
    validationCommand: z.string().min(1),
    limits: z.looseObject({
      maxIterations: z.number().int().min(0),
      commandTimeoutSeconds: z.number().int().min(1).max(3600),
      budgetSeconds: z.number().int().min(1),
    }),
    acceptedAt: z.string(),
    /** ISO-8601: no agent turn starts after it (limits.budgetSeconds). */
    deadline: z.string().optional(),
  })
  .superRefine((request, context) => {
    const expected = `${mountPathFromEnvironment()}/${request.repoName}`;
    if (request.workspacePath !== expected) {
      context.addIssue({
        code: "custom",
        path: ["workspacePath"],
        message: `is "${String(request.workspacePath).slice(0, 200)}"; it must be exactly "${expected}" (the mount path, then repoName)`,
      });
    }
  });

export type RequestInState = z.infer<typeof requestInStateSchema>;

export const executionNameSchema = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$/);
export const iterationSchema = z.number().int().min(0);

/** Parses `event` or throws a ValidationFailedError naming every bad field by its path in the state. */
export function parseTaskInput<Schema extends z.ZodType>(schema: Schema, event: unknown): z.infer<Schema> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  throw new ValidationFailedError(
    result.error.issues.slice(0, 20).map((issue) => ({
      field: issue.path.length > 0 ? issue.path.map(String).join(".") : "(input)",
      problem: redactBounded(issue.message, 300),
    })),
  );
}
