import { BedrockAgentCoreClient, InvokeAgentRuntimeCommandCommand } from "@aws-sdk/client-bedrock-agentcore";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RepairRequest } from "#lib/contracts.ts";
import { CommandTimedOutError, PlatformError, ValidationFailedError } from "#lib/errors.ts";
import { readLedger } from "#lib/ledger.ts";
import { parseTaskInput } from "#lib/task-input.ts";
import {
  type PrepareWorkspaceDependencies,
  prepareWorkspace,
  prepareWorkspaceInputSchema,
} from "../../functions/prepare-workspace/prepare-workspace.ts";
import {
  agentCoreClient,
  commandReply,
  eventStream,
  repairRequest,
  started,
  stderr,
  stopped,
  type TemporaryStore,
  temporaryStore,
} from "./agentcore-fakes.ts";

const agentCore = mockClient(BedrockAgentCoreClient);
const revision = "0123456789abcdef0123456789abcdef01234567";

describe("prepareWorkspace", () => {
  let artifacts: TemporaryStore;
  let deps: PrepareWorkspaceDependencies;

  beforeEach(async () => {
    agentCore.reset();
    artifacts = await temporaryStore();
    deps = {
      agentCore: agentCoreClient(),
      store: artifacts.store,
      digest: { headBytes: 1024, tailBytes: 1024 },
      config: { mountPath: "/mnt/workspace", toolCacheDir: "/tmp/rc", commandMarginSeconds: 30 },
      remainingTimeMs: () => 900_000,
    };
  });
  afterEach(() => artifacts.remove());

  const input = (request: Partial<RepairRequest> = {}) =>
    parseTaskInput(prepareWorkspaceInputSchema, {
      request: repairRequest(request),
      executionName: "exec-1",
      iteration: 0,
    });
  const sent = () =>
    agentCore
      .commandCalls(InvokeAgentRuntimeCommandCommand)
      .map((call) => call.args[0].input.body?.command ?? "");

  /** The session answers the probe with `probe`, and the clone or resume script with `result`. */
  function session(probe: string, result: ReturnType<typeof commandReply>) {
    agentCore
      .on(InvokeAgentRuntimeCommandCommand)
      .callsFakeOnce(() => commandReply(probe))
      .callsFakeOnce(() => result);
  }

  it("clones when session storage holds nothing, and reports a fresh workspace", async () => {
    // Prepare
    session("state=absent\n", commandReply(`revision=${revision}\n`));
    // Act
    const workspace = await prepareWorkspace(deps, input());
    // Assess
    expect(workspace).toEqual({
      path: "/mnt/workspace/widgets",
      internals: null,
      revision,
      resumed: false,
      clearedLockFiles: [],
    });
    const [probe, clone] = sent();
    expect(probe).toContain("[ -d '/mnt/workspace/widgets'/.git ]");
    expect(clone).toContain(
      "git -c core.fsmonitor=false clone --quiet --branch 'main' -- 'https://github.com/example/widgets.git' '/mnt/workspace/widgets.partial'",
    );
    expect(clone).toContain("export npm_config_cache='/tmp/rc/npm'");
    expect(clone).not.toContain("rm -rf -- '/mnt/workspace/widgets'\n");
  });

  it("clones a local source with --no-hardlinks", async () => {
    session("state=absent\n", commandReply(`revision=${revision}\n`));
    await prepareWorkspace(deps, input({ source: { kind: "local", path: "/srv/repos/widgets" } }));
    expect(sent()[1]).toContain(
      "clone --quiet --no-hardlinks -- '/srv/repos/widgets' '/mnt/workspace/widgets.partial'",
    );
  });

  it("resumes the repository session storage kept, reporting the lock files it cleared", async () => {
    // Prepare
    session(
      "state=repository\norigin=match\n",
      commandReply(`cleared=.git/index.lock\ncleared=.git/refs/heads/main.lock\nrevision=${revision}\n`),
    );
    // Act
    const workspace = await prepareWorkspace(deps, input());
    // Assess
    expect(workspace).toEqual({
      path: "/mnt/workspace/widgets",
      internals: null,
      revision,
      resumed: true,
      clearedLockFiles: [".git/index.lock", ".git/refs/heads/main.lock"],
    });
    expect(sent()[1]).toContain("find .git -type f -name '*.lock'");
    expect(sent()[1]).not.toContain("clone");
  });

  it("replaces a different repository found at the workspace path", async () => {
    session("state=repository\norigin=other\n", commandReply(`revision=${revision}\n`));
    const workspace = await prepareWorkspace(deps, input());
    expect(workspace.resumed).toBe(false);
    expect(sent()[1]).toContain("rm -rf -- '/mnt/workspace/widgets'\n");
  });

  it("records the workspace and the clone command in the ledger, not the probe", async () => {
    session("state=absent\n", commandReply(`revision=${revision}\n`));
    await prepareWorkspace(deps, input());
    const { records } = await readLedger(artifacts.store, "exec-1");
    expect(records.map((r) => r.kind)).toEqual(["command", "workspace"]);
    expect(records[0]).toMatchObject({ purpose: "prepare", exitCode: 0 });
  });

  it("fails with the clone's error output when the clone fails", async () => {
    // Prepare
    session("state=absent\n", {
      ...commandReply(""),
      stream: eventStream(
        started,
        stderr("fatal: could not read Username for 'https://github.com': terminal prompts disabled\n"),
        stopped(128),
      ),
    });
    // Act
    const attempt = prepareWorkspace(deps, input());
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PlatformError);
    await expect(attempt).rejects.toThrow(
      /could not clone the workspace \(exit 128\): fatal: could not read Username/,
    );
  });

  it("throws CommandTimedOutError when the clone runs past its timeout", async () => {
    session("state=absent\n", commandReply("", 137, "TIMED_OUT"));
    await expect(prepareWorkspace(deps, input())).rejects.toBeInstanceOf(CommandTimedOutError);
  });

  it("cuts the clone's timeout to what the Lambda invocation can still wait", async () => {
    deps = { ...deps, remainingTimeMs: () => 200_000 };
    session("state=absent\n", commandReply(`revision=${revision}\n`));
    await prepareWorkspace(deps, input());
    expect(agentCore.commandCalls(InvokeAgentRuntimeCommandCommand)[1]!.args[0].input.body?.timeout).toBe(
      170,
    );
  });

  it("refuses a revision git could read as an option", async () => {
    const attempt = prepareWorkspace(
      deps,
      input({
        source: { kind: "git", url: "https://github.com/example/widgets.git", revision: "--upload-pack=x" },
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(attempt).rejects.toThrow(/request\.source\.revision/);
    expect(sent()).toEqual([]);
  });

  it("refuses a workspace path that is not the repository under the mount path", async () => {
    // The input schema refuses it (functions/lib/task-input.ts) before prepareWorkspace sends anything.
    const attempt = (async () =>
      prepareWorkspace(deps, input({ workspacePath: "/mnt/workspace/elsewhere" })))();
    await expect(attempt).rejects.toThrow(/request\.workspacePath/);
    expect(sent()).toEqual([]);
  });

  it("fails when the script does not report a revision", async () => {
    session("state=absent\n", commandReply("something else\n"));
    await expect(prepareWorkspace(deps, input())).rejects.toThrow(/did not report the checked-out revision/);
  });
});
