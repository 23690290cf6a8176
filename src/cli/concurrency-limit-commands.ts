/**
 * `baton concurrency-limit create | ls | inspect | update | delete`: global concurrency and rate
 * limits through the API (Prefect's `prefect gcl create | ls | inspect | update | delete`).
 */
import { LIMIT_NAME_RULE } from '../core/concurrency-limits';
import { LimitName, type ConcurrencyLimit, type ConcurrencyLimitList } from '../core/schemas';
import type { ApiClient } from './api-client';
import { parse, positiveInt, str, UsageError, type Parsed } from './args';
import { printJson, say, table, when } from './output';

const COLUMNS: Record<string, (l: ConcurrencyLimit) => unknown> = {
  name: (l) => l.name,
  slots: (l) => l.slots,
  occupied: (l) => l.occupied,
  waiting: (l) => l.waiters.length,
  decay: (l) => (l.slotDecayPerSecond ? `${l.slotDecayPerSecond}/s` : ''),
  active: (l) => (l.active ? 'yes' : 'no'),
  updated: (l) => when(l.updatedAt),
};

const name = (value: string) => {
  if (!LimitName.safeParse(value).success) throw new UsageError(`<name> ${LIMIT_NAME_RULE}, got '${value}'`);
  return value;
};

function decay(values: Parsed['values']): number | undefined {
  const v = str(values, 'slot-decay-per-second');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1_000) throw new UsageError(`--slot-decay-per-second must be a number from 0 to 1000, got '${v}'`);
  return n;
}

function active(values: Parsed['values']): boolean | undefined {
  const v = str(values, 'active');
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw new UsageError(`--active must be true or false, got '${v}'`);
  return v === 'true';
}

function show(l: ConcurrencyLimit): void {
  say(`${l.name}: ${l.occupied}/${l.slots} slots occupied${l.slotDecayPerSecond ? `, ${l.slotDecayPerSecond} slots/s decay` : ''}${l.active ? '' : ' (inactive)'}`);
  say(`holders (${l.holders.length}):`);
  for (const h of l.holders)
    say(`  ${h.party.flowRunId}${h.party.kind === 'task' ? ` task ${h.party.activityId} #${h.party.attempt}` : ''}  ${h.slots} slot(s)  since ${when(h.acquiredAt)}`);
  say(`waiters, in order (${l.waiters.length}):`);
  for (const w of l.waiters)
    say(`  ${w.party.flowRunId}${w.party.kind === 'task' ? ` task ${w.party.activityId}` : ''}  ${w.slots} slot(s)  since ${when(w.queuedAt)}`);
}

export async function concurrencyLimitCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  const path = (n: string) => `/api/concurrency-limits/${encodeURIComponent(name(n))}`;
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(
        args,
        { slots: { type: 'string' }, 'slot-decay-per-second': { type: 'string' }, inactive: { type: 'boolean' }, json: { type: 'boolean' } },
        ['name'],
      );
      const slots = positiveInt(values, 'slots');
      if (slots === undefined) throw new UsageError('concurrency-limit create needs --slots <n>');
      const created = await api.call<ConcurrencyLimit>('POST', '/api/concurrency-limits', {
        name: name(positionals[0]!),
        slots,
        ...(decay(values) !== undefined ? { slotDecayPerSecond: decay(values) } : {}),
        ...(values.inactive ? { active: false } : {}),
      });
      if (values.json) printJson(created);
      else say(`created concurrency limit ${created.name} (${created.slots} slots)`);
      return 0;
    }
    case 'ls': {
      const { values } = parse(args, { json: { type: 'boolean' } });
      const list = await api.call<ConcurrencyLimitList>('GET', '/api/concurrency-limits');
      if (values.json) printJson(list);
      else say(table(list.limits, COLUMNS));
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['name']);
      const limit = await api.call<ConcurrencyLimit>('GET', path(positionals[0]!));
      if (values.json) printJson(limit);
      else show(limit);
      return 0;
    }
    case 'update': {
      const { values, positionals } = parse(
        args,
        { slots: { type: 'string' }, 'slot-decay-per-second': { type: 'string' }, active: { type: 'string' }, json: { type: 'boolean' } },
        ['name'],
      );
      const patch = { slots: positiveInt(values, 'slots'), slotDecayPerSecond: decay(values), active: active(values) };
      if (Object.values(patch).every((v) => v === undefined)) throw new UsageError('concurrency-limit update needs --slots, --slot-decay-per-second or --active');
      const updated = await api.call<ConcurrencyLimit>('PATCH', path(positionals[0]!), JSON.parse(JSON.stringify(patch)));
      if (values.json) printJson(updated);
      else
        say(
          `updated concurrency limit ${updated.name}: ${updated.slots} slots${updated.slotDecayPerSecond ? `, ${updated.slotDecayPerSecond}/s decay` : ''}, ${updated.active ? 'active' : 'inactive'}`,
        );
      return 0;
    }
    case 'delete': {
      const { positionals } = parse(args, {}, ['name']);
      await api.call('DELETE', path(positionals[0]!));
      say(`deleted concurrency limit ${positionals[0]}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown concurrency-limit command '${sub ?? ''}' (create, ls, inspect, update, delete)`);
  }
}
