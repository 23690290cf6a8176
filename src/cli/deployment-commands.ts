/** `baton deploy` and `baton deployment ls | inspect | run | pause | resume | delete | backfill`. */
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import type { CreateDeployment, Deployment, DeploymentList } from '../core/schemas';
import { checkEach, parseDeployment } from '../client/deployment-check';
import { ValidationError, type FieldIssue } from '../core/errors';
import { fieldIssues } from '../core/flow-options';
import type { ApiClient } from './api-client';
import { list, params, parse, positiveInt, positiveNumber, str, UsageError } from './args';
import { complain, printJson, say, table, when } from './output';
import { RUN_FLAGS, runBody, triggerRun } from './run-trigger';
import { checkApi, checkDeployments, DeployChecksError, takeMcpNeeds } from './deploy-checks';
import { formatResults } from './check-result';

// The file's other sections are read and checked by who uses them: `mcpServers` by workers,
// `automations` by `baton automation apply`, `webhooks` by the API. Deploy leaves them be.
const DeployFile = z
  .object({
    deployments: z.array(z.unknown()).min(1, 'lists no deployments'),
    mcpServers: z.record(z.string(), z.unknown()).optional(),
    automations: z.unknown().optional(),
    webhooks: z.unknown().optional(),
  })
  .strict();

