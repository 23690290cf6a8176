/**
 * Automations stored in Temporal: one long-running workflow per automation
 * (`baton-automation/<name>`) holds its definition in its memo and its trigger state in its
 * variables; pause, resume and update are signals, delete terminates it. Lists are visibility
 * queries over running automation workflows. A change is answered once visibility shows it, so an
 * event sent after the answer is matched against the automation as changed.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { BatonClient } from '../client/client';
import { quote } from '../client/visibility';
import { NotFoundError } from '../core/errors';
import {
  AUTOMATION_MEMO,
  AUTOMATION_PAUSE_SIGNAL,
  AUTOMATION_RESUME_SIGNAL,
  AUTOMATION_STATE_QUERY,
  AUTOMATION_UPDATE_SIGNAL,
  AUTOMATION_WORKFLOW,
  automationWorkflowId,
  type AutomationDefinition as StoredDefinition,
  type AutomationInput,
  type AutomationMemo,
  type AutomationState,
} from '../core/events';
import { decodeMemo } from './payloads';
import type { Automation, AutomationDefinition } from './schemas';

/** Milliseconds a change waits for visibility to show it before answering anyway. */
/** How long a change waits to show in visibility: well within a request's Temporal deadline (10 s by default). */
const SETTLE_MS = 4_000;
/** Automations a list reads at most. */
const LIST_LIMIT = 1_000;

const RUNNING = `WorkflowType = ${quote(AUTOMATION_WORKFLOW)} AND ExecutionStatus = 'Running'`;

export function automationOf(memo: AutomationMemo, fired: number | null = null): Automation {
  const { name, description, trigger, actions } = memo.definition;
  return { name, description: description ?? null, trigger, actions, paused: memo.paused, createdAt: memo.createdAt, updatedAt: memo.updatedAt, fired };
}

const sameDefinition = (a: StoredDefinition, b: StoredDefinition) => JSON.stringify(a) === JSON.stringify(b);

export class Automations {
  constructor(
    private readonly client: BatonClient,
    private readonly queue?: string,
  ) {}

  private handle(name: string): WorkflowHandle {
    return this.client.temporal.workflow.getHandle(automationWorkflowId(name));
  }

  /** Memos of the running automation workflows, as visibility has them (optionally one by name). */
  async memos(name?: string): Promise<AutomationMemo[]> {
    const query = name ? `${RUNNING} AND WorkflowId = ${quote(automationWorkflowId(name))}` : RUNNING;
    const codecs = this.client.options.dataConverter?.payloadCodecs ?? [];
    const memos: AutomationMemo[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.client.temporal.workflowService.listWorkflowExecutions({ namespace: this.client.namespace, pageSize: 500, nextPageToken, query });
      for (const e of page.executions ?? []) {
        const memo = (await decodeMemo(codecs, e.memo?.fields?.[AUTOMATION_MEMO])) as AutomationMemo | undefined;
        if (memo?.definition) memos.push(memo);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && memos.length < LIST_LIMIT);
    return memos.sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }

  /** Waits until visibility shows the automation as `settled` says (bounded by SETTLE_MS). */
  private async settle(name: string, settled: (memo: AutomationMemo | undefined) => boolean): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      // Waiting is a courtesy to the caller's next read: a read that fails counts as nothing seen yet.
      const memo = await this.memos(name).then(
        (memos) => memos[0],
        () => undefined,
      );
      if (settled(memo)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Creates the automation, or replaces its definition when one has that name (idempotent by name). */
  async apply(input: AutomationDefinition): Promise<{ automation: Automation; created: boolean }> {
    const { paused, ...rest } = input;
    const definition = rest as StoredDefinition;
    const now = new Date().toISOString();
    const memo: AutomationMemo = { definition, paused: paused ?? false, createdAt: now, updatedAt: now };
    let created = true;
    try {
      const start: AutomationInput = { memo };
      await this.client.temporal.workflow.start(AUTOMATION_WORKFLOW, {
        workflowId: automationWorkflowId(definition.name),
        taskQueue: this.queue ?? this.client.options.taskQueue ?? 'baton',
        args: [start],
        memo: { [AUTOMATION_MEMO]: memo },
        staticSummary: `automation ${definition.name}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
      const handle = this.handle(definition.name);
      await handle.signal(AUTOMATION_UPDATE_SIGNAL, definition);
      if (paused !== undefined) await handle.signal(paused ? AUTOMATION_PAUSE_SIGNAL : AUTOMATION_RESUME_SIGNAL);
    }
    await this.settle(definition.name, (m) => !!m && sameDefinition(m.definition, definition) && (paused === undefined || m.paused === paused));
    return { automation: await this.get(definition.name), created };
  }

  /** Applies several automations, in order. */
  async applyAll(inputs: readonly AutomationDefinition[]): Promise<{ automation: Automation; created: boolean }[]> {
    const applied: { automation: Automation; created: boolean }[] = [];
    for (const input of inputs) applied.push(await this.apply(input));
    return applied;
  }

  async list(): Promise<Automation[]> {
    return (await this.memos()).map((m) => automationOf(m));
  }

  /** The automation as its workflow has it now, with how often a stateful trigger fired (null when its worker does not answer within 2 s). */
  async get(name: string): Promise<Automation> {
    const handle = this.handle(name);
    let memo: AutomationMemo | undefined;
    try {
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') memo = (await description.memo?.[AUTOMATION_MEMO]) as AutomationMemo | undefined;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (!memo) throw new NotFoundError(`no automation named '${name}'`);
    let fired: number | null = null;
    try {
      const state = await this.client.connection.withDeadline(Date.now() + 2_000, () =>
        handle.query<{ memo: AutomationMemo; state: AutomationState }>(AUTOMATION_STATE_QUERY),
      );
      memo = state.memo;
      fired = state.state.fired;
    } catch {
      // No worker answered: the memo is what there is.
    }
    return automationOf(memo, fired);
  }

  private async signal(name: string, signal: string): Promise<void> {
    await this.get(name);
    try {
      await this.handle(name).signal(signal);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no automation named '${name}'`);
      throw err;
    }
  }

  async pause(name: string): Promise<Automation> {
    await this.signal(name, AUTOMATION_PAUSE_SIGNAL);
    await this.settle(name, (m) => m?.paused === true);
    return this.get(name);
  }

  async resume(name: string): Promise<Automation> {
    await this.signal(name, AUTOMATION_RESUME_SIGNAL);
    await this.settle(name, (m) => m?.paused === false);
    return this.get(name);
  }

  /** Deletes the automation: its workflow is terminated, and events no longer match it. */
  async delete(name: string): Promise<void> {
    await this.get(name);
    try {
      await this.handle(name).terminate('automation deleted');
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no automation named '${name}'`);
      throw err;
    }
    await this.settle(name, (m) => m === undefined);
  }
}
