import { z } from "zod";
import type { StreamFault } from "./command-process.ts";
import { ServiceError, serviceErrors } from "./service-error.ts";

export type Operation = "command" | "invoke" | "stop";

const faultSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("throttle") }),
  z.object({ kind: z.literal("conflict") }),
  z.object({ kind: z.literal("internal-error") }),
  z.object({ kind: z.literal("cut-stream"), afterBytes: z.number().int().min(0).default(0) }),
  z.object({ kind: z.literal("no-content-stop") }),
  z.object({
    kind: z.literal("stream-exception"),
    exceptionType: z.string().min(1).default("internalServerException"),
    message: z.string().default("Injected in-stream exception"),
    afterBytes: z.number().int().min(0).default(0),
  }),
]);

/** A fault to inject, with the calls it applies to. */
const faultSpecSchema = z.intersection(
  faultSchema,
  z.object({
    /** Which operation it hits; stream faults only make sense for "command". @default "command" */
    operation: z.enum(["command", "invoke", "stop"]).default("command"),
    /** How many matching calls it hits. @default 1 */
    count: z.number().int().positive().default(1),
    /** Only calls for this session id. */
    sessionId: z.string().optional(),
  }),
);

export type FaultSpec = z.input<typeof faultSpecSchema>;
type Fault = z.output<typeof faultSpecSchema>;

/** What a call should do instead of (or while) behaving: an error before the stream, or a stream fault. */
export type FaultEffect = { readonly error: ServiceError } | { readonly stream: StreamFault };

/**
 * Faults for tests: throttle or 409 the next N calls, cut a stream after N bytes, end a stream without
 * contentStop, send an in-stream exception, answer 500. Used in-process or through `POST /_emulator/faults`.
 */
export class FaultInjector {
  private faults: Fault[] = [];

  inject(spec: FaultSpec): void {
    const parsed = faultSpecSchema.safeParse(spec);
    if (!parsed.success) {
      throw new ServiceError(
        400,
        "ValidationException",
        `Invalid fault: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    this.faults.push(parsed.data);
  }

  clear(): void {
    this.faults = [];
  }

  pending(): readonly Fault[] {
    return [...this.faults];
  }

  /** Consumes the first fault matching this call, if any. */
  take(operation: Operation, sessionId: string): FaultEffect | undefined {
    const index = this.faults.findIndex(
      (f) => f.operation === operation && (f.sessionId === undefined || f.sessionId === sessionId),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    switch (fault.kind) {
      case "throttle":
        return { error: serviceErrors.throttled("Rate exceeded (injected)") };
      case "conflict":
        return { error: serviceErrors.busy() };
      case "internal-error":
        return { error: serviceErrors.internal("Internal server error (injected)") };
      case "cut-stream":
        return { stream: { kind: "cut-stream", afterBytes: fault.afterBytes } };
      case "no-content-stop":
        return { stream: { kind: "no-content-stop" } };
      case "stream-exception":
        return {
          stream: {
            kind: "stream-exception",
            exceptionType: fault.exceptionType,
            message: fault.message,
            afterBytes: fault.afterBytes,
          },
        };
    }
  }
}
