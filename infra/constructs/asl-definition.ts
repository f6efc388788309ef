/**
 * Static checks on the hand-written ASL before it goes into the template. CloudFormation would only notice a
 * missing `${...}` substitution at deploy time and Step Functions would only notice a Task timeout shorter than its
 * Lambda's when a long command runs, so synthesis fails early with a message that names the state and the limit.
 */

/** Only the parts of ASL these checks read. */
interface AslState {
  readonly Type?: string;
  readonly Resource?: unknown;
  readonly Parameters?: unknown;
  readonly TimeoutSeconds?: unknown;
  readonly Branches?: readonly AslMachine[];
  readonly Iterator?: AslMachine;
  readonly ItemProcessor?: AslMachine;
}

interface AslMachine {
  readonly StartAt?: string;
  readonly States?: Readonly<Record<string, AslState>>;
}

export interface AslTaskReference {
  /** The state's name, prefixed by its enclosing Parallel/Map states: "Fix it > Run the command". */
  readonly statePath: string;
  /** The substitution key the Task invokes (`RunCommandFunctionArn`). */
  readonly substitutionKey: string;
  readonly timeoutSeconds?: number;
  readonly waitsForTaskToken: boolean;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** Every distinct `${Name}` in the definition text, in order of first appearance. */
export function findPlaceholders(definitionText: string): string[] {
  const names = new Set<string>();
  for (const match of definitionText.matchAll(PLACEHOLDER)) names.add(match[1] ?? "");
  return [...names];
}

/**
 * Throws when the definition uses a `${Name}` the stack does not substitute: CloudFormation would reject the
 * template at deploy time (cfn-lint E1029), far from the cause.
 */
export function assertSubstitutionsComplete(
  definitionText: string,
  substitutionKeys: readonly string[],
  source: string,
): void {
  const known = new Set(substitutionKeys);
  const unknown = findPlaceholders(definitionText).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `${source} uses ${unknown.map((name) => `\${${name}}`).join(", ")}, which the stack does not substitute. ` +
        `Known substitutions: ${[...known].sort().join(", ")}. Add the task to infra/constructs/task-catalog.ts ` +
        "or fix the placeholder name.",
    );
  }
}

/** The substitution keys the stack provides but the definition never uses (a task deployed and never run). */
export function unusedSubstitutions(definitionText: string, substitutionKeys: readonly string[]): string[] {
  const used = new Set(findPlaceholders(definitionText));
  return substitutionKeys.filter((key) => !used.has(key));
}

/** Parses the definition; an invalid file fails here rather than as an opaque deploy error. */
export function parseDefinition(definitionText: string, source: string): AslMachine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definitionText);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${source} must hold a JSON object (an ASL state machine)`);
  }
  const machine = parsed as AslMachine;
  if (typeof machine.States !== "object" || machine.States === null) {
    throw new Error(`${source} has no "States" object`);
  }
  return machine;
}

/** The Lambda-invoking Task states, including those nested in Parallel branches and Map processors. */
export function listTaskReferences(machine: AslMachine): AslTaskReference[] {
  const references: AslTaskReference[] = [];
  const visit = (current: AslMachine, prefix: string): void => {
    for (const [name, state] of Object.entries(current.States ?? {})) {
      const statePath = prefix ? `${prefix} > ${name}` : name;
      for (const branch of state.Branches ?? []) visit(branch, statePath);
      if (state.Iterator) visit(state.Iterator, statePath);
      if (state.ItemProcessor) visit(state.ItemProcessor, statePath);
      if (state.Type !== "Task") continue;
      const resource = typeof state.Resource === "string" ? state.Resource : "";
      const functionName = functionNameOf(state);
      const invoked = [...findPlaceholders(resource), ...findPlaceholders(functionName)];
      for (const substitutionKey of invoked) {
        references.push({
          statePath,
          substitutionKey,
          ...(typeof state.TimeoutSeconds === "number" ? { timeoutSeconds: state.TimeoutSeconds } : {}),
          waitsForTaskToken: resource.endsWith(".waitForTaskToken"),
        });
      }
    }
  };
  visit(machine, "");
  return references;
}

function functionNameOf(state: AslState): string {
  const parameters = state.Parameters;
  if (typeof parameters !== "object" || parameters === null) return "";
  const name = (parameters as Record<string, unknown>).FunctionName;
  return typeof name === "string" ? name : "";
}

/**
 * A Task's TimeoutSeconds must exceed the Lambda timeout of the function it invokes; otherwise Step Functions
 * abandons a command that Lambda would still have completed and reports States.Timeout instead of its outcome.
 * Tasks without TimeoutSeconds are bounded by the Lambda timeout itself and pass.
 */
export function assertTaskTimeoutsExceedLambda(
  machine: AslMachine,
  lambdaTimeoutByKey: Readonly<Record<string, number>>,
  source: string,
): void {
  const problems: string[] = [];
  for (const reference of listTaskReferences(machine)) {
    const lambdaTimeout = lambdaTimeoutByKey[reference.substitutionKey];
    if (lambdaTimeout === undefined || reference.timeoutSeconds === undefined) continue;
    if (reference.timeoutSeconds <= lambdaTimeout) {
      problems.push(
        `state "${reference.statePath}" has TimeoutSeconds ${reference.timeoutSeconds}, which does not exceed ` +
          `the ${lambdaTimeout} s Lambda timeout of \${${reference.substitutionKey}}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${source}: ${problems.join("; ")}. Raise TimeoutSeconds above the Lambda timeout or lower ` +
        "commandTimeoutSeconds (Lambda timeouts are in infra/constructs/task-catalog.ts).",
    );
  }
}
