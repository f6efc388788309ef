import { createHash } from "node:crypto";

/** SHA-256 (hex) of the exact command text as UTF-8: what approvals, logs and the ledger identify a command by. */
export function commandHash(command: string): string {
  return createHash("sha256").update(command, "utf8").digest("hex");
}
