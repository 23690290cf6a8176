/** `baton flow-run ls | inspect | watch | logs | cancel | retry`. */
import type { FlowRun, FlowRunList, StartedRun } from '../core/schemas';
import type { ApiClient } from './api-client';
import { list, parse, positiveInt, str, UsageError } from './args';
import { printJson, say, table, when } from './output';
import { pauseOrResume } from './approval-commands';
import { watchRun } from './watch';
import { watchStream } from './stream-watch';
import { watchProgress } from './progress-watch';
import { flowRunLogs } from './run-log-commands';

export async function flowRun(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  const path = (id: string, rest = '') => `/api/flow-runs/${encodeURIComponent(id)}${rest}`;
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, {
        deployment: { type: 'string' },
        flow: { type: 'string' },
        state: { type: 'string' },
        tag: { type: 'string' },
        name: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      });
      const q = new URLSearchParams();
      for (const key of ['deployment', 'flow', 'state', 'tag', 'name', 'since', 'until']) {
        const v = str(values, key);
        if (v) q.set(key, v);
      }
      q.set('pageSize', String(positiveInt(values, 'limit') ?? 20));
      const page = await api.call<FlowRunList>('GET', `/api/flow-runs?${q}`);
      if (values.json) printJson(page);
      else {
        say(
          table(page.flowRuns, {
            id: (r) => r.id,
            name: (r) => r.runName,
            flow: (r) => r.flowName,
            state: (r) => r.state,
            deployment: (r) => r.deployment,
            started: (r) => when(r.startTime),
          }),
        );
      }
      return 0;
    }
    case 'inspect': {
      const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['id']);
      const run = await api.call<FlowRun>('GET', path(positionals[0]!));
      if (values.json) printJson(run);
      else {
        say(`flow run   ${run.id}\nname       ${run.runName ?? '-'}\nflow       ${run.flowName}\nstate      ${run.state}`);
        say(`deployment ${run.deployment ?? '-'}\nstarted    ${when(run.startTime)}\nended      ${when(run.endTime)}`);
        say(`parameters ${JSON.stringify(run.parameters)}`);
        if (run.state === 'Completed') say(`result     ${JSON.stringify(run.result)}`);
        if (run.error) say(`error      ${run.error.type ? `${run.error.type}: ` : ''}${run.error.message}`);
        if (run.webUrl) say(`web ui     ${run.webUrl}`);
        say(
          '\n' +
            table(run.taskRuns, {
              task: (t) => t.runName ?? t.name,
              kind: (t) => t.kind,
              state: (t) => t.state,
              attempts: (t) => t.attempts,
              started: (t) => when(t.startTime),
              ...(run.taskRuns.some((t) => t.usage) ? { tokens: (t: (typeof run.taskRuns)[number]) => (t.usage ? String(t.usage.totalTokens ?? '-') : '') } : {}),
              error: (t) => t.error?.message,
            }),
        );
      }
      return 0;
    }
    case 'watch': {
      const { values, positionals } = parse(
        args,
        { json: { type: 'boolean' }, topic: { type: 'string', multiple: true }, from: { type: 'string' }, states: { type: 'boolean' }, progress: { type: 'boolean' } },
        ['id'],
      );
      if (values.progress) {
        if (values.states || values.topic || values.from !== undefined) throw new UsageError('--progress takes no --states, --topic or --from');
        return watchProgress(api, positionals[0]!, { json: Boolean(values.json) });
      }
      if (values.states) {
        // The task runs' states instead of the stream, as `run --watch` prints them.
        if (values.topic || values.from !== undefined) throw new UsageError('--states takes no --topic or --from');
        const final = await watchRun(api, positionals[0]!, { json: Boolean(values.json) });
        return final.state === 'Completed' ? 0 : 1;
      }
      const from = str(values, 'from');
      if (from !== undefined && !/^\d{1,15}$/.test(from)) throw new UsageError(`--from must be a whole number ≥ 0 (a seq), got '${from}'`);
      return watchStream(api, positionals[0]!, { topics: list(values, 'topic'), from: from === undefined ? undefined : Number(from), json: Boolean(values.json) });
    }
    case 'logs':
      return flowRunLogs(api, args);
    case 'cancel': {
      const { positionals } = parse(args, {}, ['id']);
      await api.call('POST', path(positionals[0]!, '/cancel'));
      say(`cancellation of ${positionals[0]} requested`);
      return 0;
    }
    case 'retry': {
      const { values, positionals } = parse(
        args,
        { watch: { type: 'boolean' }, json: { type: 'boolean' }, restart: { type: 'boolean' }, 'from-failure': { type: 'boolean' } },
        ['id'],
      );
      if (values.restart && values['from-failure']) throw new UsageError('give --restart or --from-failure, not both');
      const mode = values.restart ? 'restart' : values['from-failure'] ? 'from-failure' : undefined;
      const run = await api.call<StartedRun & { mode: string }>('POST', path(positionals[0]!, '/retry'), mode ? { mode } : {});
      if (!values.watch) {
        if (values.json) printJson(run);
        else if (run.mode === 'from-failure') say(`retrying flow run ${run.id} from its first failed task`);
        else say(`started flow run ${run.id} (${run.runName ?? '-'}), a retry of ${positionals[0]}`);
        return 0;
      }
      const final = await watchRun(api, run.id, { json: Boolean(values.json) });
      return final.state === 'Completed' ? 0 : 1;
    }
    case 'pause':
    case 'resume':
      return pauseOrResume(api, sub, args);
    default:
      throw new UsageError(`unknown command 'flow-run ${sub ?? ''}'`);
  }
}
