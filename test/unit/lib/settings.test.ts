import { describe, expect, it } from "vitest";
import { loadConfig } from "#lib/config.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import { DEFAULT_MOUNT_PATH, mountPathFromEnvironment } from "#lib/settings.ts";
import { settingsFromEnvironment } from "../../../functions/normalize-request/settings.ts";
import { runCommandFunctionName } from "../../../functions/review-commands/settings.ts";

describe("settings", () => {
  it.each([
    [{}, DEFAULT_MOUNT_PATH],
    [{ AGENTCORE_MOUNT_PATH: "  ", REPAIR_MOUNT_PATH: "/mnt/old/" }, "/mnt/old"],
    [{ AGENTCORE_MOUNT_PATH: " /mnt/new// ", REPAIR_MOUNT_PATH: "/mnt/old" }, "/mnt/new"],
  ])("reads the mount path one way everywhere (%j)", (env, expected) => {
    expect(mountPathFromEnvironment(env)).toBe(expected);
    expect(loadConfig({ ...env, ARTIFACT_DIR: "/tmp/a" }).mountPath).toBe(expected);
    expect(settingsFromEnvironment(env).mountPath).toBe(expected);
  });

  it("names the variable that was read when the mount path breaks the rule", () => {
    expect(() => loadConfig({ ARTIFACT_DIR: "/tmp/a", REPAIR_MOUNT_PATH: "/mnt/a/b" })).toThrow(
      /REPAIR_MOUNT_PATH: must be one directory under \/mnt .*got "\/mnt\/a\/b"/,
    );
    expect(() => settingsFromEnvironment({ AGENTCORE_MOUNT_PATH: "/srv" })).toThrow(
      /AGENTCORE_MOUNT_PATH \(environment\): must be one directory under \/mnt/,
    );
  });

  it("names a missing run-command function and a bad command timeout with its limits", () => {
    expect(() => runCommandFunctionName({ RUN_COMMAND_FUNCTION_NAME: " " })).toThrow(ValidationFailedError);
    expect(() => runCommandFunctionName({})).toThrow(/RUN_COMMAND_FUNCTION_NAME: is not set/);
    expect(runCommandFunctionName({ RUN_COMMAND_FUNCTION_NAME: " run " })).toBe("run");
    expect(() => settingsFromEnvironment({ COMMAND_TIMEOUT_SECONDS: "0" })).toThrow(
      /COMMAND_TIMEOUT_SECONDS \(environment\): must be an integer from 1 to 3600, got "0"/,
    );
  });
});
