import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationFailedError } from "#lib/errors.ts";
import { revisionFromSourceVersion } from "../../functions/normalize-request/codebuild-mapping.ts";
import { handler } from "../../functions/normalize-request/handler.ts";
import { normalizeRequest } from "../../functions/normalize-request/normalize-request.ts";
import { deriveRepoName } from "../../functions/normalize-request/request-identity.ts";
import type { NormalizeSettings } from "../../functions/normalize-request/settings.ts";

const RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";
const NOW = new Date("2026-11-25T10:00:00.000Z");

function sample(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../samples/${path}`, import.meta.url), "utf8"));
}

function deps(overrides: Partial<NormalizeSettings> = {}) {
  return {
    settings: {
      defaultRuntimeArn: RUNTIME_ARN,
      mountPath: "/mnt/workspace",
      codeBuildProjects: {},
      ...overrides,
    },
    now: () => NOW,
  };
}

/** The CodeBuild sample with its environment variables replaced (so the build's own source is used). */
function codeBuildEvent(changes: {
  variables?: { name: string; type?: string; value: string }[];
  source?: Record<string, unknown>;
  sourceVersion?: string;
  status?: string;
}): Record<string, unknown> {
  const event = structuredClone(sample("events/codebuild-build-failed.json")) as {
    detail: Record<string, unknown> & { "additional-information": Record<string, unknown> };
  };
  const info = event.detail["additional-information"] as Record<string, Record<string, unknown>>;
  if (changes.variables)
    info.environment = { ...info.environment, "environment-variables": changes.variables };
  if (changes.source) info.source = changes.source;
  if (changes.sourceVersion !== undefined)
    (info as Record<string, unknown>)["source-version"] = changes.sourceVersion;
  if (changes.status) event.detail["build-status"] = changes.status;
  return event as unknown as Record<string, unknown>;
}

function rejection(act: () => unknown): ValidationFailedError {
  try {
    act();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error;
    throw error;
  }
  throw new Error("expected a ValidationFailedError, but the input was accepted");
}

describe("normalize-request: each trigger", () => {
  it("accepts our own Repair Requested event", () => {
    // Prepare
    const event = sample("events/repair-requested.json");

    // Act
    const request = normalizeRequest(event, deps());

    // Assess
    expect(request).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f]{64}$/),
      sessionId: `repair-${request.requestId}`,
      runtimeArn: RUNTIME_ARN,
      source: { kind: "local", path: "samples/workspaces/node-calculator" },
      repoName: "node-calculator",
      workspacePath: "/mnt/workspace/node-calculator",
      validationCommand: "npm test",
      limits: { maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 },
      trigger: "repair-requested",
      requestedBy: "sample:eventbridge",
      acceptedAt: "2026-11-25T10:00:00.000Z",
      deadline: "2026-11-25T11:00:00.000Z",
      // The deadline (epoch 1795604400) plus the lock's hour of grace, as DynamoDB's N string.
      lockExpiresAt: "1795608000",
      lockKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      acceptedAtEpoch: "1795600800",
    });
    expect(request.lockKey).not.toBe(request.requestId);
  });

  it("locks on repository and revision only: another validation command of the same commit shares the lock", () => {
    const first = normalizeRequest(sample("console/start-repair.json"), deps());
    const other = normalizeRequest(
      { ...(sample("console/start-repair.json") as object), validationCommand: "npm run lint" },
      deps(),
    );

    expect(other.requestId).not.toBe(first.requestId);
    expect(other.lockKey).toBe(first.lockKey);
  });

  it("refuses a command timeout above what the deployment is sized for", () => {
    const event = {
      ...(sample("console/start-repair.json") as object),
      limits: { commandTimeoutSeconds: 900 },
    };

    const error = (() => {
      try {
        normalizeRequest(event, deps({ maxCommandTimeoutSeconds: 600 }));
      } catch (e) {
        return e as ValidationFailedError;
      }
    })();

    expect(error?.fields).toEqual([
      {
        field: "limits.commandTimeoutSeconds",
        problem: "is 900 s; this deployment allows at most 600 s (COMMAND_TIMEOUT_SECONDS)",
      },
    ]);
  });

  it("refuses a runtime other than the deployment's own", () => {
    const event = {
      ...(sample("console/start-repair.json") as object),
      runtimeArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-ZyXwVu9876",
    };

    expect(() => normalizeRequest(event, deps())).toThrow(/runtimeArn: must be this deployment's runtime/);
  });

  it("accepts a failed CodeBuild build, taking repository and command from the build's environment", () => {
    // Prepare
    const event = sample("events/codebuild-build-failed.json");

    // Act
    const request = normalizeRequest(event, deps());

    // Assess: REPAIR_REPOSITORY overrides the GitHub source, so its source-version does not apply
    expect(request.trigger).toBe("codebuild");
    expect(request.source).toEqual({ kind: "local", path: "samples/workspaces/node-calculator" });
    expect(request.validationCommand).toBe("npm test");
    expect(request.requestedBy).toBe("codebuild:GitHub-Hookshot/7d4f2b9");
  });

  it("maps a CodeBuild git source location and source-version when the build names no override", () => {
    // Prepare
    const event = codeBuildEvent({
      variables: [{ name: "REPAIR_VALIDATION_COMMAND", type: "PLAINTEXT", value: "npm run check" }],
    });

    // Act
    const request = normalizeRequest(event, deps());

    // Assess
    expect(request.source).toEqual({
      kind: "git",
      url: "https://github.com/example-org/node-calculator.git",
      branch: "main",
      revision: "4f9c2e7a1b3d5f60718293a4b5c6d7e8f9012345",
    });
    expect(request.validationCommand).toBe("npm run check");
  });

  it("prefers the project's configured command and repository over the build's environment", () => {
    // Prepare
    const event = sample("events/codebuild-build-failed.json");
    const projects = {
      "node-calculator-ci": {
        validationCommand: "npm ci && npm test",
        repository: { url: "git@github.com:o/calc.git" },
      },
    };

    // Act
    const request = normalizeRequest(event, deps({ codeBuildProjects: projects }));

    // Assess
    expect(request.validationCommand).toBe("npm ci && npm test");
    expect(request.source).toEqual({ kind: "git", url: "git@github.com:o/calc.git" });
  });

  it("reads CodeBuild's source-version spellings as revision and branch", () => {
    // Prepare
    const sha = "4f9c2e7a1b3d5f60718293a4b5c6d7e8f9012345";

    // Act / Assess
    expect(revisionFromSourceVersion(sha)).toEqual({ revision: sha });
    expect(revisionFromSourceVersion("refs/heads/release/1.x")).toEqual({ branch: "release/1.x" });
    expect(revisionFromSourceVersion("pr/12")).toEqual({ revision: "refs/pull/12/head" });
    expect(revisionFromSourceVersion(`refs/heads/main^{${sha}}`)).toEqual({ branch: "main", revision: sha });
    expect(revisionFromSourceVersion("refs/tags/v1.2.0")).toEqual({ revision: "refs/tags/v1.2.0" });
    expect(revisionFromSourceVersion("develop")).toEqual({ branch: "develop" });
  });

  it("refuses a CodeBuild build that did not fail, naming build-status", () => {
    // Prepare
    const event = codeBuildEvent({ status: "SUCCEEDED" });

    // Act
    const error = rejection(() => normalizeRequest(event, deps()));

    // Assess
    expect(error.fields).toContainEqual({
      field: "detail.build-status",
      problem: 'must be FAILED (only failed builds are repaired), got "SUCCEEDED"',
    });
  });

  it("refuses a CodeBuild S3 build without a configured repository, and one without a command", () => {
    // Prepare: no REPAIR_* variables; a secret-typed variable with the right name must not be read
    const event = codeBuildEvent({
      variables: [{ name: "REPAIR_VALIDATION_COMMAND", type: "SECRETS_MANAGER", value: "ci/command" }],
      source: { type: "S3", location: "codebuild-123456789012-input-bucket/src.zip" },
    });

    // Act
    const error = rejection(() => normalizeRequest(event, deps()));

    // Assess
    expect(error.fields.map((f) => f.field)).toEqual(["repository", "validationCommand"]);
    expect(error.fields[0]?.problem).toContain('build source type "S3" is not a git repository');
    expect(error.fields[1]?.problem).toContain(
      'no validation command for CodeBuild project "node-calculator-ci"',
    );
  });

  it("names the event field a bad CodeBuild value came from", () => {
    // Prepare
    const event = codeBuildEvent({
      variables: [{ name: "REPAIR_VALIDATION_COMMAND", value: "npm test" }],
      sourceVersion: "--upload-pack=touch /tmp/pwned",
    });

    // Act
    const error = rejection(() => normalizeRequest(event, deps()));

    // Assess
    expect(error.fields).toHaveLength(1);
    expect(error.fields[0]?.field).toBe(
      "repository.branch (from detail.additional-information.source-version)",
    );
    expect(error.fields[0]?.problem).toContain("must not begin with '-'");
  });

  it("accepts an API Gateway proxy body, plain or base64, and a mapping template's object body", () => {
    // Prepare
    const body = sample("api/start-repair.json");
    const text = JSON.stringify(body);

    // Act
    const proxied = normalizeRequest({ resource: "/repairs", httpMethod: "POST", body: text }, deps());
    const encoded = normalizeRequest(
      { body: Buffer.from(text).toString("base64"), isBase64Encoded: true },
      deps(),
    );
    const mapped = normalizeRequest({ body }, deps());
    const passedThrough = normalizeRequest({ ...body, trigger: "api" }, deps());

    // Assess
    for (const request of [proxied, encoded, mapped, passedThrough]) {
      expect(request.trigger).toBe("api");
      expect(request.limits).toEqual({ maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 });
      expect(request.requestedBy).toBe("sample:api");
    }
  });

  it("accepts a console input with the fields at top level", () => {
    // Prepare
    const input = sample("console/start-repair.json");

    // Act
    const request = normalizeRequest(input, deps());

    // Assess
    expect(request.trigger).toBe("console");
    expect(request.requestedBy).toBe("sample:console");
  });
});

describe("normalize-request: defaults and identity", () => {
  it("fills limits, runtime and mount path from defaults and settings", () => {
    // Prepare
    const input = { repository: { url: "https://github.com/o/calc.git" }, validationCommand: "npm test" };

    // Act
    const request = normalizeRequest(input, deps({ mountPath: "/mnt/data", defaultQualifier: "DEFAULT" }));

    // Assess
    expect(request.limits).toEqual({ maxIterations: 3, commandTimeoutSeconds: 300, budgetSeconds: 3600 });
    expect(request.runtimeArn).toBe(RUNTIME_ARN);
    expect(request.qualifier).toBe("DEFAULT");
    expect(request.workspacePath).toBe("/mnt/data/calc");
    expect(request).not.toHaveProperty("requestedBy");
  });

  it("lets the request name its own runtime (when the deployment names none), qualifier and limits", () => {
    // Prepare
    const other = "arn:aws:bedrock-agentcore:eu-west-1:210987654321:runtime/other_agent-ZyXwVu9876";
    const input = {
      repository: { url: "https://github.com/o/calc.git" },
      validationCommand: "npm test",
      runtimeArn: other,
      qualifier: "canary",
      limits: { maxIterations: 5, commandTimeoutSeconds: 900 },
    };

    // Act
    const request = normalizeRequest(input, deps({ defaultRuntimeArn: undefined }));

    // Assess
    expect(request.runtimeArn).toBe(other);
    expect(request.qualifier).toBe("canary");
    expect(request.limits).toEqual({ maxIterations: 5, commandTimeoutSeconds: 900, budgetSeconds: 3600 });
  });

  it("gives every trigger of the same repository and command the same ids", () => {
    // Prepare
    const inputs = [
      sample("events/repair-requested.json"),
      sample("events/codebuild-build-failed.json"),
      { body: JSON.stringify(sample("api/start-repair.json")) },
      sample("console/start-repair.json"),
    ];

    // Act
    const requests = inputs.map((input) => normalizeRequest(input, deps()));

    // Assess
    const ids = new Set(requests.map((r) => `${r.requestId} ${r.sessionId}`));
    expect(ids.size).toBe(1);
  });

  it("derives a session id of 33-256 characters that is the same for the same request", () => {
    // Prepare
    const input = {
      repository: {
        url: "https://github.com/o/calc.git",
        revision: "4F9C2E7A1B3D5F60718293A4B5C6D7E8F9012345",
      },
      validationCommand: "npm test",
    };

    // Act
    const first = normalizeRequest(input, deps());
    const second = normalizeRequest(structuredClone(input), { ...deps(), now: () => new Date() });

    // Assess
    expect(first.sessionId).toMatch(/^repair-[0-9a-f]{64}$/);
    expect(first.sessionId.length).toBeGreaterThanOrEqual(33);
    expect(first.sessionId.length).toBeLessThanOrEqual(256);
    expect(second.requestId).toBe(first.requestId);
    expect(second.sessionId).toBe(first.sessionId);
    expect(first.source).toMatchObject({ revision: "4f9c2e7a1b3d5f60718293a4b5c6d7e8f9012345" });
  });

  it("changes the ids with the revision, branch or command, not with limits or URL spelling", () => {
    // Prepare
    const base = { repository: { url: "https://github.com/o/calc.git" }, validationCommand: "npm test" };
    const idOf = (input: object) => normalizeRequest(input, deps()).requestId;

    // Act
    const baseline = idOf(base);

    // Assess
    expect(idOf({ ...base, repository: { url: base.repository.url, revision: "abc1234" } })).not.toBe(
      baseline,
    );
    expect(idOf({ ...base, repository: { url: base.repository.url, branch: "dev" } })).not.toBe(baseline);
    expect(idOf({ ...base, validationCommand: "npm test -- --run" })).not.toBe(baseline);
    expect(idOf({ ...base, limits: { maxIterations: 7 } })).toBe(baseline);
    expect(idOf({ ...base, repository: { url: "https://GitHub.com/o/calc" } })).toBe(baseline);
    expect(idOf({ ...base, repository: { url: "https://github.com/o/calc/" } })).toBe(baseline);
    expect(idOf({ ...base, repository: { url: "git@github.com:o/calc.git" } })).toBe(
      idOf({ ...base, repository: { url: "ssh://git@github.com/o/calc" } }),
    );
  });

  it("derives a safe repository directory name", () => {
    // Act / Assess
    expect(deriveRepoName({ kind: "git", url: "git@github.com:org/service.git" })).toBe("service");
    expect(deriveRepoName({ kind: "git", url: "https://example.com/a/b/My%20Repo" })).toBe("My-20Repo");
    expect(deriveRepoName({ kind: "local", path: "/srv/git/weird name (copy)" })).toBe("weird-name-copy");
    expect(deriveRepoName({ kind: "local", path: "/srv/git/.git" })).toBe("repo");
    expect(deriveRepoName({ kind: "local", path: "/srv/git/...hidden" })).toBe("hidden");
    expect(deriveRepoName({ kind: "local", path: "." })).toBe("repo");
    expect(deriveRepoName({ kind: "local", path: `/srv/${"x".repeat(150)}` })).toHaveLength(100);
  });

  it("maps an absolute path given as url, or a branch of a local path, onto a local source", () => {
    // Prepare
    const input = {
      repository: { url: "/srv/git/calc/", branch: "fix/rounding" },
      validationCommand: "npm test",
    };

    // Act
    const request = normalizeRequest(input, deps());

    // Assess
    expect(request.source).toEqual({ kind: "local", path: "/srv/git/calc", revision: "fix/rounding" });
  });
});

describe("normalize-request handler", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("reads the runtime and mount path from the environment", async () => {
    // Prepare
    process.env.AGENTCORE_RUNTIME_ARN = RUNTIME_ARN;
    process.env.AGENTCORE_MOUNT_PATH = "/mnt/repairs/";

    // Act
    const request = await handler(sample("console/start-repair.json"));

    // Assess
    expect(request.runtimeArn).toBe(RUNTIME_ARN);
    expect(request.workspacePath).toBe("/mnt/repairs/node-calculator");
    expect(Date.parse(request.acceptedAt)).not.toBeNaN();
  });

  it("requires a runtime when neither the request nor the environment names one", async () => {
    // Prepare
    delete process.env.AGENTCORE_RUNTIME_ARN;

    // Act
    const outcome = handler(sample("console/start-repair.json"));

    // Assess
    await expect(outcome).rejects.toThrow(
      "runtimeArn: is required: give it in the request or set AGENTCORE_RUNTIME_ARN",
    );
  });

  it("names each bad environment variable", async () => {
    // Prepare
    process.env.AGENTCORE_RUNTIME_ARN = "arn:aws:lambda:us-east-1:123456789012:function:nope";
    process.env.AGENTCORE_MOUNT_PATH = "/mnt/a/b";
    process.env.REPAIR_CODEBUILD_PROJECTS = "{not json";

    // Act
    const outcome = handler(sample("console/start-repair.json"));

    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: "ValidationFailedError",
      fields: [
        {
          field: "AGENTCORE_RUNTIME_ARN (environment)",
          problem: expect.stringContaining("must be an AgentCore"),
        },
        { field: "AGENTCORE_MOUNT_PATH (environment)", problem: expect.stringContaining('got "/mnt/a/b"') },
        { field: "REPAIR_CODEBUILD_PROJECTS (environment)", problem: "must be valid JSON" },
      ],
    });
  });
});
