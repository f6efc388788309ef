import { readFile } from "node:fs/promises";
import { PlatformError, ValidationFailedError } from "../errors.ts";
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStore,
  approvalRecordSchema,
} from "./approval-record.ts";
import { serialized, writeFileAtomically } from "./serialized-file.ts";

interface ApprovalsFile {
  readonly version: 1;
  readonly approvals: Record<string, ApprovalRecord>;
}

/**
 * The approvals store of local mode (env APPROVALS_FILE): one JSON file, mode 0600, rewritten atomically. Every
 * operation re-reads the file inside the per-path queue, so create-if-absent and decide-if-pending behave like
 * the DynamoDB conditions: of two decisions on one approval exactly one wins.
 */
export class FileApprovalStore implements ApprovalStore {
  readonly #path: string;

  constructor(path: string) {
    if (!path.startsWith("/")) {
      throw new ValidationFailedError([
        { field: "APPROVALS_FILE", problem: `"${path}" must be an absolute path` },
      ]);
    }
    this.#path = path;
  }

  create(record: ApprovalRecord): Promise<boolean> {
    return serialized(this.#path, async () => {
      const file = await this.#read();
      if (Object.hasOwn(file.approvals, record.approvalId)) return false;
      await this.#write({ ...file, approvals: { ...file.approvals, [record.approvalId]: { ...record } } });
      return true;
    });
  }

  get(approvalId: string): Promise<ApprovalRecord | undefined> {
    return serialized(this.#path, async () => {
      const file = await this.#read();
      return Object.hasOwn(file.approvals, approvalId) ? file.approvals[approvalId] : undefined;
    });
  }

  decide(
    approvalId: string,
    decision: ApprovalDecision,
    unexpiredAt?: number,
  ): Promise<ApprovalRecord | undefined> {
    return serialized(this.#path, async () => {
      const file = await this.#read();
      const current = Object.hasOwn(file.approvals, approvalId) ? file.approvals[approvalId] : undefined;
      if (current === undefined || current.status !== "pending") return undefined;
      if (unexpiredAt !== undefined && current.expiresAt <= unexpiredAt) return undefined;
      const decided: ApprovalRecord = {
        ...current,
        status: decision.status,
        decidedBy: decision.decidedBy,
        decidedAt: decision.decidedAt,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      };
      await this.#write({ ...file, approvals: { ...file.approvals, [approvalId]: decided } });
      return decided;
    });
  }

  async #read(): Promise<ApprovalsFile> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, approvals: {} };
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PlatformError(`the approvals file ${this.#path} is not valid JSON`);
    }
    const approvals: Record<string, ApprovalRecord> = {};
    const raw =
      typeof parsed === "object" && parsed !== null
        ? (parsed as { approvals?: unknown }).approvals
        : undefined;
    if (typeof raw !== "object" || raw === null) {
      throw new PlatformError(`the approvals file ${this.#path} has no "approvals" object`);
    }
    for (const [id, value] of Object.entries(raw)) {
      const record = approvalRecordSchema.safeParse(value);
      if (!record.success || record.data.approvalId !== id) {
        throw new PlatformError(
          `the approvals file ${this.#path} holds an invalid record under "${id.slice(0, 64)}"`,
        );
      }
      approvals[id] = record.data;
    }
    return { version: 1, approvals };
  }

  #write(file: ApprovalsFile): Promise<void> {
    return writeFileAtomically(this.#path, `${JSON.stringify(file, null, 2)}\n`);
  }
}
