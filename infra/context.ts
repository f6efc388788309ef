import { parseEgressMode } from "./constructs/egress.ts";
import type { RepairStackProps } from "./stack.ts";

/**
 * Reads the deployment's settings from CDK context (`cdk.json` or `-c key=value`). Values from the command line
 * arrive as strings, values from cdk.json keep their JSON type, so each reader accepts both and names the key
 * when a value is wrong.
 */
export type ContextReader = (key: string) => unknown;

export interface AppSettings {
  readonly stackName: string;
  readonly stackProps: RepairStackProps;
}

function optionalString(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string")
    throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function optionalInteger(read: ContextReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number))
    throw new Error(`context ${key} must be a whole number, got ${JSON.stringify(value)}`);
  return number;
}

function optionalBoolean(read: ContextReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** A JSON array of strings, or a comma-separated string. */
function optionalList(read: ContextReader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  const items =
    typeof value === "string"
      ? value.trim().startsWith("[")
        ? parseJson(key, value)
        : value.split(",")
      : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === "string")) {
    throw new Error(
      `context ${key} must be a list of strings (JSON array or comma-separated), got ${String(value)}`,
    );
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item !== "");
  return trimmed.length > 0 ? trimmed : undefined;
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`context ${key} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON object keyed by name, from cdk.json or as a JSON string on the command line. */
function optionalObjectMap(
  read: ContextReader,
  key: string,
  shape: string,
): Record<string, unknown> | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = typeof value === "string" ? parseJson(key, value) : value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`context ${key} must be a JSON object ${shape}`);
  }
  return parsed as Record<string, unknown>;
}

/** `{"<project>": {"validationCommand": "...", "repository": {...}}}`, as an object or a JSON string. */
function optionalCodeBuildProjects(read: ContextReader, key: string): RepairStackProps["codeBuildProjects"] {
  const value = read(key);
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = typeof value === "string" ? parseJson(key, value) : value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`context ${key} must be a JSON object {"<project>": {"validationCommand": "..."}}`);
  }
  for (const [project, settings] of Object.entries(parsed)) {
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      throw new Error(`context ${key}.${project} must be an object {validationCommand?, repository?}`);
    }
  }
  return parsed as RepairStackProps["codeBuildProjects"];
}

export function readAppSettings(read: ContextReader): AppSettings {
  const runtimeArn = optionalString(read, "runtimeArn");
  const agentImageUri = optionalString(read, "agentImageUri");
  const mountPath = optionalString(read, "mountPath");
  const agentModelArns = optionalList(read, "agentModelArns");
  const agentModelId = optionalString(read, "agentModelId");
  const commandTimeoutSeconds = optionalInteger(read, "commandTimeoutSeconds");
  const approvalTtlSeconds = optionalInteger(read, "approvalTtlSeconds");
  const codeBuildProjects = optionalCodeBuildProjects(read, "codeBuildProjects");
  const eventBusName = optionalString(read, "eventBusName");
  const policyConfigs = optionalObjectMap(read, "policyConfigs", '{"<repoName>": {...policy additions}}');
  const changeRules = optionalObjectMap(read, "changeRules", '{"<repoName>": {"surfaces": {"add": [...]}}}');
  const approverEmails = optionalList(read, "approverEmails");
  const alarmEmails = optionalList(read, "alarmEmails");
  const retainData = optionalBoolean(read, "retainData");
  const configureApiGatewayAccountRole = optionalBoolean(read, "configureApiGatewayAccountRole");
  const egressText = optionalString(read, "egress");
  const egress = egressText !== undefined ? parseEgressMode(egressText) : undefined;
  const egressAllowList = optionalList(read, "egressAllowList");
  const allowAnyModel = optionalBoolean(read, "allowAnyModel");

  return {
    stackName: optionalString(read, "stackName") ?? "AgentCoreRepair",
    stackProps: {
      runtime: {
        ...(runtimeArn ? { runtimeArn } : {}),
        ...(agentImageUri ? { agentImageUri } : {}),
        ...(mountPath ? { mountPath } : {}),
        ...(agentModelArns ? { agentModelArns } : {}),
        ...(agentModelId ? { agentModelId } : {}),
        ...(egress ? { egress } : {}),
        ...(egressAllowList ? { egressAllowList } : {}),
        ...(allowAnyModel !== undefined ? { allowAnyModel } : {}),
      },
      ...(commandTimeoutSeconds !== undefined ? { commandTimeoutSeconds } : {}),
      ...(approvalTtlSeconds !== undefined ? { approvalTtlSeconds } : {}),
      ...(codeBuildProjects ? { codeBuildProjects } : {}),
      ...(eventBusName ? { eventBusName } : {}),
      ...(policyConfigs ? { policyConfigs } : {}),
      ...(changeRules ? { changeRules } : {}),
      ...(approverEmails ? { approverEmails } : {}),
      ...(alarmEmails ? { alarmEmails } : {}),
      ...(retainData !== undefined ? { retainData } : {}),
      ...(configureApiGatewayAccountRole !== undefined ? { configureApiGatewayAccountRole } : {}),
    },
  };
}
