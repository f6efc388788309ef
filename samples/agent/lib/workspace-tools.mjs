// @ts-check
/**
 * The agent's tools, confined to one workspace directory. Every path is resolved against the workspace's real
 * path and refused when it lands outside it, lexically ("../x", "/etc/passwd") or through a symlink. Writes never
 * follow a symlink and never touch `.git` (a planted hook would run the next time an approved git command runs).
 * The agent runs no command itself: it proposes them, and the workflow's policy decides.
 */
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ToolError } from "./errors.mjs";

/** @typedef {import("./types.mjs").ToolSpec} ToolSpec */
/** @typedef {import("./types.mjs").ToolOutcome} ToolOutcome */
/** @typedef {import("./types.mjs").ProposedCommand} ProposedCommand */

const TOOL_LIMITS = Object.freeze({
  pathChars: 4096,
  readBytes: 256 * 1024,
  writeBytes: 1024 * 1024,
  listEntries: 500,
  listDepth: 12,
  commandBytes: 65536,
  reasonChars: 1000,
  proposals: 20,
});

/** Directories a listing skips: tool output and caches, never sources worth reading. */
const UNLISTED_DIRECTORIES = new Set([".git", "node_modules", "__pycache__", ".venv", ".pytest_cache"]);

/** @type {readonly ToolSpec[]} */
export const TOOL_SPECS = Object.freeze([
  {
    name: "list_files",
    description:
      "List the files under a directory of the workspace (recursively, relative paths, sorted). Skips .git, node_modules and caches.",
    inputSchema: {
      type: "object",
      properties: {
        path: { type: "string", description: "Directory relative to the workspace root; default '.'" },
      },
    },
  },
  {
    name: "read_file",
    description:
      "Read a UTF-8 text file of the workspace. Returns its exact content ('(empty file)' for an empty file).",
    inputSchema: {
      type: "object",
      properties: { path: { type: "string", description: "File path relative to the workspace root" } },
      required: ["path"],
    },
  },
  {
    name: "write_file",
    description:
      "Replace (or create) a file of the workspace with the given full content. Parent directories are created.",
    inputSchema: {
      type: "object",
      properties: {
        path: { type: "string", description: "File path relative to the workspace root" },
        content: { type: "string", description: "The complete new content of the file" },
      },
      required: ["path", "content"],
    },
  },
  {
    name: "propose_command",
    description:
      "Propose a shell command for the workflow to run in the workspace after this turn. Read-only commands run; anything that mutates beyond the workspace (git push, publishing, infrastructure) waits for a person's approval.",
    inputSchema: {
      type: "object",
      properties: {
        command: { type: "string", description: "The exact command line" },
        reason: { type: "string", description: "Why the command is needed" },
      },
      required: ["command"],
    },
  },
]);

/**
 * @param {string} root
 * @param {string} candidate
 */
