export type { EmulatorConfig } from "./config.ts";
export { loadConfigFile } from "./config.ts";
export { type EmulatorLog, jsonLinesLog } from "./emulator-log.ts";

export { type RunningEmulator, startEmulator } from "./server.ts";
