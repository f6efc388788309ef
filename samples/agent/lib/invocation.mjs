// @ts-check
/**
 * Reads the body of `POST /invocations` into an `AgentInvocation`, naming every bad field at once. The workflow's
 * invoke-agent task is the only intended caller; the agent still checks everything because the body crossed a
 * process boundary.
 */
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { InvalidInvocationError } from "./errors.mjs";

/** @typedef {import("./types.mjs").AgentInvocation} AgentInvocation */
/** @typedef {import("./types.mjs").FailureDigest} FailureDigest */
/** @typedef {import("./types.mjs").FailureLocation} FailureLocation */
/** @typedef {import("./types.mjs").PreviousAttempt} PreviousAttempt */

const INVOCATION_LIMITS = Object.freeze({
  goalChars: 8000,
  commandBytes: 65536,
  pathChars: 4096,
  listItems: 200,
  textChars: 64 * 1024,
  previousAttempts: 50,
});

const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** @param {unknown} value */
function describe(value) {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/**
 * @param {unknown} body The parsed JSON body.
 * @returns {AgentInvocation}
 */
export function parseInvocation(body) {
  /** @type {string[]} */
  const problems = [];
  if (!isObject(body)) {
    throw new InvalidInvocationError(
      `the body must be a JSON object (AgentInvocation); got ${describe(body)}`,
    );
  }

  /**
   * @param {Record<string, unknown>} source
   * @param {string} field
   * @param {string} label
   * @param {number} limit
   */
  const text = (source, field, label, limit) => {
    const value = source[field];
    if (typeof value !== "string") {
      problems.push(`${label}: must be a string; got ${describe(value)}`);
      return "";
    }
    if (value.length > limit) problems.push(`${label}: is ${value.length} characters; the limit is ${limit}`);
    return value;
  };

  /**
   * @param {unknown} value
   * @param {string} label
   * @returns {string[]}
   */
  const stringList = (value, label) => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      problems.push(`${label}: must be an array of strings; got ${describe(value)}`);
      return [];
    }
    if (value.length > INVOCATION_LIMITS.listItems) {
      problems.push(`${label}: has ${value.length} items; the limit is ${INVOCATION_LIMITS.listItems}`);
    }
    const bad = value.findIndex((item) => typeof item !== "string");
    if (bad >= 0) problems.push(`${label}[${bad}]: must be a string; got ${describe(value[bad])}`);
    return value.filter((item) => typeof item === "string");
  };

  const goal = text(body, "goal", "goal", INVOCATION_LIMITS.goalChars);
  const repoName = text(body, "repoName", "repoName", 100);
  if (repoName && !REPO_NAME.test(repoName)) {
    problems.push(`repoName: "${repoName}" must match [A-Za-z0-9._-]{1,100}`);
  } else if (repoName === "." || repoName === "..") {
    problems.push(`repoName: "${repoName}" is not a directory name`);
  }
  const workspacePath = text(body, "workspacePath", "workspacePath", INVOCATION_LIMITS.pathChars);
  if (workspacePath && !path.isAbsolute(workspacePath)) {
    problems.push(`workspacePath: "${workspacePath}" must be an absolute path`);
  }
  const validationCommand = text(
    body,
    "validationCommand",
    "validationCommand",
    INVOCATION_LIMITS.commandBytes,
  );
  const iteration = body.iteration;
  if (typeof iteration !== "number" || !Number.isInteger(iteration) || iteration < 0) {
    problems.push(`iteration: must be a non-negative integer; got ${JSON.stringify(iteration) ?? "nothing"}`);
  }

  // The digest's inner fields are read leniently (missing lists become empty): an agent can work from a partial
  // digest, but a field of the wrong type is still refused.
  /** @type {FailureDigest} */
  let failure = { tool: "generic", failingTests: [], locations: [], firstErrors: [], excerpt: "" };
  if (!isObject(body.failure)) {
    problems.push(`failure: must be an object (FailureDigest); got ${describe(body.failure)}`);
  } else {
    const raw = body.failure;
    /** @type {FailureLocation[]} */
    const locations = [];
    if (raw.locations !== undefined && !Array.isArray(raw.locations)) {
      problems.push(`failure.locations: must be an array; got ${describe(raw.locations)}`);
    } else {
      for (const [index, location] of /** @type {unknown[]} */ (raw.locations ?? []).entries()) {
        if (!isObject(location) || typeof location.file !== "string") {
          problems.push(`failure.locations[${index}]: must be an object with a string "file"`);
          continue;
        }
        /** @type {FailureLocation} */
        const parsed = { file: location.file };
        if (typeof location.line === "number") parsed.line = location.line;
        if (typeof location.column === "number") parsed.column = location.column;
        locations.push(parsed);
      }
    }
    failure = {
      tool: raw.tool === undefined ? "generic" : text(raw, "tool", "failure.tool", 100),
      failingTests: stringList(raw.failingTests, "failure.failingTests"),
      locations,
      firstErrors: stringList(raw.firstErrors, "failure.firstErrors"),
      excerpt:
        raw.excerpt === undefined ? "" : text(raw, "excerpt", "failure.excerpt", INVOCATION_LIMITS.textChars),
    };
  }

  /** @type {PreviousAttempt[]} */
  const previousAttempts = [];
  if (body.previousAttempts !== undefined && !Array.isArray(body.previousAttempts)) {
    problems.push(`previousAttempts: must be an array; got ${describe(body.previousAttempts)}`);
  } else {
    const attempts = /** @type {unknown[]} */ (body.previousAttempts ?? []);
    if (attempts.length > INVOCATION_LIMITS.previousAttempts) {
      problems.push(
        `previousAttempts: has ${attempts.length} items; the limit is ${INVOCATION_LIMITS.previousAttempts}`,
      );
    }
    for (const [index, attempt] of attempts.entries()) {
      if (!isObject(attempt)) {
        problems.push(`previousAttempts[${index}]: must be an object; got ${describe(attempt)}`);
        continue;
      }
      previousAttempts.push({
        summary: text(attempt, "summary", `previousAttempts[${index}].summary`, INVOCATION_LIMITS.textChars),
        commands: stringList(attempt.commands, `previousAttempts[${index}].commands`),
      });
    }
  }

  if (problems.length > 0) throw new InvalidInvocationError(problems.join("; "));
  return {
    goal,
    repoName,
    workspacePath,
    validationCommand,
    iteration: /** @type {number} */ (iteration),
    failure,
    previousAttempts,
  };
}

/**
 * The workspace must exist as a directory and, when the agent is configured with a workspace root (the session
 * storage mount, `/mnt/workspace` in the container), lie inside it.
 * @param {string} workspacePath
 * @param {string | undefined} workspaceRoot
 */
export async function checkWorkspace(workspacePath, workspaceRoot) {
  let real;
  try {
    real = await realpath(workspacePath);
  } catch {
    throw new InvalidInvocationError(`workspacePath: "${workspacePath}" does not exist`);
  }
  if (!(await stat(real)).isDirectory()) {
    throw new InvalidInvocationError(`workspacePath: "${workspacePath}" is not a directory`);
  }
  if (workspaceRoot !== undefined) {
    const realRoot = await realpath(workspaceRoot).catch(() => path.resolve(workspaceRoot));
    const relative = path.relative(realRoot, real);
    if (
      relative === "" ||
      relative === ".." ||
      relative.startsWith(`..${path.sep}`) ||
      path.isAbsolute(relative)
    ) {
      throw new InvalidInvocationError(
        `workspacePath: "${workspacePath}" is not inside the agent's workspace root ${workspaceRoot}`,
      );
    }
  }
  return real;
}