function isInside(root, candidate) {
  const relative = path.relative(root, candidate);
  return (
    relative === "" ||
    (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/**
 * @param {unknown} input
 * @param {string} tool
 * @returns {Record<string, unknown>}
 */
function inputObject(input, tool) {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ToolError(
      `${tool}: the input must be a JSON object; got ${Array.isArray(input) ? "an array" : typeof input}`,
    );
  }
  return /** @type {Record<string, unknown>} */ (input);
}

/**
 * @param {Record<string, unknown>} input
 * @param {string} field
 * @param {string} tool
 * @returns {string}
 */
function requiredString(input, field, tool) {
  const value = input[field];
  if (typeof value !== "string") {
    throw new ToolError(
      `${tool}: ${field} must be a string; got ${value === undefined ? "nothing" : typeof value}`,
    );
  }
  return value;
}

/** @param {unknown} error */
function errorCode(error) {
  return error && typeof error === "object" && "code" in error ? String(error.code) : "";
}

/**
 * Creates the tools for one invocation.
 * @param {string} workspacePath The workspace as the invocation named it (absolute).
 */
export async function createWorkspaceTools(workspacePath) {
  const declaredRoot = path.resolve(workspacePath);
  const root = await realpath(declaredRoot);
  /** @type {string[]} */
  const changedFiles = [];
  /** @type {ProposedCommand[]} */
  const proposedCommands = [];

  /**
   * Lexical confinement: the absolute path a request names, refused when it is outside the workspace.
   * @param {string} requested
   * @param {string} tool
   */
  function lexicalTarget(requested, tool) {
    if (requested.length === 0) throw new ToolError(`${tool}: path is empty`);
    if (requested.length > TOOL_LIMITS.pathChars) {
      throw new ToolError(
        `${tool}: path is ${requested.length} characters; the limit is ${TOOL_LIMITS.pathChars}`,
      );
    }
    if (requested.includes("\0")) throw new ToolError(`${tool}: path contains a NUL byte`);
    // An absolute path is accepted when it names something inside the workspace as the invocation spelled it
    // (e.g. /mnt/workspace/repo/src/x.js), even if the workspace itself sits behind a symlink.
    const base = path.isAbsolute(requested) && isInside(declaredRoot, requested) ? declaredRoot : root;
    const absolute = path.resolve(base, requested);
    const rebased = path.join(root, path.relative(base, absolute));
    if (!isInside(root, rebased)) {
      throw new ToolError(
        `${tool}: path "${requested}" resolves outside the workspace ${declaredRoot}; refused`,
      );
    }
    return rebased;
  }

  /**
   * Confinement through symlinks: the real path of an existing entry, refused when it leads outside.
   * @param {string} requested
   * @param {string} tool
   */
  async function existingTarget(requested, tool) {
    const absolute = lexicalTarget(requested, tool);
    let real;
    try {
      real = await realpath(absolute);
    } catch (error) {
      if (errorCode(error) === "ENOENT") throw new ToolError(`${tool}: "${requested}" does not exist`);
      throw error;
    }
    if (!isInside(root, real)) {
      throw new ToolError(`${tool}: "${requested}" is a symlink that leads outside the workspace; refused`);
    }
    return real;
  }

  /** @param {string} absolute */
  function workspaceRelative(absolute) {
    return path.relative(root, absolute).split(path.sep).join("/") || ".";
  }

  /** @param {unknown} rawInput @returns {Promise<string>} */
  async function listFiles(rawInput) {
    const input = inputObject(rawInput, "list_files");
    const requested = input.path === undefined ? "." : requiredString(input, "path", "list_files");
    const directory = await existingTarget(requested, "list_files");
    if (!(await stat(directory)).isDirectory())
      throw new ToolError(`list_files: "${requested}" is not a directory`);
    /** @type {string[]} */
    const entries = [];
    let truncated = false;
    /** @param {string} dir @param {number} depth */
    async function walk(dir, depth) {
      const children = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const child of children) {
        if (entries.length >= TOOL_LIMITS.listEntries) {
          truncated = true;
          return;
        }
        const childPath = path.join(dir, child.name);
        if (child.isDirectory()) {
          if (UNLISTED_DIRECTORIES.has(child.name)) continue;
          if (depth < TOOL_LIMITS.listDepth) await walk(childPath, depth + 1);
          else
            entries.push(
              `${workspaceRelative(childPath)}/ (not listed: deeper than ${TOOL_LIMITS.listDepth})`,
            );
        } else if (child.isSymbolicLink()) {
          // Never followed: a symlinked directory could lead anywhere.
          entries.push(`${workspaceRelative(childPath)} (symlink)`);
        } else if (child.isFile()) {
          entries.push(workspaceRelative(childPath));
        }
      }
    }
    await walk(directory, 0);
    if (truncated) entries.push(`(listing truncated at ${TOOL_LIMITS.listEntries} entries)`);
    return entries.length === 0 ? "(no files)" : entries.join("\n");
  }

  /** @param {unknown} rawInput @returns {Promise<string>} */
  async function readFileTool(rawInput) {
    const input = inputObject(rawInput, "read_file");
    const requested = requiredString(input, "path", "read_file");
    const real = await existingTarget(requested, "read_file");
    const info = await stat(real);
    if (info.isDirectory()) throw new ToolError(`read_file: "${requested}" is a directory; use list_files`);
    if (!info.isFile()) throw new ToolError(`read_file: "${requested}" is not a regular file`);
    if (info.size > TOOL_LIMITS.readBytes) {
      throw new ToolError(
        `read_file: "${requested}" is ${info.size} bytes; the limit is ${TOOL_LIMITS.readBytes}`,
      );
    }
    const handle = await open(real, constants.O_RDONLY);
    try {
      const bytes = await handle.readFile();
      if (bytes.includes(0))
        throw new ToolError(`read_file: "${requested}" is a binary file; only text is read`);
      // Converse refuses blank text blocks, so an empty file gets a visible marker.
      return bytes.length === 0 ? "(empty file)" : bytes.toString("utf8");
    } finally {
      await handle.close();
    }
  }

  /** @param {unknown} rawInput @returns {Promise<string>} */
  async function writeFileTool(rawInput) {
    const input = inputObject(rawInput, "write_file");
    const requested = requiredString(input, "path", "write_file");
    const content = requiredString(input, "content", "write_file");
    const bytes = Buffer.byteLength(content, "utf8");
    if (bytes > TOOL_LIMITS.writeBytes) {
      throw new ToolError(`write_file: content is ${bytes} bytes; the limit is ${TOOL_LIMITS.writeBytes}`);
    }
    const target = lexicalTarget(requested, "write_file");
    const relative = workspaceRelative(target);
    if (relative === ".") throw new ToolError("write_file: path names the workspace root, not a file");
    if (relative.split("/").includes(".git")) {
      throw new ToolError(`write_file: "${requested}" is inside .git; the agent never writes git internals`);
    }
    // The nearest existing ancestor must really be inside the workspace: a symlinked directory on the way would
    // carry the write elsewhere. Directories created below it are new, hence real.
    let ancestor = path.dirname(target);
    for (;;) {
      try {
        await lstat(ancestor);
        break;
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error;
        ancestor = path.dirname(ancestor);
      }
    }
    const realAncestor = await realpath(ancestor);
    if (!isInside(root, realAncestor)) {
      throw new ToolError(
        `write_file: "${requested}" goes through a symlink that leads outside the workspace; refused`,
      );
    }
    if (!(await stat(realAncestor)).isDirectory()) {
      throw new ToolError(`write_file: "${workspaceRelative(ancestor)}" is a file, not a directory`);
    }
    const existing = await lstat(target).catch((error) => {
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    });
    if (existing?.isSymbolicLink()) {
      throw new ToolError(`write_file: "${requested}" is a symlink; the agent never writes through symlinks`);
    }
    if (existing?.isDirectory()) throw new ToolError(`write_file: "${requested}" is a directory`);
    await mkdir(path.dirname(target), { recursive: true });
    // O_NOFOLLOW closes the gap between the check above and the open.
    const handle = await open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      await handle.writeFile(content, "utf8");
    } finally {
      await handle.close();
    }
    if (!changedFiles.includes(relative)) changedFiles.push(relative);
    return `wrote ${bytes} bytes to ${relative}`;
  }

  /** @param {unknown} rawInput @returns {Promise<string>} */
  async function proposeCommand(rawInput) {
    const input = inputObject(rawInput, "propose_command");
    const command = requiredString(input, "command", "propose_command");
    if (command.trim().length === 0) throw new ToolError("propose_command: command is empty");
    const commandBytes = Buffer.byteLength(command, "utf8");
    if (commandBytes > TOOL_LIMITS.commandBytes) {
      throw new ToolError(
        `propose_command: command is ${commandBytes} bytes; the limit is ${TOOL_LIMITS.commandBytes}`,
      );
    }
    if (command.includes("\0")) throw new ToolError("propose_command: command contains a NUL byte");
    const reason =
      input.reason === undefined ? undefined : requiredString(input, "reason", "propose_command");
    if (reason !== undefined && reason.length > TOOL_LIMITS.reasonChars) {
      throw new ToolError(
        `propose_command: reason is ${reason.length} characters; the limit is ${TOOL_LIMITS.reasonChars}`,
      );
    }
    if (proposedCommands.length >= TOOL_LIMITS.proposals) {
      throw new ToolError(
        `propose_command: already ${TOOL_LIMITS.proposals} proposals; the limit is ${TOOL_LIMITS.proposals}`,
      );
    }
    proposedCommands.push(reason === undefined ? { command } : { command, reason });
    return `recorded proposal ${proposedCommands.length}; the workflow's policy decides whether it runs (mutating commands wait for a person's approval)`;
  }

  /** @type {Record<string, (input: unknown) => Promise<string>>} */
  const handlers = {
    list_files: listFiles,
    read_file: readFileTool,
    write_file: writeFileTool,
    propose_command: proposeCommand,
  };

  return {
    root,
    /**
     * Runs one tool call. Refusals and file-system failures become an unsuccessful outcome the model can read.
     * @param {string} name
     * @param {unknown} input
     * @returns {Promise<ToolOutcome>}
     */
    async execute(name, input) {
      const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
      if (!handler) {
        return {
          ok: false,
          text: `unknown tool "${name}"; the tools are ${Object.keys(handlers).join(", ")}`,
        };
      }
      try {
        return { ok: true, text: await handler(input) };
      } catch (error) {
        if (error instanceof ToolError) return { ok: false, text: error.message };
        const code = errorCode(error);
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, text: `${name}: ${code ? `${code}: ` : ""}${message}` };
      }
    },
    /** @returns {string[]} */
    changedFiles: () => [...changedFiles],
    /** @returns {ProposedCommand[]} */
    proposedCommands: () => proposedCommands.map((proposal) => ({ ...proposal })),
  };
}

/** @typedef {Awaited<ReturnType<typeof createWorkspaceTools>>} WorkspaceTools */
