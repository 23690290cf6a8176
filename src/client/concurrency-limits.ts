/**
 * `client.concurrencyLimits`: global concurrency and rate limits, each held by a workflow of its
 * own (`baton-limit/<name>`, see workflows/concurrency-limit.ts). Created by starting it, read by
 * query, changed and deleted by update (the workflow validates), listed through visibility.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  LIMIT_CONFIGURE_SIGNAL,
  LIMIT_CONFIGURE_UPDATE,
  LIMIT_DELETE_UPDATE,
  LIMIT_MEMO,
  LIMIT_STATE_QUERY,
  LIMIT_WORKFLOW,
  limitWorkflowId,
  type LimitInput,
  type LimitMemo,
  type LimitPatch,
  type LimitState,
} from '../core/concurrency-limits';
import { ConflictError, NotFoundError, ValidationError, WorkerUnavailableError } from '../core/errors';
import { fieldIssues } from '../core/flow-options';
import { CreateConcurrencyLimit, LimitName, UpdateConcurrencyLimit, type ConcurrencyLimit } from '../core/schemas/concurrency-limit';
import type { Payload } from '@temporalio/common';
import type { ZodType } from 'zod';
import type { ClientContext } from './client-context';
import { isNoPoller } from './temporal-values';
import { itemDeadline, quote, readEach } from './visibility';

/** Milliseconds a read waits for the limit's worker to answer. */
const QUERY_DEADLINE_MS = 5_000;
/** Milliseconds a list waits for each limit's worker. */
const LIST_QUERY_DEADLINE_MS = 3_000;
/** Milliseconds a whole list may take asking limits: well inside the API's 10 s per request. */
const LIST_BUDGET_MS = 7_000;
/** Milliseconds a create waits for visibility to list the new limit. */
const SETTLE_MS = 4_000;
/** Milliseconds a delete waits for the limit's worker before it terminates the limit instead. */
const DELETE_DEADLINE_MS = 5_000;
/** Limits a list reads at most. */
const LIST_LIMIT = 1_000;

const RUNNING = `WorkflowType = ${quote(LIMIT_WORKFLOW)} AND ExecutionStatus = 'Running'`;

function parsed<T>(schema: ZodType<T>, value: unknown, target: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(target, fieldIssues(result.error.issues));
  return result.data;
}

