import { createHash } from "node:crypto";
import { z } from "zod";
import type { ArtifactStore } from "#lib/artifact-store.ts";
import {
  CHANGE_FLAGS_MAX,
  type MeasuredChange,
  measuredChange,
  parseScriptOutput,
  type ScriptOutput,
} from "#lib/change/change-record.ts";
import type { ChangeRules } from "#lib/change/change-rules.ts";
import {
  type CommitIdentity,
  exportScript,
  measureScript,
  PATCH_MAX_BYTES,
  revertScript,
} from "#lib/change/change-scripts.ts";
import { scanPatchForSecrets } from "#lib/change/patch-scan.ts";
import type {
  ChangeExport,
  ChangeFlag,
  ChangeRecord,
  CommandOutcome,
  CommandPurpose,
  RepairRequest,
} from "#lib/contracts.ts";
import { PlatformError, SecretInChangeError, ValidationFailedError } from "#lib/errors.ts";
import { appendLedger, DIFF_EXCERPT_MAX } from "#lib/ledger.ts";
import { logger } from "#lib/observability.ts";
import { redact, redactBounded } from "#lib/redaction.ts";
import { runPrefix } from "#lib/run-artifacts.ts";
import type { RunCommandInvoker } from "#lib/run-command-invoker.ts";
import { executionNameSchema, iterationSchema, requestInStateSchema } from "#lib/task-input.ts";

/**
 * export-change: what the agent changed, measured by git in the session (never the agent's own list), in three
 * steps the state machine calls:
 *
 * - `measure` after every agent turn: the ChangeRecord at `$.change`. When the change touches an execution
 *   surface (change-rules.ts), the whole change is also exported as a patch and `gate` carries its key, SHA-256
 *   and flags: validation waits for a person to approve exactly that patch.
 * - `revert` when a person denied (or did not approve) a surface change: the surface files are put back as the
 *   prepared revision has them, git's own internals reset, and the change measured again.
 * - `export` when validation passed: the change as a `format-patch` commit in the artifact store, its SHA-256,
 *   scanned for secrets (a secret blocks delivery: SecretInChangeError, never a silent redaction). State gets the
 *   key, the hash, the stats and the flags only.
 *
 * Every git command runs in the session through the run-command function (the only role allowed to call
 * InvokeAgentRuntimeCommand), with the trusted git of trusted-git.ts in a temporary repository: nothing the agent
 * planted in the workspace's .git runs, and the workspace itself is changed only by `revert`.
 */

const changeInStateSchema = z
  .looseObject({
    files: z.array(
      z.looseObject({
        path: z.string(),
        oldPath: z.string().optional(),
        surface: z.string().optional(),
        testFile: z.boolean().optional(),
      }),
    ),
    gate: z
      .looseObject({
        patchSha256: z.string(),
        surfaceDigest: z.string(),
        flags: z.array(z.looseObject({ path: z.string(), reason: z.string() })),
      })
      .nullish(),
    approvedSurfaces: z.string().nullish(),
    /**
     * What "Wait for approval of the surface change" produced (ResultPath `$.change.approval`): the approval's
     * success output, or its Catch's {Error, Cause}.
     */
    approval: z.unknown().optional(),
  })
  .nullable();

export const exportChangeInputSchema = z.looseObject({
  step: z.enum(["measure", "export", "revert"]),
  request: requestInStateSchema,
  workspace: z.looseObject({
    revision: z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, "must be a full object id"),
    internals: z.string().nullish(),
  }),
  agent: z.looseObject({ iteration: iterationSchema, summary: z.string() }),
  change: changeInStateSchema.optional(),
  executionName: executionNameSchema,
});

export type ExportChangeInput = z.infer<typeof exportChangeInputSchema>;

export interface ExportChangeDependencies {
  readonly runCommand: RunCommandInvoker;
  readonly store: ArtifactStore;
  readonly rules: ChangeRules;
  /** The longest a git command may take (the run-command function's synchronous maximum). */
  readonly maxCommandSeconds: number;
  readonly now?: () => Date;
}

/** The commit's author and committer: the system, on the agent's behalf. */
const IDENTITY = { name: "agentcore-repair", email: "agentcore-repair@users.noreply.invalid" } as const;
const SUBJECT_MAX = 72;
const BODY_MAX = 4000;

function patchKey(executionName: string, name: string): string {
  return `${runPrefix(executionName)}changes/${name}.patch`;
}

