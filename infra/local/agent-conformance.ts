import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";

/**
 * The agent contract (samples/agent/contract.schema.json) checked against a running agent over HTTP: what a team
 * bringing its own agent container runs before pointing the workflow at it (`npm run agent:check -- --url …`).
 */

const CONTRACT_SCHEMA_PATH = join(import.meta.dirname, "../../samples/agent/contract.schema.json");

type Shape = "Ping" | "Invocation" | "Reply" | "ProgressEvent" | "Error";

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** A sentence: what was seen, and for a failure which field broke which rule. */
  readonly detail: string;
}

export interface ConformanceOptions {
  /** The agent's base URL (its /ping and /invocations). */
  readonly url: string;
  /**
   * The repository path as the agent sees it, for the invocation checks. @default a small failing project in a
   * new temporary directory on this machine (right for an agent running here; a container needs its own path).
   */
  readonly workspacePath?: string;
  /** Per request. @default 120 */
  readonly timeoutSeconds?: number;
}

function compileContract(): Record<Shape, ValidateFunction> {
  const schema = JSON.parse(readFileSync(CONTRACT_SCHEMA_PATH, "utf8")) as { $id: string };
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addKeyword("x-http");
  ajv.addSchema(schema);
  const shape = (name: Shape) => ajv.getSchema(`${schema.$id}#/$defs/${name}`) as ValidateFunction;
  return {
    Ping: shape("Ping"),
    Invocation: shape("Invocation"),
    Reply: shape("Reply"),
    ProgressEvent: shape("ProgressEvent"),
    Error: shape("Error"),
  };
}

