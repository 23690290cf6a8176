/**
 * The checks a deployment passes before anything is created or changed: its shape (the
 * CreateDeployment schema: names, schedule syntax, timezones...), a flow by that name, parameters
 * valid against the flow's schema, and a time window that ends after it starts.
 * `Deployments.apply` runs them, `POST /api/deployments` reaches them through it, and `baton
 * deploy` through the API, so the three cannot drift. Pure: no I/O.
 */
import { z, type ZodType } from 'zod';
import { CreateDeployment } from '../core/schemas';
import { ParameterValidationError, ValidationError, type FieldIssue } from '../core/errors';
import { fieldIssues, type FlowOptions } from '../core/flow-options';
import type { AnyFlow } from '../workflows/flow';

/** A deployment that passed every check, with the flow it runs. */
export interface CheckedDeployment {
  input: CreateDeployment;
  flow: AnyFlow;
}

function unknownFlow(name: string, flows: readonly AnyFlow[]): FieldIssue {
  const known = flows.map((f) => f.flowName).join(', ') || 'none';
  return { path: 'flow', message: `no flow named '${name}' is registered (known: ${known})` };
}

/**
 * Parameters against the flow's schema. Scheduled runs get only the deployment's parameters, so
 * a deployment with a schedule needs a complete set; without one, each run adds its own, and only
 * the fields given are checked.
 */
function parameterIssues(flow: AnyFlow, params: Record<string, unknown>, complete: boolean): FieldIssue[] {
  const schema = (flow.options as FlowOptions<unknown>).parameters as ZodType | undefined;
  if (!schema) return [];
  const checked = !complete && schema instanceof z.ZodObject ? schema.partial() : schema;
  const result = checked.safeParse(params);
  if (result.success) return [];
  return fieldIssues(result.error.issues).map((i) => ({ ...i, path: i.path ? `parameters.${i.path}` : 'parameters' }));
}

function named(input: unknown): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? `deployment '${name}'` : 'deployment';
}

/**
 * The shape check alone (the CreateDeployment schema), for a caller without the flows: the CLI
 * checks a file with it before asking the API about the rest.
 */
export function parseDeployment(input: unknown): CreateDeployment {
  const parsed = CreateDeployment.safeParse(input);
  if (!parsed.success) throw new ValidationError(named(input), fieldIssues(parsed.error.issues));
  return parsed.data;
}

/**
 * Checks one deployment against the registered flows; returns it parsed, or throws a
 * ValidationError naming every bad field (a ParameterValidationError when only the parameters are
 * wrong). Every problem is reported at once, not only the first.
 */
export function checkDeployment(input: unknown, flows: readonly AnyFlow[]): CheckedDeployment {
  const parsed = CreateDeployment.safeParse(input);
  const issues: FieldIssue[] = parsed.success ? [] : fieldIssues(parsed.error.issues);
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const flowName = parsed.success ? parsed.data.flow : raw.flow;
  const flow = typeof flowName === 'string' ? flows.find((f) => f.flowName === flowName) : undefined;
  if (typeof flowName === 'string' && !flow && !issues.some((i) => i.path === 'flow')) issues.push(unknownFlow(flowName, flows));
  if (parsed.success) {
    const d = parsed.data;
    if (flow) issues.push(...parameterIssues(flow, d.parameters ?? {}, (d.schedules ?? []).length > 0));
    if (d.startAt && d.endAt && Date.parse(d.startAt) >= Date.parse(d.endAt)) issues.push({ path: 'endAt', message: 'must be after startAt' });
  }
  if (issues.length === 0) return { input: parsed.data!, flow: flow! };
  const name = named(input);
  if (issues.every((i) => i.path === 'parameters' || i.path.startsWith('parameters.'))) throw new ParameterValidationError(name, issues);
  throw new ValidationError(name, issues);
}

/**
 * Checks every entry of a batch (a `baton.yaml`, a list given to `applyAll`) before any is applied:
 * each with `check`, and no two with one name. Throws one ValidationError that names each bad
 * entry by name and by its place (`deployments[1].schedules.0.cron`); other errors (an unreachable
 * API) are thrown as they come.
 */
export async function checkEach<T>(entries: readonly unknown[], check: (entry: unknown) => T | Promise<T>): Promise<T[]> {
  const issues: FieldIssue[] = [];
  const bad = new Set<string>();
  const checked: T[] = [];
  const names = new Map<string, number>();
  const label = (i: number) => {
    const name = (entries[i] as { name?: unknown } | null)?.name;
    return typeof name === 'string' && name ? `'${name}'` : `#${i}`;
  };
  for (const [i, entry] of entries.entries()) {
    const at = `deployments[${i}]`;
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first === undefined) names.set(name, i);
      else {
        issues.push({ path: `${at}.name`, message: `'${name}' is also the name of deployments[${first}]` });
        bad.add(label(i));
      }
    }
    try {
      checked.push(await check(entry));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      issues.push(...err.issues.map((x) => ({ ...x, path: x.path ? `${at}.${x.path}` : at })));
      bad.add(label(i));
    }
  }
  if (issues.length) throw new ValidationError(`deployment${bad.size > 1 ? 's' : ''} ${[...bad].join(', ')}`, issues);
  return checked;
}
