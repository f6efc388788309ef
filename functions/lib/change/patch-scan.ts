import { findSecrets } from "../redaction.ts";

/**
 * Scans an exported patch for secrets with the redaction's own detectors (AWS keys, private keys, GitHub and npm
 * tokens, credentials in URLs, ...). Only what the patch adds is scanned: the commit message and the `+` lines of
 * each file (a secret the change removes, or one already in the context lines, is not being delivered by it).
 * Bytes are read as Latin-1 so every byte maps to one character and no invalid UTF-8 hides a match. Binary
 * sections (base85) are not decoded: a detector could not read them anyway.
 */

export interface SecretInPatch {
  readonly kind: string;
  /** The file the added line belongs to, or "(commit message)". */
  readonly path: string;
  /** 1-based line of the patch. */
  readonly line: number;
}

const SCAN_MAX_FINDINGS = 20;

export function scanPatchForSecrets(patch: Uint8Array): SecretInPatch[] {
  const text = Buffer.from(patch.buffer, patch.byteOffset, patch.byteLength).toString("latin1");
  const lines = text.split("\n");
  const findings: SecretInPatch[] = [];
  let path = "(commit message)";
  let inHunk = false;
  // Consecutive added lines are scanned together so a private key block (several lines) is seen whole.
  let block: string[] = [];
  let blockStart = 0;
  const flush = () => {
    if (block.length === 0) return;
    const joined = block.join("\n");
    for (const finding of findSecrets(joined)) {
      if (findings.length >= SCAN_MAX_FINDINGS) break;
      const line = blockStart + joined.slice(0, finding.start).split("\n").length - 1;
      findings.push({ kind: finding.kind, path, line });
    }
    block = [];
  };
  for (const [index, line] of lines.entries()) {
    if (line.startsWith("diff --git ")) {
      flush();
      inHunk = false;
      const match = / b\/(.*)$/.exec(line);
      path = match?.[1] ?? path;
      continue;
    }
    if (path === "(commit message)") {
      // Everything before the first file header is the mail header and the message.
      if (block.length === 0) blockStart = index + 1;
      block.push(line);
      continue;
    }
    if (line.startsWith("@@")) {
      flush();
      inHunk = true;
      continue;
    }
    if (inHunk && line.startsWith("+")) {
      if (block.length === 0) blockStart = index + 1;
      block.push(line.slice(1));
    } else flush();
  }
  flush();
  return findings;
}
