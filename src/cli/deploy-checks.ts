/**
 * `baton deploy`'s checks, run before anything is sent: the API answers and takes the key, Temporal
 * is reachable from it, a worker polls every task queue the deployments use, and the MCP servers
 * their flows call answer. A failed check names the part, the cause and the command that fixes it,
 * and nothing is deployed. Each check is bounded by {@link CHECK_MS}.
 *
 * Which MCP servers a deployment needs: an entry of baton.yaml may list them
 * (`mcpServers: [github]`, `[]` for none); an entry that does not is taken to need every server
 * the API declares, since its flow may call any of them.
 */
import { BatonError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError, type FieldIssue } from '../core/errors';
import type { z } from 'zod';
import { Health as HealthSchema, type CreateDeployment, type Deployment, type TaskQueue } from '../core/schemas';
import type { ApiClient } from './api-client';
import { formatResults, printableUrl, reason, within, type CheckResult } from './check-result';

/** The API's health answer. */
export type Health = z.infer<typeof HealthSchema>;

/** How long each check waits for its answer. */
export const CHECK_MS = 3_000;

/** One or more checks failed: nothing was deployed. */
export class DeployChecksError extends BatonError {
  static override readonly code: string = 'DEPLOY_CHECKS_FAILED';
  override readonly name: string = 'DeployChecksError';
  constructor(readonly results: CheckResult[]) {
    const failed = results.filter((r) => r.status === 'failed').length;
    super(`not deploying: ${failed} check${failed === 1 ? '' : 's'} failed, nothing was changed (--skip-checks deploys anyway)\n${formatResults(results)}`);
  }
}

/** The MCP servers each entry names (undefined: it names none), and the entries without that field. */
export function takeMcpNeeds(entries: unknown[]): { entries: unknown[]; needs: (string[] | undefined)[] } {
  const issues: FieldIssue[] = [];
  const needs: (string[] | undefined)[] = [];
  const rest = entries.map((entry, i) => {
    if (!entry || typeof entry !== 'object' || !('mcpServers' in entry)) {
      needs.push(undefined);
      return entry;
    }
    const { mcpServers, ...others } = entry as { mcpServers: unknown };
    if (!Array.isArray(mcpServers) || !mcpServers.every((s) => typeof s === 'string' && s.length > 0)) {
      issues.push({ path: `deployments[${i}].mcpServers`, message: 'must be a list of MCP server names, such as [github]' });
    }
    needs.push(Array.isArray(mcpServers) ? (mcpServers as string[]) : []);
    return others;
  });
  if (issues.length) throw new ValidationError('deployments', issues);
  return { entries: rest, needs };
}

const START_API = '`baton server start` (Temporal, the API and a worker on this machine) or `baton api start --flows <module>`, or set BATON_API_URL';

/**
 * The first checks, before the file is sent anywhere: the API answers (its health), Temporal is
 * reachable from it, and the key may deploy. Returns the health for the later checks.
 */
export async function checkApi(api: ApiClient): Promise<{ results: CheckResult[]; health?: Health }> {
  const url = printableUrl(api.baseUrl);
  let health: Health;
  try {
    health = await within(
      CHECK_MS,
      async () => {
        const res = await fetch(new URL('/api/health', api.baseUrl), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(CHECK_MS) });
        const parsed = HealthSchema.safeParse(await res.json().catch(() => undefined));
        if (!parsed.success) throw new BatonError(`GET /api/health answered ${res.status} without Baton's health: is BATON_API_URL a Baton API?`);
        return parsed.data;
      },
      `the API at ${url}`,
    );
  } catch (err) {
    return { results: [{ part: 'API', status: 'failed', detail: `no answer at ${url}: ${reason(err)}`, fix: START_API }] };
  }
  const results: CheckResult[] = [{ part: 'API', status: 'ok', detail: `answers at ${url}` }];
  results.push(
    health.temporal.reachable
      ? { part: 'Temporal', status: 'ok', detail: `reachable from the API (namespace ${health.temporal.namespace})` }
      : {
          part: 'Temporal',
          status: 'failed',
          detail: `the API cannot reach Temporal (namespace ${health.temporal.namespace})`,
          fix: 'start it with `npx baton server start`, or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) where the API runs; `baton doctor` checks it from here',
        },
  );
  results.push(await checkKey(api));
  return { results, health };
}

/**
 * Whether the key may deploy. The API checks the key (and its role) before it reads a body, so a
 * dry run of an empty deployment answers 400 to an admin key, and 401 or 403 to any other.
 */
