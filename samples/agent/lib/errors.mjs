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

/**
 * Why a live model could not give a usable turn, so a caller can act on it without parsing the message:
 * `throttled` (still throttled after the retries), `context-too-long` (the conversation outgrew the model's
 * window), `refused` (the model declined or a content filter stopped it), `incomplete` (cut at the token limit),
 * `unauthorized` (the endpoint refused the credentials), `unavailable` (unreachable, 5xx, timed out) and
 * `bad-response` (an answer the agent cannot use).
 * @typedef {"throttled" | "context-too-long" | "refused" | "incomplete" | "unauthorized" | "unavailable" | "bad-response"} ModelFailure
 */

/** The live model failed, stopped for a reason other than finishing, or returned something unusable. */
export class ModelError extends AgentHttpError {
  /**
   * @param {string} message
   * @param {ModelFailure} [reason]
   */
  constructor(message, reason = "bad-response") {
    super(message, "ModelError", 500);
    /** @type {ModelFailure} */
    this.reason = reason;
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
