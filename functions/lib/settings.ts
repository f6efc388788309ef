import { z } from "zod";
import { ValidationFailedError } from "./errors.ts";

/**
 * The one way a function reads its environment: each function declares a zod schema keyed by its variables (in
 * its own folder, e.g. functions/run-command/settings.ts) and parses it here. The keys are the variable names, so
 * infra/ types the environment it sets with {@link EnvironmentOf} and a renamed variable fails to compile there.
 * A bad value is a deployment mistake: a ValidationFailedError naming the variable and the limit, never retried.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/** The variables a schema reads, as infra/ sets them: all optional strings, unknown names refused. */
export type EnvironmentOf<Of extends { readonly schema: z.ZodType }> = {
  readonly [Name in keyof z.input<Of["schema"]>]?: string;
};

/** Where AgentCore session storage is mounted unless AGENTCORE_MOUNT_PATH says otherwise. */
export const DEFAULT_MOUNT_PATH = "/mnt/workspace";
/** The service's rule for a session storage mount path: exactly one level under /mnt. */
const MOUNT_PATH_PATTERN = /^\/mnt\/[A-Za-z0-9._-]+$/;
const MOUNT_PATH_MAX_LENGTH = 200;

/** An optional variable: unset, empty and blank all mean "not set"; a set value is trimmed. */
export const optionalText = z
  .string()
  .optional()
  .transform((raw) => {
    const value = raw?.trim();
    return value === undefined || value === "" ? undefined : value;
  });

/** An integer variable with a default when unset; out of range names the limits. */
export function integerSetting(rule: {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}) {
  return optionalText.transform((raw, context) => {
    if (raw === undefined) return rule.fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
      context.addIssue({
        code: "custom",
        message: `"${raw}" is not an integer between ${rule.min} and ${rule.max}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

/** The two names the mount path is read under: AGENTCORE_MOUNT_PATH first, REPAIR_MOUNT_PATH as the older name. */
export const mountPathVariables = {
  AGENTCORE_MOUNT_PATH: optionalText,
  REPAIR_MOUNT_PATH: optionalText,
};

type MountPathVariables = z.output<z.ZodObject<typeof mountPathVariables>>;

/** The mount path from already-trimmed variables, without a trailing slash. */
export function mountPathOf(values: MountPathVariables): string {
  return (values.AGENTCORE_MOUNT_PATH ?? values.REPAIR_MOUNT_PATH ?? DEFAULT_MOUNT_PATH).replace(/\/+$/, "");
}

/** The mount path, read the one way every function reads it (no validation: for parsing task input). */
export function mountPathFromEnvironment(env: Environment = process.env): string {
  return mountPathOf(z.object(mountPathVariables).parse(env));
}

/** Adds an issue (on the variable that was read) when the mount path breaks the service's rule. */
export function checkMountPath(values: MountPathVariables, context: z.RefinementCtx): void {
  const mountPath = mountPathOf(values);
  if (!MOUNT_PATH_PATTERN.test(mountPath) || mountPath.length > MOUNT_PATH_MAX_LENGTH) {
    context.addIssue({
      code: "custom",
      path: [values.AGENTCORE_MOUNT_PATH === undefined ? "REPAIR_MOUNT_PATH" : "AGENTCORE_MOUNT_PATH"],
      message: `must be one directory under /mnt (/mnt/[A-Za-z0-9._-]+, at most ${MOUNT_PATH_MAX_LENGTH} characters), got "${mountPath.slice(0, 200)}"`,
    });
  }
}

/** A function's settings: its schema (keys are its variables) and the one way to read them. */
export interface Settings<Output, Input> {
  readonly schema: z.ZodType<Output, Input>;
  /** Reads `env`; every problem at once, in the order the schema lists its variables. */
  parse(env?: Environment): Output;
}

/**
 * Defines a function's settings: the variables (keys, in the order problems are reported), a check across them that
 * runs even when one variable is already bad (so every problem is named at once), and the settings built from them.
 * `suffix` is appended to each variable name in problems (normalize-request says " (environment)").
 */
export function defineSettings<Shape extends z.ZodRawShape, Output>(definition: {
  readonly variables: Shape;
  readonly check?: (values: z.output<z.ZodObject<Shape>>, context: z.RefinementCtx) => void;
  readonly build: (values: z.output<z.ZodObject<Shape>>) => Output;
  readonly suffix?: string;
}): Settings<Output, z.input<z.ZodObject<Shape>>> {
  const { variables, check, build, suffix = "" } = definition;
  type Values = z.output<z.ZodObject<Shape>>;
  const schema = z
    .object(variables)
    .superRefine((values, context) => check?.(values as Values, context), { when: () => true })
    .transform((values) => build(values as Values));
  const order = Object.keys(variables);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return {
    schema,
    parse(env: Environment = process.env): Output {
      const result = schema.safeParse(env);
      if (result.success) return result.data;
      const problems = result.error.issues
        .map((issue) => {
          const [variable = "environment", ...detail] = issue.path.map(String);
          return { variable, field: [`${variable}${suffix}`, ...detail].join(" "), problem: issue.message };
        })
        .sort((a, b) => rank(a.variable) - rank(b.variable))
        .map(({ field, problem }) => ({ field, problem }));
      throw new ValidationFailedError(problems);
    },
  };
}
