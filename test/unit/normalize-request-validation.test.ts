import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ValidationFailedError } from "#lib/errors.ts";
import { normalizeRequest } from "../../functions/normalize-request/normalize-request.ts";
import { checkBranchName, maskUrlCredentials } from "../../functions/normalize-request/repository-rules.ts";

const RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/repair_agent-AbCdEf1234";
const deps = {
  settings: { defaultRuntimeArn: RUNTIME_ARN, mountPath: "/mnt/workspace", codeBuildProjects: {} },
  now: () => new Date("2026-11-25T10:00:00Z"),
};

function withRepository(repository: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { repository, validationCommand: "npm test", ...extra };
}

function rejection(input: unknown): ValidationFailedError {
  try {
    normalizeRequest(input, deps);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error;
    throw error;
  }
  throw new Error("expected a ValidationFailedError, but the input was accepted");
}

function problemOf(input: unknown, field: string): string {
  const error = rejection(input);
  const found = error.fields.find((f) => f.field === field);
  if (!found) throw new Error(`no problem named ${field}; got ${JSON.stringify(error.fields)}`);
  return found.problem;
}

describe("normalize-request rejects bad fields by name", () => {
  it("names a limit out of range with the range and the value", () => {
    // Prepare
    const input = withRepository({ path: "repo" }, { limits: { commandTimeoutSeconds: 7200 } });

    // Act
    const error = rejection(input);

    // Assess
    expect(error.name).toBe("ValidationFailedError");
    expect(error.message).toBe(
      "limits.commandTimeoutSeconds: must be an integer between 1 and 3600, got 7200",
    );
  });

  it("names every bad field of one request at once", () => {
    // Prepare
    const input = {
      repository: { url: "http://example.com/r.git", branch: "a..b" },
      validationCommand: "",
      limits: { maxIterations: 0, budgetSeconds: "an hour", commandTimeoutSeconds: 1.5 },
      requestedBy: "x".repeat(300),
      validationComand: "npm test",
    };

    // Act
    const error = rejection(input);

    // Assess
    expect(error.fields.map((f) => f.field).sort()).toEqual(
      [
        "limits.budgetSeconds",
        "limits.commandTimeoutSeconds",
        "limits.maxIterations",
        "repository.branch",
        "repository.url",
        "requestedBy",
        "validationComand",
        "validationCommand",
      ].sort(),
    );
    expect(error.fields).toContainEqual({
      field: "limits.budgetSeconds",
      problem: 'must be an integer between 60 and 28800, got the string "an hour"',
    });
    expect(error.fields).toContainEqual({
      field: "limits.maxIterations",
      problem: "must be an integer between 1 and 20, got 0",
    });
    expect(error.fields).toContainEqual({ field: "validationComand", problem: "is not a known field" });
    expect(error.fields).toContainEqual({
      field: "requestedBy",
      problem: "is 300 characters; the limit is 256",
    });
  });

  it("requires the repository and the command", () => {
    // Act
    const error = rejection({});

    // Assess
    expect(error.fields).toEqual([
      { field: "repository", problem: "is required" },
      { field: "validationCommand", problem: "is required" },
    ]);
  });

  it("wants exactly one of url and path", () => {
    // Act / Assess
    expect(problemOf(withRepository({ url: "https://h/o/r", path: "r" }), "repository")).toBe(
      "give exactly one of url or path",
    );
    expect(problemOf(withRepository({ revision: "abc1234" }), "repository")).toBe(
      "give exactly one of url or path",
    );
  });

  it("keeps the budget at least as long as one command", () => {
    // Act
    const problem = problemOf(
      withRepository({ path: "r" }, { limits: { commandTimeoutSeconds: 900, budgetSeconds: 600 } }),
      "limits.budgetSeconds",
    );

    // Assess
    expect(problem).toBe("must be at least commandTimeoutSeconds (900), got 600");
  });

  it("bounds the validation command in bytes and refuses hidden control characters", () => {
    // Act / Assess
    expect(
      problemOf(
        withRepository({ path: "r" }, { validationCommand: "é".repeat(20_000) }),
        "validationCommand",
      ),
    ).toBe("is 40000 bytes; the limit is 32768");
    expect(
      problemOf(
        withRepository({ path: "r" }, { validationCommand: "npm test\u001b[2J" }),
        "validationCommand",
      ),
    ).toBe("must not contain control characters");
    expect(
      normalizeRequest(withRepository({ path: "r" }, { validationCommand: "npm ci\n\tnpm test" }), deps),
    ).toMatchObject({
      validationCommand: "npm ci\n\tnpm test",
    });
  });

  it("checks the runtime ARN and qualifier formats", () => {
    // Act / Assess
    expect(problemOf(withRepository({ path: "r" }, { runtimeArn: "my-agent" }), "runtimeArn")).toContain(
      "must be an AgentCore runtime ARN",
    );
    expect(problemOf(withRepository({ path: "r" }, { qualifier: "1-bad" }), "qualifier")).toContain(
      "must match",
    );
  });

  it("names the envelope's fields for events and strips the API body wrapper", () => {
    // Prepare
    const event = {
      version: "0",
      id: "1",
      "detail-type": "Repair Requested",
      source: "agentcore.repair",
      account: "123456789012",
      time: "yesterday",
      region: "us-east-1",
      resources: [],
      detail: withRepository({ path: "r" }, { limits: { maxIterations: 99 } }),
    };
    const apiBody = {
      body: JSON.stringify(withRepository({ path: "r" }, { limits: { maxIterations: 99 } })),
    };

    // Act
    const eventError = rejection(event);
    const apiError = rejection(apiBody);

    // Assess
    expect(eventError.fields.map((f) => f.field)).toEqual(["time", "detail.limits.maxIterations"]);
    expect(apiError.fields.map((f) => f.field)).toEqual(["limits.maxIterations"]);
  });

  it("refuses what is not a request at all", () => {
    // Act / Assess
    expect(rejection("npm test").fields).toEqual([{ field: "event", problem: "must be a JSON object" }]);
    expect(rejection([1]).fields).toEqual([{ field: "event", problem: "must be a JSON object" }]);
    expect(rejection({ "detail-type": "EC2 Instance State-change Notification" }).fields[0]?.field).toBe(
      "detail-type",
    );
    expect(rejection({ body: 42 }).fields).toEqual([
      { field: "body", problem: "must be the request as a JSON string or object" },
    ]);
  });

  it("says an API body is not JSON without echoing it", () => {
    // Prepare
    const body = '{"repository": {"url": "https://alice:hunter2@github.com/o/r.git"}, oops';

    // Act
    const error = rejection({ body });

    // Assess
    expect(error.fields).toEqual([{ field: "body", problem: "must be valid JSON" }]);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("normalize-request repository URLs", () => {
  it.each([
    ["https://github.com/o/r.git", "git"],
    ["ssh://git@github.com/o/r.git", "git"],
    ["git://example.com/o/r.git", "git"],
    ["file:///srv/git/r.git", "git"],
    ["git@github.com:o/r.git", "git"],
    ["/srv/git/r", "local"],
  ])("accepts %s as a %s source", (url, kind) => {
    // Act
    const request = normalizeRequest(withRepository({ url }), deps);

    // Assess
    expect(request.source.kind).toBe(kind);
  });

  it.each([
    ["http://github.com/o/r.git", 'scheme "http" is not allowed'],
    ["ftp://example.com/r.git", 'scheme "ftp" is not allowed'],
    ["ext::sh -c touch% /tmp/pwned", "must not contain whitespace"],
    ["ext::sh%20-c%20id", 'git remote helpers ("transport::address") are not allowed'],
    ["fd::17", 'git remote helpers ("transport::address") are not allowed'],
    ["--upload-pack=touch /tmp/pwned", "must not begin with '-'"],
    ["-oProxyCommand=id", "must not begin with '-'"],
    ["relative/dir", "must be an https://"],
    ["https://github.com/o/r.git\nrm -rf /", "must not contain control characters"],
    ["https://github.com/o/r\u202e.git", "must not contain control characters"],
    ["https:///o/r.git", "needs a host"],
    ["https://github.com", "needs a repository path"],
    ["https://github.com/o/r.git?ref=main", "must not have a query string or fragment"],
    ["/srv/../etc/r", "must not contain '..' segments"],
  ])("refuses %j", (url, problem) => {
    // Act
    const found = problemOf(withRepository({ url }), "repository.url");

    // Assess
    expect(found).toContain(problem);
  });

  it("lets shell metacharacters through verbatim, because every later command single-quotes them", () => {
    // Prepare
    const url = "https://github.com/o/r$(id)`whoami`;x|y&z'q.git";
    const path = "samples/it's $(here) & `there`";
    const branch = "fix/$(id);`x`|y&z";

    // Act
    const fromUrl = normalizeRequest(withRepository({ url, branch }), deps);
    const fromPath = normalizeRequest(withRepository({ path }), deps);

    // Assess
    expect(fromUrl.source).toEqual({ kind: "git", url, branch });
    expect(fromPath.source).toEqual({ kind: "local", path });
    expect(fromUrl.repoName).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
    expect(fromPath.repoName).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
  });

  it("refuses option injection through branch, revision and path", () => {
    // Act / Assess
    expect(problemOf(withRepository({ url: "https://h/o/r", branch: "-D" }), "repository.branch")).toContain(
      "must not begin with '-'",
    );
    expect(
      problemOf(
        withRepository({ url: "https://h/o/r", revision: "--upload-pack=id" }),
        "repository.revision",
      ),
    ).toContain("must not begin with '-'");
    expect(problemOf(withRepository({ path: "-rf" }), "repository.path")).toContain(
      "must not begin with '-'",
    );
  });

  it("refuses control characters in branch, revision and path", () => {
    // Act / Assess
    expect(problemOf(withRepository({ url: "https://h/o/r", branch: "main\nx" }), "repository.branch")).toBe(
      "must not contain control characters",
    );
    expect(
      problemOf(withRepository({ url: "https://h/o/r", revision: "v1\u0000" }), "repository.revision"),
    ).toBe("must not contain control characters");
    expect(problemOf(withRepository({ path: "a/\u001b[31mred" }), "repository.path")).toBe(
      "must not contain control characters",
    );
  });
});

describe("normalize-request never echoes credentials", () => {
  it.each([
    ["https://alice:s3cr3t-pass@github.com/o/r.git", "s3cr3t-pass"],
    [
      "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ],
    ["http://bob:hunter2@example.com/r.git", "hunter2"],
    ["ssh://git:pw-in-ssh@example.com/r.git", "pw-in-ssh"],
    ["deploy:scp-secret@example.com:o/r.git", "scp-secret"],
    ["https://example.com/r.git?X-Amz-Signature=deadbeefcafe", "deadbeefcafe"],
  ])("refuses %j and masks the secret in the message", (url, secret) => {
    // Act
    const error = rejection(withRepository({ url }));

    // Assess
    expect(error.fields.map((f) => f.field)).toEqual(["repository.url"]);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.details)).not.toContain(secret);
  });

  it("masks user:pass@ in any message text", () => {
    // Act / Assess
    expect(maskUrlCredentials('got "https://alice:pw@github.com/o/r"')).toBe(
      'got "https://***@github.com/o/r"',
    );
    expect(maskUrlCredentials("clone alice:pw@host:o/r failed")).toBe("clone ***@host:o/r failed");
  });
});

describe("branch names follow git check-ref-format --branch", () => {
  const names = [
    "main",
    "feature/login-form",
    "release/1.x",
    "fix/$(id);`x`",
    "unicodé/ブランチ",
    "refs/heads/main",
    "a..b",
    "topic.lock",
    "x.lock/y",
    "x/.hidden",
    "ends-with.",
    "with space",
    "tilde~1",
    "caret^",
    "colon:x",
    "question?",
    "star*",
    "open[bracket",
    "back\\slash",
    "a//b",
    "/leading",
    "trailing/",
    "a@{b",
    "HEAD",
    "-dash",
    "--orphan",
  ];

  it("agrees with the real git on each name", () => {
    // Prepare
    const gitAccepts = (name: string): boolean => {
      try {
        execFileSync("git", ["check-ref-format", "--branch", name], { cwd: tmpdir(), stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };

    // Act
    const disagreements = names.filter((name) => (checkBranchName(name) === undefined) !== gitAccepts(name));

    // Assess
    expect(disagreements).toEqual([]);
  });

  it("is stricter than git about '@', which git reads as HEAD", () => {
    // Act / Assess
    expect(checkBranchName("@")).toBe("must not be '@' (git ref rules), got \"@\"");
  });
});