/** The commit message: the agent's summary (redacted: the message is ours, not part of the measured change). */
function commitMessage(summary: string, request: RepairRequest, executionName: string): string {
  const text = redact(summary).trim();
  const [first = "", ...rest] = text.split("\n");
  const fallback = `Repair ${request.repoName}: make \`${request.validationCommand}\` pass`;
  const subjectSource = (first.trim() || fallback).replace(/\s+/g, " ");
  const cut = subjectSource.length > SUBJECT_MAX;
  const subject = cut ? `${subjectSource.slice(0, SUBJECT_MAX - 1)}…` : subjectSource;
  const body = [cut ? subjectSource : "", rest.join("\n").trim()]
    .filter(Boolean)
    .join("\n\n")
    .slice(0, BODY_MAX);
  return [
    subject,
    "",
    ...(body ? [body, ""] : []),
    `Validation: ${redactBounded(request.validationCommand, 200)}`,
    `Repair-Execution: ${executionName}`,
    "",
  ].join("\n");
}

export async function exportChange(
  deps: ExportChangeDependencies,
  input: ExportChangeInput,
): Promise<ChangeRecord | ChangeExport> {
  switch (input.step) {
    case "measure":
      return measure(deps, input);
    case "revert":
      return revert(deps, input);
    case "export":
      return exportForDelivery(deps, input);
  }
}

async function runScript(
  deps: ExportChangeDependencies,
  input: ExportChangeInput,
  purpose: Extract<CommandPurpose, "measure" | "export" | "revert">,
  script: string,
): Promise<ScriptOutput> {
  const request = input.request as unknown as RepairRequest;
  const outcome: CommandOutcome = await deps.runCommand({
    request,
    command: script,
    purpose,
    timeoutSeconds: Math.min(request.limits.commandTimeoutSeconds, deps.maxCommandSeconds),
    executionName: input.executionName,
    iteration: input.agent.iteration,
    capture: true,
  });
  if (outcome.status !== "COMPLETED" || outcome.exitCode !== 0 || outcome.capturedStdout === undefined) {
    const stderr = outcome.stderr.tail || outcome.stderr.head;
    throw new PlatformError(
      `git could not ${purpose} the change in the session (exit ${outcome.exitCode}, ${outcome.status}): ${redactBounded(stderr.trim(), 800) || "no error output"}`,
      { exitCode: outcome.exitCode, status: outcome.status, artifactUri: outcome.artifactUri },
    );
  }
  return parseScriptOutput(outcome.capturedStdout);
}

function measureContext(deps: ExportChangeDependencies, input: ExportChangeInput) {
  return {
    baseRevision: input.workspace.revision,
    iteration: input.agent.iteration,
    rules: deps.rules,
    baselineInternals: input.workspace.internals ?? null,
  };
}

interface StoredPatch {
  readonly key: string;
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly commit: string;
  /** The patch's start as text, for the report (the ledger redacts and bounds it). */
  readonly excerpt: string;
}

