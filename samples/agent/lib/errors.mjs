// @ts-check
/**
 * Errors the agent reports over HTTP. Each carries the status it maps to, and a `name` set explicitly so the JSON
 * reply names the failure the same way whatever minifier touched the code.
 */

export class AgentHttpError extends Error {
  /**
   * @param {string} message
   * @param {string} name
   * @param {number} status
   */
  constructor(message, name, status) {
    super(message);
    this.name = name;
    /** @type {number} */
    this.status = status;
  }
}

/** The invocation body is malformed: names the field and what is wrong with it. */
export class InvalidInvocationError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "InvalidInvocationError", 400);
  }
}

/** The body exceeds the size the agent accepts. */
export class PayloadTooLargeError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "PayloadTooLargeError", 413);
  }
}

/** Another invocation is already working on the same workspace. */
export class WorkspaceBusyError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "WorkspaceBusyError", 409);
  }
}

/** No recorded session for this repository and iteration, or the recording file is malformed. */
export class ReplayNotFoundError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "ReplayNotFoundError", 500);
  }
}

/**
 * The workspace answered a replayed tool call differently from the recording (or a tool call failed): the rest of
 * the recording no longer applies, so the agent stops instead of pretending.
 */
export class ReplayDivergedError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "ReplayDivergedError", 500);
  }
}

/** The live model failed, stopped for a reason other than finishing, or returned something unusable. */
export class ModelError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "ModelError", 500);
  }
}

/** The model kept calling tools past the turn limit. */
export class TurnLimitError extends AgentHttpError {
  /** @param {string} message */
  constructor(message) {
    super(message, "TurnLimitError", 500);
  }
}

/** A tool refused its input (outside the workspace, too large, wrong type); the model sees the message. */
export class ToolError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "ToolError";
  }
}
