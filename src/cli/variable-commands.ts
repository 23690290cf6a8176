/**
 * `baton variable set | get | ls | inspect | unset` (Prefect's `prefect variable ...`): JSON values
 * by name, through the API.
 */
import { ConflictError } from '../core/errors';
import type { Variable, VariableList } from '../core/schemas';
import { variableNameProblem, variableValueProblem, type JsonValue } from '../core/variables';
import type { ApiClient } from './api-client';
import { list, parse, positiveInt, UsageError } from './args';
import { printJson, say, table, when } from './output';

const name = (value: string) => {
  const problem = variableNameProblem(value);
  if (problem) throw new UsageError(`<name> ${problem}`);
  return value;
};

/**
 * What `set` stores: the text as JSON when it parses (42, true, null, "quoted", {"a":1}), else the
 * text itself. Text that opens like an object or a list but does not parse is refused: it is
 * almost always JSON typed wrong, not meant as a string.
 */
export function valueOf(text: string): JsonValue {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (err) {
    if (/^\s*[[{]/.test(text)) {
      throw new UsageError(`<value> looks like JSON but does not parse (${(err as Error).message}); to store it as text, pass it as a JSON string`);
    }
    return text;
  }
  // JSON.parse reads 1e999 as Infinity, which no JSON body can carry: refused here, not sent as null.
  const problem = variableValueProblem(parsed);
  if (problem) throw new UsageError(`<value> ${problem}`);
  return parsed;
}

/** A value on one line, cut to fit. */
function valueLine(value: unknown, width = 60): string {
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\s+/g, ' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

const path = (n: string) => `/api/variables/${encodeURIComponent(n)}`;

export async function variableCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  switch (sub) {
    case 'set': {
      const { values, positionals } = parse(
        args,
        { tag: { type: 'string', multiple: true }, overwrite: { type: 'boolean' }, 'if-version': { type: 'string' }, json: { type: 'boolean' } },
        ['name', 'value'],
      );
      const n = name(positionals[0]!);
      const value = valueOf(positionals[1]!);
      const tags = list(values, 'tag');
      const ifVersion = positiveInt(values, 'if-version');
      const body = { value, ...(tags.length ? { tags } : {}), overwrite: values.overwrite === true || ifVersion !== undefined, ...(ifVersion ? { ifVersion } : {}) };
      let variable: Variable;
      try {
        variable = await api.call<Variable>('PUT', path(n), body);
      } catch (err) {
        if (err instanceof ConflictError && !values.overwrite && ifVersion === undefined) {
          throw new ConflictError(`variable '${n}' already exists; use --overwrite to replace it`);
        }
        throw err;
      }
      if (values.json) printJson(variable);
      else say(`set variable '${variable.name}' (version ${variable.version})`);
      return 0;
    }
    case 'get': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const variable = await api.call<Variable>('GET', path(name(positionals[0]!)));
      // Text prints as it is; anything else as JSON, so `$(baton variable get x)` reads back what was set.
      if (values.json || typeof variable.value !== 'string') printJson(variable.value);
      else say(variable.value);
      return 0;
    }
    case 'ls': {
      const { values } = parse(args, { json: { type: 'boolean' } });
      const { variables } = await api.call<VariableList>('GET', '/api/variables');
      if (values.json) printJson({ variables });
      else {
        say(
          table(variables, {
            name: (v) => v.name,
            value: (v) => valueLine(v.value),
            tags: (v) => v.tags,
            version: (v) => v.version,
            updated: (v) => when(v.updatedAt),
          }),
        );
      }
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const variable = await api.call<Variable>('GET', path(name(positionals[0]!)));
      if (values.json) {
        printJson(variable);
        return 0;
      }
      say(`name:     ${variable.name}`);
      say(`version:  ${variable.version}`);
      say(`tags:     ${variable.tags.length ? variable.tags.join(', ') : '-'}`);
      say(`created:  ${when(variable.createdAt)}`);
      say(`updated:  ${when(variable.updatedAt)}`);
      say(`value:\n${JSON.stringify(variable.value, null, 2)}`);
      return 0;
    }
    case 'unset': {
      const { values, positionals } = parse(args, { 'if-version': { type: 'string' } }, ['name']);
      const ifVersion = positiveInt(values, 'if-version');
      await api.call('DELETE', `${path(name(positionals[0]!))}${ifVersion ? `?ifVersion=${ifVersion}` : ''}`);
      say(`unset variable '${positionals[0]}'`);
      return 0;
    }
    default:
      throw new UsageError(`unknown variable command '${sub ?? ''}' (set, get, ls, inspect, unset)`);
  }
}