/** Decodes, scans and stores the patch the export script printed; a secret is refused before anything is stored. */
async function storePatch(
  deps: ExportChangeDependencies,
  input: ExportChangeInput,
  output: ScriptOutput,
  key: string,
): Promise<StoredPatch> {
  const bytes = Number(output.values.get("bytes") ?? "0");
  if (output.values.get("too-large") === "1") {
    throw new ValidationFailedError([
      { field: "change", problem: `is ${bytes} bytes as a patch; the limit is ${PATCH_MAX_BYTES}` },
    ]);
  }
  const encoded = output.values.get("patch");
  const commit = output.values.get("commit") ?? "";
  if (encoded === undefined) throw new PlatformError("exporting the change printed no patch");
  const patch = Buffer.from(encoded, "base64");
  if (patch.length !== bytes) {
    throw new PlatformError(`the exported patch is ${patch.length} bytes; the session reported ${bytes}`);
  }
  const secrets = scanPatchForSecrets(patch);
  if (secrets.length > 0) {
    const where = secrets.map((s) => `${s.kind} in ${s.path} (patch line ${s.line})`);
    await appendLedger(deps.store, input.executionName, {
      kind: "change",
      at: (deps.now ?? (() => new Date()))().toISOString(),
      iteration: input.agent.iteration,
      step: "export",
      baseRevision: input.workspace.revision,
      files: [],
      truncated: false,
      stats: { files: 0, insertions: 0, deletions: 0 },
      flags: secrets.slice(0, CHANGE_FLAGS_MAX).map((s) => ({ path: s.path, reason: `secret: ${s.kind}` })),
      reason: `delivery blocked: the patch holds ${where.join("; ")}`,
    });
    throw new SecretInChangeError(
      `the change holds what looks like a secret, so it is not delivered: ${where.join("; ")}. ` +
        "Remove it from the workspace and repair again; the patch was not stored.",
      { secrets },
    );
  }
  const sha256 = createHash("sha256").update(patch).digest("hex");
  const writer = deps.store.openWriter(key, "text/x-patch");
  try {
    await writer.write(patch);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const uri = await writer.close();
  const excerpt = patch.subarray(0, DIFF_EXCERPT_MAX).toString("utf8");
  return { key, uri, sha256, bytes: patch.length, commit, excerpt };
}

async function recordChange(
  deps: ExportChangeDependencies,
  input: ExportChangeInput,
  step: "measure" | "export" | "revert",
  measured: MeasuredChange,
  extra: {
    patch?: StoredPatch;
    diffExcerpt?: string;
    decision?: "denied" | "expired";
    reason?: string;
    reverted?: string[];
  } = {},
): Promise<void> {
  await appendLedger(deps.store, input.executionName, {
    kind: "change",
    at: (deps.now ?? (() => new Date()))().toISOString(),
    iteration: input.agent.iteration,
    step,
    baseRevision: measured.record.baseRevision,
    files: [...measured.record.files],
    truncated: measured.record.truncated,
    stats: measured.record.stats,
    flags: [...measured.flags],
    internalsChanged: measured.internalsChanged,
    ...(extra.patch
      ? {
          patchKey: extra.patch.key,
          patchUri: extra.patch.uri,
          patchSha256: extra.patch.sha256,
          patchBytes: extra.patch.bytes,
          commit: extra.patch.commit,
        }
      : {}),
    ...(extra.diffExcerpt !== undefined ? { diffExcerpt: extra.diffExcerpt } : {}),
    ...(extra.decision ? { decision: extra.decision } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.reverted ? { reverted: extra.reverted } : {}),
  });
}

function identity(request: RepairRequest): CommitIdentity {
  return { ...IDENTITY, date: request.acceptedAt };
}

/**
 * The surfaces a person has approved so far: the gate just decided (its approval's hash is the gate's patch hash),
 * or what the previous record carried.
 */
function approvedSurfaces(change: ExportChangeInput["change"]): string | null {
  if (!change) return null;
  const approval = change.approval as Record<string, unknown> | null | undefined;
  if (
    change.gate &&
    approval &&
    typeof approval === "object" &&
    approval.decision === "approved" &&
    approval.patchSha256 === change.gate.patchSha256
  ) {
    return change.gate.surfaceDigest;
  }
  return change.approvedSurfaces ?? null;
}

async function measure(deps: ExportChangeDependencies, input: ExportChangeInput): Promise<ChangeRecord> {
  const request = input.request as unknown as RepairRequest;
  const base = input.workspace.revision;
  const approved = approvedSurfaces(input.change);
  const measured = measuredChange(
    await runScript(deps, input, "measure", measureScript(base)),
    measureContext(deps, input),
  );
  if (measured.surfaceDigest === null || measured.surfaceDigest === approved) {
    await recordChange(deps, input, "measure", measured);
    return { ...measured.record, gate: null, approvedSurfaces: approved };
  }
  // Validation must not run this change before a person has seen it: export exactly what they will approve.
  const message = `Change to execution surfaces in iteration ${input.agent.iteration}\n\n${input.agent.summary}`;
  const output = await runScript(
    deps,
    input,
    "export",
    exportScript(base, commitMessage(message, request, input.executionName), identity(request)),
  );
  const exported = measuredChange(output, measureContext(deps, input));
  const patch = await storePatch(
    deps,
    input,
    output,
    patchKey(input.executionName, `iteration-${input.agent.iteration}-surface`),
  );
  await recordChange(deps, input, "measure", exported, { patch });
  logger.info("change touches an execution surface; validation waits for approval", {
    surfaces: exported.gating.length,
    patchSha256: patch.sha256,
  });
  return {
    ...exported.record,
    gate: {
      patchKey: patch.key,
      patchSha256: patch.sha256,
      flags: orderedFlags(exported.gating, exported.flags),
      surfaceDigest: exported.surfaceDigest ?? measured.surfaceDigest,
    },
    approvedSurfaces: approved,
  };
}

/** The gating reasons first, then the other flags, without repeating one, bounded. */
function orderedFlags(first: readonly ChangeFlag[], rest: readonly ChangeFlag[]): ChangeFlag[] {
  const seen = new Set<string>();
  const flags: ChangeFlag[] = [];
  for (const flag of [...first, ...rest]) {
    const key = `${flag.path}\n${flag.reason}`;
    if (seen.has(key) || flags.length >= CHANGE_FLAGS_MAX) continue;
    seen.add(key);
    flags.push(flag);
  }
  return flags;
}

/** Reads a denial from the approval task's Catch output ({Error, Cause}); anything else counts as "expired". */
function decisionOf(approval: unknown): { decision: "denied" | "expired"; reason: string } {
  const value = (typeof approval === "object" && approval !== null ? approval : {}) as Record<
    string,
    unknown
  >;
  let reason = typeof value.Error === "string" ? value.Error : "no decision";
  try {
    const cause = JSON.parse(String(value.Cause ?? "{}")) as Record<string, unknown>;
    if (typeof cause.reason === "string") reason = cause.reason;
  } catch {
    // A timeout's cause is not JSON.
  }
  return {
    decision: value.Error === "ApprovalDeniedError" ? "denied" : "expired",
    reason: redactBounded(reason, 500),
  };
}

async function revert(deps: ExportChangeDependencies, input: ExportChangeInput): Promise<ChangeRecord> {
  const change = input.change;
  if (!change?.gate) {
    throw new ValidationFailedError([
      { field: "change.gate", problem: "is null; there is no surface change to revert" },
    ]);
  }
  const gateTests = deps.rules.gateTestChanges;
  const paths = [
    ...new Set(
      change.files
        .filter((file) => file.surface !== undefined || (gateTests && file.testFile === true))
        .flatMap((file) => (file.oldPath !== undefined ? [file.path, file.oldPath] : [file.path])),
    ),
  ];
  const internals = change.gate.flags.some((flag) => flag.reason.includes("git metadata or tool shims"));
  await runScript(deps, input, "revert", revertScript(input.workspace.revision, paths, internals));
  const measured = measuredChange(
    await runScript(deps, input, "measure", measureScript(input.workspace.revision)),
    measureContext(deps, input),
  );
  const { decision, reason } = decisionOf(change.approval);
  await recordChange(deps, input, "revert", measured, { decision, reason, reverted: paths });
  const approved = change.approvedSurfaces ?? null;
  if (measured.surfaceDigest !== null && measured.surfaceDigest !== approved) {
    // Something could not be put back (a tool shim in an ignored directory): validation must not run it.
    throw new PlatformError(
      `the denied change could not be reverted completely: ${measured.gating
        .map((flag) => flag.path)
        .slice(0, 10)
        .join(", ")} still changed; the repair stops rather than run it`,
    );
  }
  logger.info("surface change reverted after the approval was refused", { decision, reverted: paths.length });
  return { ...measured.record, gate: null, approvedSurfaces: approved };
}

async function exportForDelivery(
  deps: ExportChangeDependencies,
  input: ExportChangeInput,
): Promise<ChangeExport> {
  const request = input.request as unknown as RepairRequest;
  const message = commitMessage(input.agent.summary, request, input.executionName);
  const subject = message.split("\n")[0] ?? "";
  const output = await runScript(
    deps,
    input,
    "export",
    exportScript(input.workspace.revision, message, identity(request)),
  );
  const measured = measuredChange(output, measureContext(deps, input));
  if (output.values.get("empty") === "1") {
    await recordChange(deps, input, "export", measured);
    return {
      patchKey: null,
      patchSha256: null,
      bytes: 0,
      stats: measured.record.stats,
      commitMessageSubject: subject,
      flags: [],
      files: [],
    };
  }
  const patch = await storePatch(deps, input, output, patchKey(input.executionName, "change"));
  await recordChange(deps, input, "export", measured, { patch, diffExcerpt: patch.excerpt });
  logger.info("change exported", {
    patchSha256: patch.sha256,
    bytes: patch.bytes,
    files: measured.record.stats.files,
  });
  return {
    patchKey: patch.key,
    patchSha256: patch.sha256,
    bytes: patch.bytes,
    stats: measured.record.stats,
    commitMessageSubject: subject,
    flags: orderedFlags([], measured.flags),
    files: measured.record.files,
  };
}
