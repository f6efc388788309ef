// @ts-check
/**
 * Shapes of the sample agent, as JSDoc types so the agent runs with plain `node` (no build step) and is still
 * type-checked (`npx tsc -p samples/agent`). The HTTP shapes mirror `functions/lib/contracts.ts`
 * (`AgentInvocation`, `AgentReply`) on purpose WITHOUT importing it: the agent is a separate deployable that
 * knows the workflow only through the JSON it receives.
 */

/**
 * @typedef {object} FailureLocation
 * @property {string} file
 * @property {number} [line]
 * @property {number} [column]
 */

/**
 * @typedef {object} FailureDigest
 * @property {string} tool
 * @property {string[]} failingTests
 * @property {FailureLocation[]} locations
 * @property {string[]} firstErrors
 * @property {string} excerpt
 */

/**
 * @typedef {object} PreviousAttempt
 * @property {string} summary
 * @property {string[]} commands
 */

/**
 * The body of `POST /invocations`.
 * @typedef {object} AgentInvocation
 * @property {string} goal
 * @property {string} repoName
 * @property {string} workspacePath
 * @property {string} validationCommand
 * @property {number} iteration
 * @property {FailureDigest} failure
 * @property {PreviousAttempt[]} previousAttempts
 */

/**
 * @typedef {object} ProposedCommand
 * @property {string} command
 * @property {string} [reason]
 */

/**
 * The reply of `POST /invocations` (JSON body, or the data of the final `event: result` of an SSE stream).
 * @typedef {object} AgentReply
 * @property {string} summary
 * @property {string[]} changedFiles
 * @property {ProposedCommand[]} proposedCommands
 */

/**
 * Conversation blocks in the Bedrock Converse shape, so the same messages drive a live model and a replay.
 * A model may return other blocks (reasoning, citations); the loop keeps them in the conversation untouched.
 * @typedef {{ text: string }} TextBlock
 * @typedef {{ toolUse: { toolUseId: string, name: string, input: unknown } }} ToolUseBlock
 * @typedef {{ toolResult: { toolUseId: string, content: { text: string }[], status: "success" | "error" } }} ToolResultBlock
 * @typedef {TextBlock | ToolUseBlock | ToolResultBlock | Record<string, unknown>} ContentBlock
 * @typedef {{ role: "user" | "assistant", content: ContentBlock[] }} Message
 */

/**
 * @typedef {object} ToolSpec
 * @property {string} name
 * @property {string} description
 * @property {Record<string, unknown>} inputSchema JSON Schema of the tool's input.
 */

/**
 * @typedef {object} ModelRequest
 * @property {string} system
 * @property {Message[]} messages
 * @property {ToolSpec[]} toolSpecs
 */

/**
 * @typedef {object} ModelTurn
 * @property {ContentBlock[]} content
 * @property {string} stopReason Converse stop reason: "tool_use", "end_turn", "max_tokens", ...
 */

/**
 * What drives the tool loop: a live model (Bedrock Converse, or an OpenAI-compatible chat-completions endpoint)
 * or a recorded session replayed turn by turn.
 * @typedef {object} Model
 * @property {"replay" | "bedrock" | "openai"} mode
 * @property {string} label Shown in logs, progress events and the reply's summary.
 * @property {(request: ModelRequest) => Promise<ModelTurn>} next
 */

/**
 * @typedef {object} ToolOutcome
 * @property {boolean} ok
 * @property {string} text What the model sees as the tool result.
 */

/**
 * @typedef {object} ProgressEvent
 * @property {string} stage
 * @property {Record<string, unknown>} [detail]
 */

export {};
