// @ts-check
/**
 * One JSON object per line on stdout, the format CloudWatch and the emulator's log capture both read. Callers pass
 * names, paths, counts and hashes; never file contents or command text (either may hold a secret).
 */

/**
 * @param {"debug" | "info" | "warn" | "error"} level
 * @param {string} message
 * @param {Record<string, unknown>} [fields]
 */
export function log(level, message, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}
