/** `baton flow ls | run`: the flows the API knows, and runs of a flow without a deployment. */
import type { FlowList } from '../core/schemas';
import type { ApiClient } from './api-client';
import { list, params, parse, str, UsageError } from './args';
import { printJson, say, table } from './output';
import { RUN_FLAGS, runBody, triggerRun } from './run-trigger';

/** `--params-json '{...}'`: a JSON object, or a usage error naming the flag. */
export function paramsJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--params-json is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--params-json must be a JSON object such as '{"name": "Ada"}'`);
  }
  return value as Record<string, unknown>;
}

export async function flowCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, { json: { type: 'boolean' } });
      const { flows } = await api.call<FlowList>('GET', '/api/flows');
      if (values.json) printJson({ flows });
      else {
        say(
          table(flows, {
            name: (f) => f.name,
            parameters: (f) => Object.keys((f.parameters?.properties as Record<string, unknown> | undefined) ?? {}),
            tags: (f) => f.tags,
            description: (f) => f.description,
          }),
        );
      }
      return 0;
    }
    case 'run': {
      const { values, positionals } = parse(args, { ...RUN_FLAGS, 'params-json': { type: 'string' } }, ['name']);
      // --param wins over the same key in --params-json, as the later, more specific flag.
      const parameters = { ...paramsJson(str(values, 'params-json')), ...params(list(values, 'param')) };
      return triggerRun(api, `/api/flows/${encodeURIComponent(positionals[0]!)}/runs`, runBody(values, parameters), values);
    }
    default:
      throw new UsageError(`unknown command 'flow ${sub ?? ''}'`);
  }
}
