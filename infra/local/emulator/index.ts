export { TIMED_OUT_EXIT_CODE } from "./command-process.ts";
export type { EmulatorConfig, RuntimeSettings } from "./config.ts";
export { ConfigError, DEFAULT_RUNTIME_SETTINGS, loadConfigFile } from "./config.ts";
export { type EmulatorLog, jsonLinesLog, silentLog } from "./emulator-log.ts";
export type { FaultSpec } from "./faults.ts";
export { type EmulatorOptions, type RunningEmulator, startEmulator } from "./server.ts";
export { NamespaceUnavailableError } from "./session-namespace.ts";
export { LIMITS } from "./validation.ts";
