/**
 * Variables: JSON values by name that flows, tasks and people share, like Prefect's `Variable`.
 * Pure: the checks here run in the client, the API, the CLI and in the store's update validators
 * inside the sandbox.
 *
 * Where they live: in one long-running workflow per namespace (`baton.variables`, id
 * `baton-variables`), which holds them in its state. Writes are updates (validated before they are
 * accepted, so a refused write leaves no event), reads are queries, and the workflow continues as
 * new with its variables before its history grows long.
 */

/** Workflow type of the store. */
export const VARIABLES_WORKFLOW = 'baton.variables';
/** The store's workflow id: one store per namespace. */
export const VARIABLES_WORKFLOW_ID = 'baton-variables';
/** Update: SetVariableRequest → Variable. */
export const VARIABLE_SET_UPDATE = 'baton.variables.set';
/** Update: DeleteVariableRequest → Variable (the one removed). */
export const VARIABLE_DELETE_UPDATE = 'baton.variables.delete';
/** Query: (name) → Variable | null. */
export const VARIABLE_GET_QUERY = 'baton.variables.get';
/** Query: () → Variable[] by name. */
export const VARIABLE_LIST_QUERY = 'baton.variables.list';
/** The local activity a flow's `getVariable` reads through (its answer is recorded in the flow's history). */
export const GET_VARIABLE_ACTIVITY = 'baton.get-variable';

/** Prefect's rule: lowercase letters, digits, underscores and dashes, at most 255 characters. */
export const VARIABLE_NAME_PATTERN = /^[a-z0-9_-]{1,255}$/;
export const VARIABLE_NAME_RULE = 'must be 1-255 lowercase letters, digits, underscores or dashes';
/** The most one value may weigh, as JSON (UTF-8 bytes). */
export const VARIABLE_MAX_BYTES = 64 * 1024;
/** The most variables a namespace keeps. */
export const VARIABLES_MAX = 1_000;
/** The most all values together may weigh, as JSON: the store's state travels whole when it continues as new. */
export const VARIABLES_MAX_TOTAL_BYTES = 1024 * 1024;
export const VARIABLE_TAGS_MAX = 20;
export const VARIABLE_TAG_MAX_LENGTH = 100;
/** History events after which the store continues as new (unless Temporal suggests it sooner). */
export const VARIABLES_CONTINUE_AFTER_EVENTS = 2_000;

/** A JSON value: what a variable holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Variable {
  name: string;
  value: JsonValue;
  tags: string[];
  /** 1 when created, one more at each write. */
  version: number;
  /** Workflow time, ISO 8601. */
  createdAt: string;
  updatedAt: string;
}

export interface SetVariableRequest {
  name: string;
  value: JsonValue;
  tags?: string[];
  /** false: refuse (conflict) when the variable exists. @default true */
  overwrite?: boolean;
  /** Refuse (conflict) unless the variable's version is this one: a write that read what it replaces. */
  ifVersion?: number;
}

export interface DeleteVariableRequest {
  name: string;
  ifVersion?: number;
}

/** The store workflow's input: its variables (carried across continue-as-new). */
/** How many deleted names the store remembers the last version of, so one made again goes on counting. */
export const VARIABLES_DELETED_KEPT = 10_000;

export interface VariablesInput {
  variables?: Record<string, Variable>;
  /** The last version of recently deleted names (see {@link VARIABLES_DELETED_KEPT}). */
  deletedVersions?: Record<string, number>;
  /** History events after which it continues as new. @default VARIABLES_CONTINUE_AFTER_EVENTS */
  continueAfterEvents?: number;
}

/** Failure types of the store's refusals, so each edge maps them to its own error. */
export const VARIABLE_FAILURE = { invalid: 'VariableInvalid', conflict: 'VariableConflict', notFound: 'VariableNotFound' } as const;

/** Why `name` is not a variable name, or undefined. */
export function variableNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `${VARIABLE_NAME_RULE}, got ${name === undefined ? 'nothing' : typeof name}`;
  return VARIABLE_NAME_PATTERN.test(name) ? undefined : `${VARIABLE_NAME_RULE}, got '${name.length > 60 ? `${name.slice(0, 60)}…` : name}'`;
}

/** Where `value` is not plain JSON (a function, undefined, NaN, a Date, a class instance), or undefined. */
function jsonProblem(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 64) return `${path || 'value'} is nested more than 64 levels deep`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path || 'value'} is ${value}, which JSON cannot hold`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${path || 'value'} is a ${(value as object).constructor?.name ?? 'class instance'}, not plain JSON`;
    for (const [key, item] of Object.entries(value)) {
      const problem = jsonProblem(item, path ? `${path}.${key}` : key, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path || 'value'} is ${value === undefined ? 'undefined' : `a ${typeof value}`}, not JSON`;
}

/** UTF-8 length of a string, without Node's Buffer (this module runs in the sandbox too). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Why `value` cannot be a variable's value (not JSON, or over VARIABLE_MAX_BYTES), or undefined. */
export function variableValueProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is required (any JSON value)';
  const problem = jsonProblem(value, '', 0);
  if (problem) return `must be JSON: ${problem}`;
  const bytes = utf8Bytes(JSON.stringify(value));
  return bytes > VARIABLE_MAX_BYTES ? `must be at most ${VARIABLE_MAX_BYTES} bytes as JSON, got ${bytes}` : undefined;
}

/** Why `tags` cannot be a variable's tags, or undefined. */
export function variableTagsProblem(tags: unknown): string | undefined {
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags)) return 'must be a list of strings';
  if (tags.length > VARIABLE_TAGS_MAX) return `must be at most ${VARIABLE_TAGS_MAX} tags`;
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.trim() === '' || tag.length > VARIABLE_TAG_MAX_LENGTH) {
      return `each tag must be a non-empty string of at most ${VARIABLE_TAG_MAX_LENGTH} characters`;
    }
  }
  return undefined;
}

/** Every problem of a set request, by field. */
export function setRequestProblems(request: unknown): { path: string; message: string }[] {
  const r = (request ?? {}) as Partial<SetVariableRequest>;
  const issues: { path: string; message: string }[] = [];
  const add = (path: string, message: string | undefined) => message && issues.push({ path, message });
  add('name', variableNameProblem(r.name));
  add('value', variableValueProblem(r.value));
  add('tags', variableTagsProblem(r.tags));
  if (r.overwrite !== undefined && typeof r.overwrite !== 'boolean') add('overwrite', 'must be true or false');
  if (r.ifVersion !== undefined && !(Number.isInteger(r.ifVersion) && r.ifVersion >= 1)) add('ifVersion', 'must be a whole number ≥ 1');
  return issues;
}
