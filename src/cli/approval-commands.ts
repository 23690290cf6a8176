/** `baton approval ls | approve | reject` and `baton flow-run pause | resume`. */
import fs from 'node:fs';
import type { ApprovalList } from '../core/schemas';
import type { ApiClient } from './api-client';
import { list, params, parse, positiveInt, str, UsageError } from './args';
import { printJson, say, table, when } from './output';

export async function approvalCommand(api: ApiClient, sub: string | undefined, args: string[]): Promise<number> {
  switch (sub) {
    case 'ls': {
      const { values } = parse(args, { flow: { type: 'string' }, deployment: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
      const q = new URLSearchParams();
      if (str(values, 'flow')) q.set('flow', str(values, 'flow')!);
      if (str(values, 'deployment')) q.set('deployment', str(values, 'deployment')!);
      q.set('pageSize', String(positiveInt(values, 'limit') ?? 50));
      const page = await api.call<ApprovalList>('GET', `/api/approvals?${q}`);
      if (values.json) printJson(page);
      else {
        say(
          table(page.approvals, {
            run: (a) => a.flowRunId,
            name: (a) => a.runName,
            key: (a) => a.key,
            asks: (a) => a.description,
            input: (a) => (a.inputSchema ? Object.keys((a.inputSchema.properties as object) ?? {}) : null),
            since: (a) => when(a.since),
          }),
        );
      }
      return 0;
    }
    case 'approve':
    case 'reject': {
      const { values, positionals } = parse(
        args,
        { input: { type: 'string', multiple: true }, 'input-file': { type: 'string' }, comment: { type: 'string' }, json: { type: 'boolean' } },
        ['run', 'key'],
      );
      let input: unknown = undefined;
      const file = str(values, 'input-file');
      if (file && list(values, 'input').length) throw new UsageError('give either --input or --input-file, not both');
      if (file) {
        try {
          input = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
          throw new UsageError(`--input-file ${file}: ${(err as Error).message}`);
        }
      } else if (list(values, 'input').length) input = params(list(values, 'input'));
      const [run, key] = positionals as [string, string];
      const result = await api.call<{ decision: string; decidedBy: string }>('POST', `/api/flow-runs/${encodeURIComponent(run)}/approvals/${encodeURIComponent(key)}`, {
        decision: sub,
        ...(input !== undefined ? { input } : {}),
        ...(str(values, 'comment') ? { comment: str(values, 'comment') } : {}),
      });
      if (values.json) printJson(result);
      else say(`${key} on ${run}: ${result.decision === 'approve' ? 'approved' : 'rejected'} by ${result.decidedBy}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command 'approval ${sub ?? ''}'`);
  }
}

export async function pauseOrResume(api: ApiClient, action: 'pause' | 'resume', args: string[]): Promise<number> {
  const { values, positionals } = parse(args, action === 'resume' ? { key: { type: 'string' } } : {}, ['id']);
  const id = positionals[0]!;
  await api.call(
    'POST',
    `/api/flow-runs/${encodeURIComponent(id)}/${action}`,
    action === 'resume' ? (str(values, 'key') ? { key: str(values, 'key') } : {}) : undefined,
  );
  say(`${action} of ${id} requested`);
  return 0;
}
