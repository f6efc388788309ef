// What `npm start` prints: failures as sentences (never a JSON document), and what a --workspace run resumes.
import { describe, expect, it } from "vitest";
import type { WorkspaceSnapshot } from "../../infra/local/git-source.ts";
import { causeMessage, describeEvent, describeSnapshot } from "../../infra/local/progress.ts";

/** The Cause of an AgentError as the local runner reports it: Lambda's JSON around the error's message. */
const agentErrorCause = JSON.stringify({
  errorType: "AgentError",
  errorMessage:
    'the agent failed: InvokeAgentRuntime failed with RuntimeClientError (HTTP 424): The agent returned HTTP 500: {"error":"ReplayNotFoundError","message":"no recorded session \\"my-project\\": samples/agent/replays/my-project.json does not exist"}',
  trace: [
    "AgentError: AgentCore answered 424",
    "    at invokeAgent (functions/invoke-agent/invoke-agent.ts:1:1)",
  ],
});

describe("causeMessage", () => {
  it("unwraps Lambda's JSON and an agent's JSON body into one sentence, without the trace", () => {
    expect(causeMessage(agentErrorCause)).toBe(
      'the agent failed: InvokeAgentRuntime failed with RuntimeClientError (HTTP 424): The agent returned HTTP 500: ReplayNotFoundError: no recorded session "my-project": samples/agent/replays/my-project.json does not exist',
    );
  });

  it("leaves a plain sentence as it is", () => {
    expect(causeMessage("the repair's budget ended")).toBe("the repair's budget ended");
    expect(causeMessage(undefined)).toBe("");
  });

  it("is what the execution's failure line shows", () => {
    const [line] = describeEvent({
      type: "ExecutionFailed",
      Error: "AgentError",
      Cause: agentErrorCause,
    } as never);
    expect(line).toMatch(
      /^✗ AgentError: the agent failed: .* HTTP 500: ReplayNotFoundError: no recorded session/,
    );
    expect(line).not.toContain("{");
  });
});

describe("describeSnapshot", () => {
  const snapshot: WorkspaceSnapshot = {
    path: "/data/sources/abc/my-project",
    revision: "1111111111111111111111111111111111111111",
    changed: true,
    source: "/home/me/my-project",
    selection: "git",
    files: 12,
  };

  it("says a first run starts fresh", () => {
    expect(describeSnapshot(snapshot)).toEqual([
      "workspace /home/me/my-project",
      "  snapshot 111111111111: 12 file(s), as git sees it: tracked files with their changes, and untracked files that are not ignored; dependency folders left out",
      "  first run for this directory: a fresh session and workspace",
    ]);
  });

  it("says a changed directory gets a fresh session, an unchanged one resumes", () => {
    const changed = describeSnapshot({ ...snapshot, previousRevision: "2".repeat(40) });
    const same = describeSnapshot({ ...snapshot, previousRevision: snapshot.revision, changed: false });

    expect(changed.at(-1)).toBe(
      "  changed since the last run (was 222222222222): a fresh session and workspace for the new state",
    );
    expect(same.at(-1)).toBe("  unchanged since the last run: resumes that run's session and workspace");
  });
});

describe("describeEvent for the agent's state", () => {
  const exited = (agent: unknown) =>
    describeEvent({ type: "StateExited", state: { name: "Invoke the agent", output: { agent } } } as never);

  it("shows the turn the agent took", () => {
    expect(
      exited({ iteration: 1, summary: "Fixed it", changedFiles: ["a.js"], proposedCommands: [] }),
    ).toEqual(["  iteration 1: Fixed it", "  changed a.js · proposed 0 command(s)"]);
  });

  it("shows nothing when the call failed and was caught (no turn was taken)", () => {
    expect(exited({ iteration: 0, summary: "", changedFiles: [], proposedCommands: [] })).toEqual([]);
  });
});