/** The API's view of a limit's state. */
export function limitOf(state: LimitState): ConcurrencyLimit {
  const occupied = state.holders.reduce((n, h) => n + h.slots, 0) + state.decaying.length;
  return {
    name: state.name,
    ...state.settings,
    occupied,
    holders: state.holders.map(({ leaseId, slots, party, acquiredAt }) => ({ leaseId, slots, party, acquiredAt })),
    waiters: state.waiters.map(({ leaseId, slots, party, queuedAt }) => ({ leaseId, slots, party, queuedAt })),
    granted: state.granted,
    live: true,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/** A limit as its memo has it, when its workflow does not answer: settings only. */
function limitOfMemo(memo: LimitMemo): ConcurrencyLimit {
  return { name: memo.name, ...memo.settings, occupied: 0, holders: [], waiters: [], granted: 0, live: false, createdAt: memo.createdAt, updatedAt: memo.updatedAt };
}

export class ConcurrencyLimits {
  constructor(private readonly ctx: Pick<ClientContext, 'temporal' | 'workflowService' | 'namespace' | 'defaultTaskQueue'>) {}

  private handle(name: string): WorkflowHandle {
    return this.ctx.temporal.workflow.getHandle(limitWorkflowId(name));
  }

  /** The limit's handle, when its workflow runs; NotFoundError otherwise. */
  private async running(name: string): Promise<WorkflowHandle & { taskQueue?: string }> {
    parsed(LimitName, name, 'concurrency limit name');
    const handle = this.handle(name);
    const described = await handle.describe().then(
      (d) => ({ status: d.status.name, taskQueue: d.taskQueue }),
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND', taskQueue: undefined };
        throw err;
      },
    );
    if (described.status !== 'RUNNING') throw new NotFoundError(`no concurrency limit named '${name}'`);
    return Object.assign(handle, { taskQueue: described.taskQueue });
  }

  /** Creates a limit; ConflictError when one has that name. `idleSeconds`: it ends itself after that long unused (per-key limits). */
  async create(input: CreateConcurrencyLimit, idleSeconds?: number): Promise<ConcurrencyLimit> {
    const { name, slots, slotDecayPerSecond, active } = parsed(CreateConcurrencyLimit, input, 'concurrency limit');
    const now = new Date().toISOString();
    const state: LimitState = {
      name,
      ...(idleSeconds ? { idleSeconds } : {}),
      settings: { slots, slotDecayPerSecond, active },
      holders: [],
      waiters: [],
      decaying: [],
      granted: 0,
      createdAt: now,
      updatedAt: now,
    };
    const memo: LimitMemo = { name, settings: state.settings, createdAt: now, updatedAt: now };
    try {
      await this.ctx.temporal.workflow.start(LIMIT_WORKFLOW, {
        workflowId: limitWorkflowId(name),
        taskQueue: this.ctx.defaultTaskQueue,
        args: [{ state } satisfies LimitInput],
        memo: { [LIMIT_MEMO]: memo },
        staticSummary: `concurrency limit ${name}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError(`a concurrency limit named '${name}' already exists`);
      throw err;
    }
    await this.settle(name);
    return limitOf(state);
  }

  /** Creates the limit unless it exists (what a per-key limit does on first use); answers whether it created it. */
  async ensure(input: CreateConcurrencyLimit, idleSeconds?: number): Promise<boolean> {
    try {
      await this.create(input, idleSeconds);
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  /** Waits (bounded) until visibility lists the limit, so a list right after a create shows it. */
  private async settle(name: string): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      const found = await this.names(name).catch(() => []);
      if (found.length) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Running limits by name, each with the memo visibility holds for it (its last settings), if it reads. */
  private async names(name?: string): Promise<{ name: string; memo?: LimitMemo }[]> {
    const query = name ? `${RUNNING} AND WorkflowId = ${quote(limitWorkflowId(name))}` : RUNNING;
    const prefix = limitWorkflowId('');
    const found: { name: string; memo?: LimitMemo }[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.ctx.workflowService.listWorkflowExecutions({ namespace: this.ctx.namespace, pageSize: 500, nextPageToken, query });
      for (const e of page.executions ?? []) {
        const id = e.execution?.workflowId ?? '';
        if (id.startsWith(prefix) && found.length < LIST_LIMIT) found.push({ name: id.slice(prefix.length), memo: await this.memoOf(e.memo?.fields?.[LIMIT_MEMO]) });
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && found.length < LIST_LIMIT);
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A limit's memo through the client's codecs; one that does not read (a key since dropped) is absent. */
  private async memoOf(payload: Payload | null | undefined): Promise<LimitMemo | undefined> {
    if (!payload) return undefined;
    try {
      const converter = this.ctx.temporal.options.loadedDataConverter;
      let payloads = [payload];
      for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
      return converter.payloadConverter.fromPayload<LimitMemo>(payloads[0]!);
    } catch {
      return undefined;
    }
  }

  /** The limit now: settings, holders and waiters (read from its workflow). */
  async get(name: string): Promise<ConcurrencyLimit> {
    const handle = await this.running(name);
    try {
      return limitOf(await this.ctx.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<LimitState>(LIMIT_STATE_QUERY)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no concurrency limit named '${name}'`);
      const code = (err as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
      if (code === 4 || isNoPoller(err)) {
        throw new WorkerUnavailableError(
          `no worker answered for concurrency limit '${name}' within ${QUERY_DEADLINE_MS / 1000} s: a limit is held by a workflow on task queue '${handle.taskQueue ?? this.ctx.defaultTaskQueue}', run by any Baton worker there`,
          limitWorkflowId(name),
        );
      }
      throw err;
    }
  }

  /**
   * Every limit, by name. Each is asked for its state, 16 at a time, with a deadline that keeps the
   * whole list inside a request's; one that does not answer in time (no worker runs it, or it ended
   * as it was read) is listed with the settings visibility holds for it (`live: false`), so one
   * silent limit never fails the list.
   */
  async list(): Promise<ConcurrencyLimit[]> {
    const end = Date.now() + LIST_BUDGET_MS;
    const found = await this.names();
    const limits = await readEach(
      found,
      async ({ name, memo }) => {
        const deadline = itemDeadline(end, LIST_QUERY_DEADLINE_MS);
        try {
          if (deadline !== undefined) return limitOf(await this.ctx.temporal.withDeadline(deadline, () => this.handle(name).query<LimitState>(LIMIT_STATE_QUERY)));
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return undefined;
        }
        return memo ? limitOfMemo(memo) : undefined;
      },
      16,
    );
    return limits.filter((l): l is ConcurrencyLimit => l !== undefined);
  }

  /** Changes slots, slot decay or active; holders keep their slots (fewer slots take effect as they give them back). */
  async update(name: string, patch: LimitPatch): Promise<ConcurrencyLimit> {
    const checked = parsed(UpdateConcurrencyLimit, patch, 'concurrency limit update');
    const handle = await this.running(name);
    try {
      return limitOf(await handle.executeUpdate<LimitState, [LimitPatch]>(LIMIT_CONFIGURE_UPDATE, { args: [checked] }));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no concurrency limit named '${name}'`);
      if (err instanceof WorkflowUpdateFailedError) throw new ValidationError('concurrency limit update', [{ path: '', message: err.cause?.message ?? err.message }]);
      throw err;
    }
  }

  /**
   * The same change as `update`, sent as a signal: Temporal keeps it, and the limit takes it when a
   * worker next runs it, so no worker needs to answer now. NotFoundError when there is no such limit.
   */
  async configureWhenRun(name: string, patch: LimitPatch): Promise<void> {
    const checked = parsed(UpdateConcurrencyLimit, patch, 'concurrency limit update');
    const handle = await this.running(name);
    await handle.signal(LIMIT_CONFIGURE_SIGNAL, checked).catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? new NotFoundError(`no concurrency limit named '${name}'`) : err;
    });
  }

  /** The settings the limit was last given, read from its memo: no worker needs to answer. */
  async lastSettings(name: string): Promise<LimitMemo['settings'] | undefined> {
    try {
      return ((await this.handle(name).describe()).memo?.[LIMIT_MEMO] as LimitMemo | undefined)?.settings;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Deletes the limit: its waiters go on without a slot, and later requests fail as for an unknown
   * limit. A limit no worker runs (nobody answers within DELETE_DEADLINE_MS) is terminated: with
   * no worker it could grant nothing anyway.
   */
  async delete(name: string): Promise<void> {
    const handle = await this.running(name);
    try {
      await this.ctx.temporal.withDeadline(Date.now() + DELETE_DEADLINE_MS, async () => {
        await handle.executeUpdate(LIMIT_DELETE_UPDATE);
        await handle.result();
      });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no concurrency limit named '${name}'`);
      const code = (err as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
      if (code !== 4) throw err;
      await handle.terminate('concurrency limit deleted while no worker ran it').catch((e: unknown) => {
        if (!(e instanceof WorkflowNotFoundError)) throw e;
      });
    }
  }
}