async function checkKey(api: ApiClient): Promise<CheckResult> {
  try {
    await within(CHECK_MS, () => api.call('POST', '/api/deployments?dryRun=true', {}), 'the API');
    return { part: 'API key', status: 'ok', detail: 'accepted' };
  } catch (err) {
    if (err instanceof UnauthorizedError) {
      return {
        part: 'API key',
        status: 'failed',
        detail: 'the API does not accept the key (none, or not one of its BATON_API_KEYS)',
        fix: 'set BATON_API_KEY to an admin key of the API',
      };
    }
    if (err instanceof ForbiddenError) {
      return { part: 'API key', status: 'failed', detail: reason(err), fix: 'set BATON_API_KEY to an admin key: deploying changes deployments' };
    }
    if (Array.isArray((err as { details?: unknown }).details)) return { part: 'API key', status: 'ok', detail: 'accepted' };
    return { part: 'API key', status: 'failed', detail: `the API did not answer the check: ${reason(err)}`, fix: START_API };
  }
}

/** Each deployment as the API would apply it (its task queue filled in), or a ValidationError naming the bad fields. */
async function resolve(api: ApiClient, input: CreateDeployment): Promise<Deployment> {
  try {
    return await within(CHECK_MS, () => api.call<Deployment>('POST', '/api/deployments?dryRun=true', input), 'the API');
  } catch (err) {
    const details = (err as { details?: unknown }).details;
    if (Array.isArray(details)) throw new ValidationError(`deployment '${input.name}'`, details as FieldIssue[]);
    throw err;
  }
}

async function checkQueue(api: ApiClient, queue: string, users: string[]): Promise<CheckResult> {
  const part = `workers (task queue '${queue}')`;
  const fix = `start one where your flows are: \`baton worker start --flows <module> --task-queue ${queue}\``;
  let described: TaskQueue;
  try {
    described = await within(CHECK_MS, () => api.call<TaskQueue>('GET', `/api/task-queues/${encodeURIComponent(queue)}`), `the API (task queue '${queue}')`);
  } catch (err) {
    if (err instanceof NotFoundError)
      return { part, status: 'failed', detail: 'the API cannot list task queues (an older Baton)', fix: 'upgrade the API, or deploy with --skip-checks' };
    return { part, status: 'failed', detail: `cannot tell: ${reason(err)}`, fix: 'retry; `baton doctor` checks Temporal and the workers from here' };
  }
  const used = `used by ${users.map((u) => `'${u}'`).join(', ')}`;
  const missing = [described.flowPollers.length ? '' : 'flows', described.taskPollers.length ? '' : 'tasks'].filter(Boolean);
  if (missing.length) return { part, status: 'failed', detail: `no worker polls it for ${missing.join(' or ')} (${used})`, fix };
  const workers = new Set([...described.flowPollers, ...described.taskPollers].map((p) => p.identity));
  return { part, status: 'ok', detail: `${workers.size} ${workers.size === 1 ? 'worker polls' : 'workers poll'} it (${used})` };
}

function checkMcp(health: Health | undefined, inputs: CreateDeployment[], needs: (string[] | undefined)[]): CheckResult[] {
  const declared = health?.mcp ?? [];
  const users = new Map<string, string[]>();
  inputs.forEach((input, i) => {
    for (const name of needs[i] ?? declared.map((s) => s.name)) users.set(name, [...(users.get(name) ?? []), input.name]);
  });
  return [...users.keys()].sort().map((name): CheckResult => {
    const part = `MCP server '${name}'`;
    const server = declared.find((s) => s.name === name);
    const used = `used by ${users
      .get(name)!
      .map((u) => `'${u}'`)
      .join(', ')}`;
    if (!server) {
      return {
        part,
        status: 'failed',
        detail: `not declared where the API runs (${used})`,
        fix: `declare '${name}' in BATON_MCP_SERVERS or mcpServers of baton.yaml for the API and the workers, then restart them`,
      };
    }
    if (server.reachable === false) {
      return {
        part,
        status: 'failed',
        detail: `does not answer the API over ${server.transport} (declared in ${server.source}; ${used})`,
        fix: `start it, or correct its url in ${server.source}; \`baton mcp tools ${name}\` asks it from here`,
      };
    }
    if (server.reachable === null) {
      return { part, status: 'skipped', detail: `stdio: each worker starts it, so the API does not (${used}); \`baton doctor\` starts it here` };
    }
    return { part, status: 'ok', detail: `answers the API over ${server.transport} (${used})` };
  });
}

/**
 * The checks that need the deployments: each one's task queue has a worker, and the MCP servers
 * its flow calls answer. A deployment the API refuses throws its ValidationError, as a deploy would.
 */
export async function checkDeployments(
  api: ApiClient,
  health: Health | undefined,
  inputs: CreateDeployment[],
  needs: (string[] | undefined)[],
): Promise<CheckResult[]> {
  const resolved = await Promise.all(inputs.map((input) => resolve(api, input)));
  const queues = new Map<string, string[]>();
  for (const d of resolved) queues.set(d.taskQueue, [...(queues.get(d.taskQueue) ?? []), d.name]);
  const workers = await Promise.all([...queues].map(([queue, users]) => checkQueue(api, queue, users)));
  return [...workers, ...checkMcp(health, inputs, needs)];
}
