import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { ValidationFailedError } from "../errors.ts";
import { type AuditLog, type AuditRow, boundedAuditRow } from "./audit-log.ts";
import { serialized } from "./serialized-file.ts";

/** The audit trail of local mode (env AUDIT_FILE): one JSON object per line, appended in order, mode 0600. */
export class FileAuditLog implements AuditLog {
  readonly #path: string;

  constructor(path: string) {
    if (!path.startsWith("/")) {
      throw new ValidationFailedError([
        { field: "AUDIT_FILE", problem: `"${path}" must be an absolute path` },
      ]);
    }
    this.#path = path;
  }

  append(row: AuditRow): Promise<void> {
    const line = `${JSON.stringify(boundedAuditRow(row))}\n`;
    return serialized(this.#path, async () => {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
      await appendFile(this.#path, line, { encoding: "utf8", mode: 0o600 });
    });
  }
}
