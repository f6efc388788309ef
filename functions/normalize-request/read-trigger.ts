import { parse } from "@aws-lambda-powertools/parser";
import { EventBridgeEnvelope } from "@aws-lambda-powertools/parser/envelopes";
import { JSONStringified } from "@aws-lambda-powertools/parser/helpers";
import { z } from "zod";
import type { TriggerKind } from "#lib/contracts.ts";
import { ValidationFailedError } from "#lib/errors.ts";
import {
  CODEBUILD_DETAIL_TYPE,
  CodeBuildDetailSchema,
  repairInputFromCodeBuild,
} from "./codebuild-mapping.ts";
import { type InputSchemas, inputSchemas, type RepairInput } from "./input-schema.ts";
import type { NormalizeSettings } from "./settings.ts";
import { type FieldProblem, fieldProblems, type IssueNaming, issuesOf } from "./validation-issues.ts";

/**
 * Recognises which front door a request came through and validates it with the Powertools parser:
 *   - an EventBridge event (has `detail-type`): our own `Repair Requested`, or CodeBuild's `Build State Change`;
 *   - an API Gateway body: `{body: "<json>"}` from a proxy integration (base64 when `isBase64Encoded`), or
 *     `{body: {...}}` from a mapping template;
 *   - otherwise the request fields at top level: the REST API's pass-through body or a console input
 *     (`trigger: "api"` marks the former; the default is "console").
 */

const REPAIR_REQUESTED_DETAIL_TYPE = "Repair Requested";

export interface ReceivedInput {
  readonly trigger: TriggerKind;
  readonly input: RepairInput;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(problems: readonly FieldProblem[]): never {
  throw new ValidationFailedError(problems);
}

function parseOrFail<T extends z.ZodType>(data: unknown, schema: T, naming: IssueNaming = {}): z.infer<T> {
  const result = parse(data, undefined, schema, true);
  if (!result.success) fail(fieldProblems(issuesOf(result.error), naming));
  return result.data as z.infer<T>;
}

function readRepairRequestedEvent(event: Record<string, unknown>, schemas: InputSchemas): ReceivedInput {
  const result = parse(event, EventBridgeEnvelope, schemas.request, true);
  if (!result.success) fail(fieldProblems(issuesOf(result.error)));
  return { trigger: "repair-requested", input: result.data };
}

function readCodeBuildEvent(
  event: Record<string, unknown>,
  settings: NormalizeSettings,
  schemas: InputSchemas,
): ReceivedInput {
  const envelope = parse(event, EventBridgeEnvelope, CodeBuildDetailSchema, true);
  if (!envelope.success) fail(fieldProblems(issuesOf(envelope.error)));
  const mapped = repairInputFromCodeBuild(envelope.data, settings.codeBuildProjects);
  const result = parse(mapped.input, undefined, schemas.request, true);
  const problems = [
    ...mapped.problems,
    // Fields the mapping already reported as missing are not reported twice.
    ...(result.success ? [] : fieldProblems(issuesOf(result.error), { origins: mapped.origins })).filter(
      (p) => !mapped.problems.some((m) => p.field.startsWith(m.field)),
    ),
  ];
  if (problems.length > 0 || !result.success) fail(problems);
  return { trigger: "codebuild", input: result.data };
}

function readApiBody(event: Record<string, unknown>, schemas: InputSchemas): ReceivedInput {
  const { body } = event;
  if (typeof body === "string") {
    const text = event.isBase64Encoded === true ? Buffer.from(body, "base64").toString("utf8") : body;
    const proxySchema = z.looseObject({ body: JSONStringified(schemas.request) });
    const parsed = parseOrFail({ ...event, body: text }, proxySchema, { stripPrefix: "body" });
    return { trigger: "api", input: parsed.body };
  }
  if (isRecord(body)) {
    const parsed = parseOrFail(event, z.looseObject({ body: schemas.request }), { stripPrefix: "body" });
    return { trigger: "api", input: parsed.body };
  }
  return fail([{ field: "body", problem: "must be the request as a JSON string or object" }]);
}

export function readRepairInput(event: unknown, settings: NormalizeSettings): ReceivedInput {
  const schemas = inputSchemas(settings.defaultRuntimeArn !== undefined);
  if (!isRecord(event)) {
    return fail([{ field: "event", problem: "must be a JSON object" }]);
  }
  if ("detail-type" in event) {
    const detailType = event["detail-type"];
    if (detailType === REPAIR_REQUESTED_DETAIL_TYPE) return readRepairRequestedEvent(event, schemas);
    if (detailType === CODEBUILD_DETAIL_TYPE) return readCodeBuildEvent(event, settings, schemas);
    return fail([
      {
        field: "detail-type",
        problem: `must be "${REPAIR_REQUESTED_DETAIL_TYPE}" or "${CODEBUILD_DETAIL_TYPE}", got ${JSON.stringify(String(detailType).slice(0, 80))}`,
      },
    ]);
  }
  if ("body" in event && !("repository" in event)) return readApiBody(event, schemas);
  const input = parseOrFail(event, schemas.topLevel);
  const { trigger, ...fields } = input;
  return { trigger: trigger ?? "console", input: fields };
}
