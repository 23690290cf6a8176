/**
 * `baton automation ls | inspect | pause | resume | delete | apply`: automations through the API.
 * `apply` reads the `automations:` section of baton.yaml and applies each entry in order, after
 * checking every one: a bad entry names itself and its field, and nothing is applied.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { ValidationError, type FieldIssue } from '../core/errors';
import { fieldIssues } from '../core/flow-options';
import { AutomationDefinition, type Automation, type AutomationList } from '../events/schemas';
import type { ApiClient } from './api-client';
import { parse, str, UsageError } from './args';
import { printJson, say, table, terminalSafe, when } from './output';

const triggerText = (a: Automation) => {
  const t = a.trigger;
  if (t.type === 'event') return t.match;
  if (t.type === 'threshold') return `${t.count} × ${t.match} in ${t.withinSeconds}s`;
  return `${t.after} without ${t.expect} in ${t.withinSeconds}s`;
};

const COLUMNS: Record<string, (a: Automation) => unknown> = {
  name: (a) => a.name,
  trigger: (a) => terminalSafe(triggerText(a)),
  actions: (a) => a.actions.map((x) => x.type).join(', '),
  paused: (a) => (a.paused ? 'yes' : 'no'),
  updated: (a) => when(a.updatedAt),
};

/** The automations of a baton.yaml, each checked; one ValidationError names every bad entry and field. */
export function readAutomations(file: string): AutomationDefinition[] {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const section = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).automations : undefined;
  if (!Array.isArray(section) || section.length === 0) throw new ValidationError(file, [{ path: 'automations', message: 'lists no automations' }]);
  const issues: FieldIssue[] = [];
  const parsed: AutomationDefinition[] = [];
  section.forEach((entry, i) => {
    const result = AutomationDefinition.safeParse(entry);
    if (result.success) parsed.push(result.data);
    else for (const issue of fieldIssues(result.error.issues)) issues.push({ ...issue, path: `automations[${i}].${issue.path}` });
  });
  if (issues.length) throw new ValidationError(file, issues);
  return parsed;
}

export async function automationCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  const path = (name: string, rest = '') => `/api/automations/${encodeURIComponent(name)}${rest}`;
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, { json: { type: 'boolean' } });
      const list = await api.call<AutomationList>('GET', '/api/automations');
      if (values.json) printJson(list);
      else say(table(list.automations, COLUMNS));
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const a = await api.call<Automation>('GET', path(positionals[0]!));
      if (values.json) printJson(a);
      else {
        say(table([a], COLUMNS));
        say(`\ntrigger: ${terminalSafe(JSON.stringify(a.trigger))}`);
        for (const action of a.actions) say(`action:  ${terminalSafe(JSON.stringify(action))}`);
        if (a.fired !== null) say(`fired:   ${a.fired}`);
      }
      return 0;
    }
    case 'pause':
    case 'resume': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const a = await api.call<Automation>('POST', path(positionals[0]!, `/${sub}`));
      if (values.json) printJson(a);
      else say(`automation ${a.name} ${a.paused ? 'paused' : 'resumed'}`);
      return 0;
    }
    case 'delete': {
      const { positionals } = parse(args, {}, ['name']);
      await api.call('DELETE', path(positionals[0]!));
      say(`automation ${positionals[0]} deleted`);
      return 0;
    }
    case 'apply': {
      const { values } = parse(args, { file: { type: 'string' }, json: { type: 'boolean' } });
      const definitions = readAutomations(str(values, 'file') ?? 'baton.yaml');
      const applied: Automation[] = [];
      for (const definition of definitions) applied.push(await api.call<Automation>('POST', '/api/automations', definition));
      if (values.json) printJson(applied);
      else say(table(applied, COLUMNS));
      return 0;
    }
    default:
      throw new UsageError(`unknown command 'automation ${sub ?? ''}'`.trim());
  }
}
