import { z } from "zod";
import { ValidationFailedError } from "#lib/errors.ts";

/**
 * How a repository's approved change leaves: from the deployment's configuration (env DELIVERY_CONFIGS, a JSON
 * object keyed by repoName, like POLICY_CONFIGS), never from the repository, which the agent could edit.
 *
 *   patch         nothing is pushed; the report links the patch (the default in AWS)
 *   branch        a new branch `agentcore-repair/<first 12 hex of requestId>` on the prepared revision
 *   pull-request  that branch and a draft pull request (GitHub)
 */

const DELIVERY_MODES = ["patch", "branch", "pull-request"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

const httpsUrl = z
  .string()
  .url()
  .refine((url) => new URL(url).protocol === "https:", "must be an https URL")
  .refine((url) => {
    const parsed = new URL(url);
    return parsed.username === "" && parsed.password === "";
  }, "must not carry credentials (they come from the delivery secret)");

const repositoryDeliverySchema = z.strictObject({
  mode: z.enum(DELIVERY_MODES),
  /** Where the branch is pushed. @default the request's source (its git URL, or locally its path) */
  remoteUrl: httpsUrl.optional(),
  /** pull-request mode: the GitHub repository. @default parsed from the remote URL (github.com/<owner>/<repo>) */
  github: z
    .strictObject({
      owner: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
      repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
      /** GitHub Enterprise Server: https://<host>/api/v3. @default "https://api.github.com" */
      apiUrl: httpsUrl.optional(),
    })
    .optional(),
  /** The pull request's base branch. @default the request's branch, else the repository's default branch */
  baseBranch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,200}$/)
    .optional(),
});

export type RepositoryDelivery = z.infer<typeof repositoryDeliverySchema>;

export interface DeliverySettings {
  /** Per repository (DELIVERY_CONFIGS). */
  readonly repositories: Readonly<Record<string, RepositoryDelivery>>;
  /** Env DELIVERY_DEFAULT_MODE: repositories without an entry. @default "patch" */
  readonly defaultMode: DeliveryMode;
  /** Env DELIVERY_SECRET_ARN: the repository write credential (a token, or a GitHub App key). */
  readonly secretArn?: string;
  /**
   * Env DELIVERY_LOCAL_ROOT (local mode only): a `local` source is delivered to only when its path is under this
   * directory (the runner's published sources), so a request cannot name any repository on the machine.
   */
  readonly localRoot?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

export function loadDeliverySettings(env: Env = process.env): DeliverySettings {
  const problems: { field: string; problem: string }[] = [];
  const repositories: Record<string, RepositoryDelivery> = {};
  const raw = value(env, "DELIVERY_CONFIGS");
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.push({ field: "DELIVERY_CONFIGS", problem: "is not a JSON object keyed by repository name" });
    } else {
      for (const [repoName, entry] of Object.entries(parsed)) {
        const result = repositoryDeliverySchema.safeParse(entry);
        if (result.success) repositories[repoName] = result.data;
        else {
          for (const issue of result.error.issues) {
            problems.push({
              field: ["DELIVERY_CONFIGS", repoName, ...issue.path.map(String)].join("."),
              problem: issue.message,
            });
          }
        }
      }
    }
  }
  const modeRaw = value(env, "DELIVERY_DEFAULT_MODE") ?? "patch";
  if (!(DELIVERY_MODES as readonly string[]).includes(modeRaw)) {
    problems.push({
      field: "DELIVERY_DEFAULT_MODE",
      problem: `"${modeRaw.slice(0, 40)}" is not one of ${DELIVERY_MODES.join(", ")}`,
    });
  }
  const localRoot = value(env, "DELIVERY_LOCAL_ROOT");
  if (localRoot !== undefined && !localRoot.startsWith("/")) {
    problems.push({ field: "DELIVERY_LOCAL_ROOT", problem: `"${localRoot}" must be an absolute path` });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  const secretArn = value(env, "DELIVERY_SECRET_ARN");
  return {
    repositories,
    defaultMode: modeRaw as DeliveryMode,
    ...(secretArn ? { secretArn } : {}),
    ...(localRoot ? { localRoot } : {}),
  };
}

/** The configuration that applies to one repository. */
export function deliveryFor(settings: DeliverySettings, repoName: string): RepositoryDelivery {
  return Object.hasOwn(settings.repositories, repoName)
    ? settings.repositories[repoName]!
    : { mode: settings.defaultMode };
}

/** `https://github.com/<owner>/<repo>(.git)` → owner and repo; undefined for any other URL. */
export function githubRepositoryOf(url: string): { owner: string; repo: string } | undefined {
  const match = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url);
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}
