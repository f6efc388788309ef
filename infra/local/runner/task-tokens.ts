import { randomBytes } from "node:crypto";

/** What a person (or the approval API) sends back for a waiting task, as SendTaskSuccess / SendTaskFailure do. */
class TaskFailure extends Error {
  readonly error: string;

  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
    this.error = error;
  }
}

class TaskTokenError extends Error {
  override readonly name = "TaskTimedOut";
}

interface Waiting {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  heartbeatAt: number;
}

/**
 * The local side of `.waitForTaskToken`: each token is fresh, random and single-use, like Step Functions' own.
 * SendTaskSuccess / SendTaskFailure on an unknown or already-used token fail as the service's TaskTimedOut /
 * InvalidToken do.
 */
export class TaskTokenRegistry {
  private readonly waiting = new Map<string, Waiting>();
  private readonly listeners = new Set<(token: string) => void>();

  newToken(): string {
    return `local-task-token-${randomBytes(24).toString("base64url")}`;
  }

  /** Called by the runner when a task starts waiting on `token`; resolves with SendTaskSuccess's output. */
  wait(token: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, heartbeatAt: Date.now() });
      for (const listener of this.listeners) listener(token);
    });
  }

  onWaiting(listener: (token: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isWaiting(token: string): boolean {
    return this.waiting.has(token);
  }

  private take(token: string): Waiting {
    const entry = this.waiting.get(token);
    if (!entry) throw new TaskTokenError("Task token is unknown, already used, or its task timed out");
    this.waiting.delete(token);
    return entry;
  }

  sendTaskSuccess(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    this.take(token).reject(new TaskFailure(error, cause));
  }

  sendTaskHeartbeat(token: string): void {
    const entry = this.waiting.get(token);
    if (!entry) throw new TaskTokenError("Task token is unknown, already used, or its task timed out");
    entry.heartbeatAt = Date.now();
  }

  /** The task gave up (TimeoutSeconds): its token can no longer be used. */
  forget(token: string): void {
    this.waiting.delete(token);
  }
}
