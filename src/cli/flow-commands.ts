/** `baton flow ls | run`: the flows the API knows, and runs of a flow without a deployment. */
import type { FlowList, RunFlow, StartedRun } from '../core/schemas';
import type { ApiClient } from './api-client';
import { list, params, parse, str, UsageError } from './args';
import { printJson, table } from './output';
import { watchRun } from './watch';

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
        console.log(
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
      const { values, positionals } = parse(
        args,
        {
          param: { type: 'string', multiple: true },
          'params-json': { type: 'string' },
          'run-name': { type: 'string' },
          tag: { type: 'string', multiple: true },
          'idempotency-key': { type: 'string' },
          at: { type: 'string' },
          watch: { type: 'boolean' },
          json: { type: 'boolean' },
        },
        ['name'],
      );
      // --param wins over the same key in --params-json, as the later, more specific flag.
      const body: RunFlow = { parameters: { ...paramsJson(str(values, 'params-json')), ...params(list(values, 'param')) } };
      if (str(values, 'run-name')) body.runName = str(values, 'run-name');
      if (list(values, 'tag').length) body.tags = list(values, 'tag');
      if (str(values, 'idempotency-key')) body.idempotencyKey = str(values, 'idempotency-key');
      if (str(values, 'at')) body.scheduledTime = str(values, 'at');
      const run = await api.call<StartedRun>('POST', `/api/flows/${encodeURIComponent(positionals[0]!)}/runs`, body);
      if (!values.watch) {
        if (values.json) printJson(run);
        else console.log(`${run.created ? 'started' : 'already started'} flow run ${run.id} (${run.runName ?? '-'})${run.webUrl ? `\n${run.webUrl}` : ''}`);
        return 0;
      }
      if (!values.json) console.log(`flow run ${run.id} (${run.runName ?? '-'})`);
      const final = await watchRun(api, run.id, { json: Boolean(values.json) });
      return final.state === 'Completed' ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown command 'flow ${sub ?? ''}'`);
  }
}
