import type { RuleTable } from "../invocation.ts";
import { buildToolRules } from "./build-tools.ts";
import { cloudRules } from "./cloud.ts";
import { containerRules } from "./containers.ts";
import { fileRules } from "./files.ts";
import { findRules } from "./find.ts";
import { gitRules } from "./git.ts";
import { interpreterRules } from "./interpreters.ts";
import { networkRules } from "./network.ts";
import { nodePackageRules } from "./node-packages.ts";
import { pythonPackageRules } from "./python-packages.ts";
import { shellRules } from "./shell.ts";
import { systemRules } from "./system.ts";
import { vcsHostRules } from "./vcs-hosts.ts";

/**
 * Every command the policy knows, by name. A name missing here is unknown and waits for a person. Later tables win
 * on a clash, so the specific rules (system, network) come after the broad read-only and toolchain lists.
 */
export const commandRules: RuleTable = {
  ...fileRules,
  ...buildToolRules,
  ...interpreterRules,
  ...pythonPackageRules,
  ...nodePackageRules,
  ...findRules,
  ...gitRules,
  ...vcsHostRules,
  ...cloudRules,
  ...containerRules,
  ...networkRules,
  ...systemRules,
  ...shellRules,
};
