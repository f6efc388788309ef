import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/stack.ts";
import { lintDockerfile } from "./dockerfile-lint.ts";

const AGENT_DOCKERFILE = join(PROJECT_ROOT, "samples", "agent", "Dockerfile");
const DIGEST = "sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df";

const rulesOf = (text: string) => lintDockerfile(text).map((finding) => finding.rule);

describe("the agent image's Dockerfile", () => {
  it("passes the hadolint rules and the project's own (digest-pinned base, non-root USER before CMD)", () => {
    const findings = lintDockerfile(readFileSync(AGENT_DOCKERFILE, "utf8"));

    expect(findings).toEqual([]);
  });

  it("runs as the unprivileged node user and ships nothing the agent user can write", () => {
    const text = readFileSync(AGENT_DOCKERFILE, "utf8");

    expect(text).toMatch(/^USER node$/m);
    // COPY without --chown leaves the files root-owned: the agent cannot rewrite its own code or tools.
    expect(text).not.toMatch(/--chown/);
    expect(text).toMatch(/^FROM --platform=linux\/arm64 \S+@sha256:[a-f0-9]{64}$/m);
  });
});

describe("the Dockerfile lint (hadolint's documented rules)", () => {
  const pinnedFrom = `FROM node:24-slim@${DIGEST}`;

  it("flags an untagged or latest base image and one without a digest (DL3006, DL3007)", () => {
    expect(rulesOf('FROM node\nUSER node\nCMD ["node"]')).toEqual(["DL3006", "AR001"]);
    expect(rulesOf('FROM node:latest\nUSER node\nCMD ["node"]')).toEqual(["DL3007", "AR001"]);
    expect(rulesOf(`${pinnedFrom}\nUSER node\nCMD ["node"]`)).toEqual([]);
  });

  it("flags root as the last USER, and a CMD without any USER (DL3002)", () => {
    expect(rulesOf(`${pinnedFrom}\nUSER node\nUSER root\nCMD ["node"]`)).toEqual(["DL3002"]);
    expect(rulesOf(`${pinnedFrom}\nCMD ["node"]`)).toEqual(["AR002"]);
  });

  it("flags unpinned apt, npm and pip packages (DL3008, DL3016, DL3013) and apt hygiene (DL3015, DL3009)", () => {
    const text = [
      pinnedFrom,
      "RUN apt-get update && apt-get install -y git curl=7.88.1-10",
      "RUN npm install -g typescript && npm install left-pad@1.3.0 @scope/tool@2.0.0",
      "RUN pip install requests flask==3.0.0",
      "USER node",
      'CMD ["node"]',
    ].join("\n");

    expect(lintDockerfile(text).map((f) => `${f.rule} ${f.message.split(": ")[1] ?? ""}`.trim())).toEqual([
      "DL3015",
      "DL3008 git",
      "DL3009",
      "DL3016 typescript",
      "DL3013 requests",
    ]);
  });

  it("flags shell-form CMD (DL3025), relative WORKDIR (DL3000), ADD of local files (DL3020), sudo (DL3004), pipes without pipefail (DL4006)", () => {
    const text = [
      pinnedFrom,
      "WORKDIR app",
      "ADD . /app",
      "RUN sudo make",
      "RUN curl -s https://example.com | sh",
      "USER node",
      "CMD node server.mjs",
    ].join("\n");

    expect(rulesOf(text)).toEqual(["DL3000", "DL3020", "DL3004", "DL4006", "DL3025"]);
  });

  it("honours `# hadolint ignore=` on the line before an instruction, and only there", () => {
    const text = [
      pinnedFrom,
      "# hadolint ignore=DL3008",
      "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
      "RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
      "USER node",
      'CMD ["node"]',
    ].join("\n");

    expect(lintDockerfile(text)).toEqual([
      { rule: "DL3008", line: 4, message: "Pin versions in apt-get install: curl" },
    ]);
  });
});
