type LogLevel = "debug" | "info" | "warn" | "error";
type Fields = Readonly<Record<string, unknown>>;

/**
 * The emulator's log: one JSON object per line. Commands are logged as the service logs them (request id,
 * session, command text), never their output.
 */
export interface EmulatorLog {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

export function jsonLinesLog(
  write: (line: string) => void,
  clock: () => Date = () => new Date(),
): EmulatorLog {
  const emit =
    (level: LogLevel) =>
    (message: string, fields: Fields = {}) => {
      write(`${JSON.stringify({ time: clock().toISOString(), level, message, ...fields })}\n`);
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLog: EmulatorLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