const describeErrors = (errors: readonly ErrorObject[] | null | undefined): string =>
  (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || "(the body)"} ${e.message ?? "is invalid"}`)
    .join("; ");

/**
 * A failing sample project for the invocation checks: one file and a test that fails (the sample agent has a
 * recording for it, `agent-check`). Its temporary parent is added to `created`, for removal after the checks.
 */
async function scratchWorkspace(created: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "agent-check-"));
  created.push(root);
  const workspace = join(root, "agent-check");
  await mkdir(workspace);
  await writeFile(join(workspace, "sum.js"), "export const sum = (a, b) => a - b;\n");
  await writeFile(
    join(workspace, "sum.test.js"),
    'import assert from "node:assert";\nimport { sum } from "./sum.js";\nassert.equal(sum(2, 3), 5);\n',
  );
  return workspace;
}

function invocationFor(workspacePath: string): Record<string, unknown> {
  const repoName = workspacePath.split("/").filter(Boolean).at(-1) ?? "agent-check";
  return {
    goal: "Make the validation command `node sum.test.js` pass. Change files in the workspace only.",
    repoName: /^[A-Za-z0-9._-]{1,100}$/.test(repoName) ? repoName : "agent-check",
    workspacePath,
    validationCommand: "node sum.test.js",
    iteration: 1,
    failure: {
      tool: "generic",
      failingTests: [],
      locations: [{ file: "sum.test.js", line: 3 }],
      firstErrors: ["AssertionError [ERR_ASSERTION]: -1 == 5"],
      excerpt: "AssertionError [ERR_ASSERTION]: -1 == 5",
    },
    previousAttempts: [],
  };
}

/** Server-sent events (WHATWG): `event:` and `data:` lines, a blank line ends an event. */
function parseEvents(text: string): { event: string; data: string }[] {
  const events: { event: string; data: string }[] = [];
  let event = "";
  let data: string[] = [];
  for (const raw of `${text}\n\n`.split(/\r?\n/)) {
    if (raw === "") {
      if (data.length) events.push({ event: event || "message", data: data.join("\n") });
      event = "";
      data = [];
    } else if (!raw.startsWith(":")) {
      const colon = raw.indexOf(":");
      const field = colon === -1 ? raw : raw.slice(0, colon);
      const value = colon === -1 ? "" : raw.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
  }
  return events;
}

const parseJson = (text: string): { value?: unknown; error?: string } => {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

/** Runs every check in order; never throws for what the agent answers (only for an unusable URL). */
export async function checkAgentConformance(options: ConformanceOptions): Promise<CheckResult[]> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new Error(`--url must be an http:// or https:// URL, got "${options.url}"`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:")
    throw new Error(`--url must be an http:// or https:// URL, got "${options.url}"`);
  const timeoutMs = (options.timeoutSeconds ?? 120) * 1000;
  const shapes = compileContract();
  const results: CheckResult[] = [];
  const record = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  const endpoint = (path: string) => new URL(path, base.href.endsWith("/") ? base.href : `${base.href}/`);
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(endpoint(path), { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "",
      text: await response.text(),
    };
  };
  const validate = (shape: Shape, value: unknown): string | undefined => {
    const check = shapes[shape];
    return check(value) ? undefined : describeErrors(check.errors);
  };

  // 1. Health.
  try {
    const ping = await call("ping");
    const body = parseJson(ping.text);
    const problem =
      ping.status !== 200
        ? `answered HTTP ${ping.status}, not 200`
        : body.error
          ? `is not JSON (${body.error})`
          : validate("Ping", body.value);
    record(
      "GET /ping",
      !problem,
      problem ? `GET /ping ${problem}.` : `GET /ping answers ${ping.text.trim()}.`,
    );
  } catch (error) {
    record(
      "GET /ping",
      false,
      `GET /ping could not be reached at ${endpoint("ping").href}: ${causeOf(error)}.`,
    );
    return results;
  }

  // 2. Bad input is refused with a named error, not a crash.
  const refused = async (name: string, body: string) => {
    try {
      const answer = await call("invocations", {
        method: "POST",
        body,
        headers: { accept: "application/json" },
      });
      const parsed = parseJson(answer.text);
      const problem =
        answer.status < 400 || answer.status >= 500
          ? `answered HTTP ${answer.status}; a bad body must get a 4xx`
          : parsed.error
            ? `answered a body that is not JSON (${parsed.error})`
            : validate("Error", parsed.value);
      record(
        name,
        !problem,
        problem
          ? `POST /invocations with ${name.replace(/^refuses /, "")} ${problem}.`
          : `refused with HTTP ${answer.status} ${(parsed.value as { error: string }).error}.`,
      );
    } catch (error) {
      record(name, false, `POST /invocations failed: ${causeOf(error)}.`);
    }
  };
  await refused("refuses a body that is not JSON", "{not json");
  await refused("refuses an invocation without its fields", "{}");

  // 3. A real invocation, JSON then streamed: a Reply, or an Error the workflow can show.
  // Each invocation gets a fresh scratch project (the first one may have repaired it), unless a path was given.
  const scratch: string[] = [];
  const invocation = async () => {
    const sent = invocationFor(options.workspacePath ?? (await scratchWorkspace(scratch)));
    const problem = validate("Invocation", sent);
    if (problem) throw new Error(`the check's own invocation breaks the contract: ${problem}`);
    return JSON.stringify(sent);
  };
  const replyOrError = (status: number, value: unknown): { ok: boolean; detail: string } => {
    if (status === 200) {
      const problem = validate("Reply", value);
      return problem
        ? { ok: false, detail: `the reply breaks the contract: ${problem}` }
        : { ok: true, detail: `replied: ${clip(String((value as { summary: string }).summary), 160)}` };
    }
    const problem = validate("Error", value);
    return problem
      ? { ok: false, detail: `HTTP ${status} with a body that breaks the contract: ${problem}` }
      : {
          ok: true,
          detail: `answered HTTP ${status} ${(value as { error: string }).error}: ${clip((value as { message: string }).message, 160)}`,
        };
  };
  try {
    try {
      const answer = await call("invocations", {
        method: "POST",
        body: await invocation(),
        headers: { "content-type": "application/json", accept: "application/json" },
      });
      const parsed = parseJson(answer.text);
      const verdict = parsed.error
        ? { ok: false, detail: `HTTP ${answer.status} with a body that is not JSON (${parsed.error})` }
        : replyOrError(answer.status, parsed.value);
      record("POST /invocations (JSON)", verdict.ok, `${verdict.detail}.`);
    } catch (error) {
      record("POST /invocations (JSON)", false, `POST /invocations failed: ${causeOf(error)}.`);
    }
    try {
      const answer = await call("invocations", {
        method: "POST",
        body: await invocation(),
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      });
      if (!answer.type.startsWith("text/event-stream")) {
        const parsed = parseJson(answer.text);
        const verdict = parsed.error
          ? {
              ok: false,
              detail: `HTTP ${answer.status} with a body that is neither an event stream nor JSON`,
            }
          : replyOrError(answer.status, parsed.value);
        record("POST /invocations (stream accepted)", verdict.ok, `${verdict.detail} (as JSON, no stream).`);
      } else {
        const events = parseEvents(answer.text);
        const finals = events.filter((e) => e.event === "result" || e.event === "error");
        const last = events.at(-1);
        const badProgress = events
          .filter((e) => e.event === "progress")
          .map((e) => parseJson(e.data))
          .map((p) => (p.error ? `not JSON (${p.error})` : validate("ProgressEvent", p.value)))
          .find(Boolean);
        let verdict: { ok: boolean; detail: string };
        if (finals.length !== 1 || !last || finals[0] !== last) {
          verdict = {
            ok: false,
            detail: `the stream must end with exactly one result or error event; it had ${finals.length} of ${events.length} events`,
          };
        } else if (badProgress) {
          verdict = { ok: false, detail: `a progress event breaks the contract: ${badProgress}` };
        } else {
          const parsed = parseJson(last.data);
          verdict = parsed.error
            ? { ok: false, detail: `the final event's data is not JSON (${parsed.error})` }
            : replyOrError(last.event === "result" ? 200 : 500, parsed.value);
          verdict = { ...verdict, detail: `${events.length - 1} progress event(s), then ${verdict.detail}` };
        }
        record("POST /invocations (event stream)", verdict.ok, `${verdict.detail}.`);
      }
    } catch (error) {
      record("POST /invocations (event stream)", false, `POST /invocations failed: ${causeOf(error)}.`);
    }
  } finally {
    await Promise.all(scratch.map((root) => rm(root, { recursive: true, force: true })));
  }
  return results;
}

/** At most `max` characters, with an ellipsis when cut. */
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? error.message;
}