/** Reads a `baton.yaml` and checks its outline; `checkEntries` checks the entries. */
export function readDeployFile(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ValidationError(file, [{ path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const top = DeployFile.safeParse(doc);
  if (!top.success) throw new ValidationError(file, fieldIssues(top.error.issues));
  return top.data.deployments;
}

/** Asks the API to run every check on a deployment (flow, parameters...) without applying it. */
async function dryRun(api: ApiClient, input: CreateDeployment): Promise<void> {
  try {
    await api.call('POST', '/api/deployments?dryRun=true', input);
  } catch (err) {
    const details = (err as { details?: unknown }).details;
    if (Array.isArray(details)) throw new ValidationError(`deployment '${input.name}'`, details as FieldIssue[]);
    throw err;
  }
}

/**
 * Checks every entry of a file before any is applied: its shape here, then the rest (a known flow,
 * parameters valid for it) by the API's dry run. One error names each bad entry and field
 * (`deployments[1].schedules.0.cron`); a bad file changes nothing.
 */
export function checkEntries(api: ApiClient, entries: unknown[]): Promise<CreateDeployment[]> {
  return checkEach(entries, async (entry) => {
    const input = parseDeployment(entry);
    // A lone entry is checked by the request that applies it.
    if (entries.length > 1) await dryRun(api, input);
    return input;
  });
}

function deploymentFromFlags(values: Record<string, unknown>): CreateDeployment {
  const v = values as Parameters<typeof str>[0];
  const name = str(v, 'name');
  const flow = str(v, 'flow');
  if (!name || !flow) throw new UsageError('give --name and --flow, or --file baton.yaml');
  const timezone = str(v, 'timezone');
  const offset = positiveNumber(v, 'offset');
  const schedules = [
    ...list(v, 'cron').map((cron) => ({ cron, ...(timezone ? { timezone } : {}) })),
    ...list(v, 'interval').map((s) => {
      const seconds = Number(s);
      if (!(seconds > 0)) throw new UsageError(`--interval must be a number of seconds > 0, got '${s}'`);
      return { intervalSeconds: seconds, ...(offset ? { offsetSeconds: offset } : {}) };
    }),
  ];
  const input = {
    name,
    flow,
    parameters: params(list(v, 'param')),
    tags: list(v, 'tag'),
    schedules,
    ...(str(v, 'description') ? { description: str(v, 'description') } : {}),
    ...(str(v, 'version') ? { version: str(v, 'version') } : {}),
    ...(str(v, 'task-queue') ? { taskQueue: str(v, 'task-queue') } : {}),
    ...(str(v, 'overlap') ? { overlap: str(v, 'overlap') } : {}),
    ...(v.paused ? { paused: true } : {}),
  };
  return parseDeployment(input);
}

const DEPLOYMENT_COLUMNS = {
  name: (d: Deployment) => d.name,
  flow: (d: Deployment) => d.flow,
  schedule: (d: Deployment) => d.schedules.map((s) => ('cron' in s ? `${s.cron}${s.timezone ? ` ${s.timezone}` : ''}` : `every ${s.intervalSeconds}s`)),
  paused: (d: Deployment) => (d.paused ? 'yes' : 'no'),
  'next run': (d: Deployment) => when(d.nextRunTimes[0]),
  tags: (d: Deployment) => d.tags,
};

export async function deploy(api: ApiClient, args: string[]): Promise<number> {
  const { values } = parse(args, {
    file: { type: 'string', short: 'f' },
    name: { type: 'string' },
    flow: { type: 'string' },
    cron: { type: 'string', multiple: true },
    timezone: { type: 'string' },
    interval: { type: 'string', multiple: true },
    offset: { type: 'string' },
    param: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    description: { type: 'string' },
    version: { type: 'string' },
    'task-queue': { type: 'string' },
    overlap: { type: 'string' },
    paused: { type: 'boolean' },
    json: { type: 'boolean' },
    'skip-checks': { type: 'boolean' },
    'deploy-only': { type: 'boolean' },
  });
  // --deploy-only is the name the Prefect stacks' deploy script gives to deploying without its health checks.
  const checks = !values['skip-checks'] && !values['deploy-only'];
  const file = str(values, 'file') ?? (!values.name && fs.existsSync('baton.yaml') ? 'baton.yaml' : undefined);
  if (file && values.name) throw new UsageError('give either --file or --name/--flow, not both');
  const { entries, needs } = file ? takeMcpNeeds(readDeployFile(file)) : { entries: [], needs: [undefined] };
  const fromFlags = file ? undefined : deploymentFromFlags(values);
  const first = checks ? await checkApi(api) : undefined;
  if (first?.results.some((r) => r.status === 'failed')) throw new DeployChecksError(first.results);
  const inputs = fromFlags ? [fromFlags] : await checkEntries(api, entries);
  if (first) {
    const results = [...first.results, ...(await checkDeployments(api, first.health, inputs, needs))];
    if (results.some((r) => r.status === 'failed')) throw new DeployChecksError(results);
    complain(formatResults(results));
  }
  const applied: Deployment[] = [];
  for (const input of inputs) applied.push(await api.call<Deployment>('POST', '/api/deployments', input));
  if (values.json) printJson(applied);
  else say(table(applied, DEPLOYMENT_COLUMNS));
  return 0;
}

export async function deployment(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  const path = (name: string, rest = '') => `/api/deployments/${encodeURIComponent(name)}${rest}`;
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, { flow: { type: 'string' }, tag: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
      const q = new URLSearchParams();
      if (str(values, 'flow')) q.set('flow', str(values, 'flow')!);
      if (str(values, 'tag')) q.set('tag', str(values, 'tag')!);
      q.set('pageSize', String(positiveInt(values, 'limit') ?? 50));
      const page = await api.call<DeploymentList>('GET', `/api/deployments?${q}`);
      if (values.json) printJson(page);
      else say(table(page.deployments, DEPLOYMENT_COLUMNS));
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const d = await api.call<Deployment>('GET', path(positionals[0]!));
      if (values.json) printJson(d);
      else {
        say(table([d], DEPLOYMENT_COLUMNS));
        say(`\nparameters: ${JSON.stringify(d.parameters)}\ntask queue: ${d.taskQueue}\noverlap:    ${d.overlap}`);
        say(`next runs:  ${d.nextRunTimes.slice(0, 5).map(when).join(', ') || '-'}`);
        say(
          `recent:     ${
            d.recentRuns
              .slice(-5)
              .map((r) => r.flowRunId)
              .join(', ') || '-'
          }`,
        );
      }
      return 0;
    }
    case 'run': {
      const { values, positionals } = parse(args, { ...RUN_FLAGS, 'params-file': { type: 'string' } }, ['name']);
      let fromFile: Record<string, unknown> = {};
      const paramsFile = str(values, 'params-file');
      if (paramsFile) {
        try {
          fromFile = JSON.parse(fs.readFileSync(paramsFile, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`--params-file ${paramsFile}: ${(err as Error).message}`);
        }
      }
      return triggerRun(api, path(positionals[0]!, '/runs'), runBody(values, { ...fromFile, ...params(list(values, 'param')) }), values);
    }
    case 'pause':
    case 'resume': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const d = await api.call<Deployment>('POST', path(positionals[0]!, `/${sub}`));
      if (values.json) printJson(d);
      else say(`deployment ${d.name} ${d.paused ? 'paused' : 'resumed'}`);
      return 0;
    }
    case 'delete': {
      const { positionals } = parse(args, {}, ['name']);
      await api.call('DELETE', path(positionals[0]!));
      say(`deployment ${positionals[0]} deleted`);
      return 0;
    }
    case 'backfill': {
      const { positionals, values } = parse(args, { start: { type: 'string' }, end: { type: 'string' }, overlap: { type: 'string' } }, ['name']);
      const start = str(values, 'start');
      const end = str(values, 'end');
      if (!start || !end) throw new UsageError('--start and --end are required (ISO 8601 times)');
      await api.call('POST', path(positionals[0]!, '/backfill'), { start, end, ...(str(values, 'overlap') ? { overlap: str(values, 'overlap') } : {}) });
      say(`backfill of ${positionals[0]} from ${start} to ${end} requested`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command 'deployment ${sub ?? ''}'`);
  }
}
