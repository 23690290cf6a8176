/**
 * Deployments: a deployment is one Temporal Schedule (id `deployment-<name>`). Its metadata (flow,
 * default parameters, description, version, tags, task queue, schedules as written) lives in the
 * schedule's start-workflow action memo, which Temporal lets us update, and is copied onto every
 * run it starts; flow, deployment and tags are also schedule search attributes, for listing. A
 * deployment with no schedule is a paused schedule with no spec. Nothing is stored elsewhere.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Backfill, CreateDeployment, Deployment, DeploymentList, ListDeploymentsQuery, RunDeployment, UpdateDeployment } from '../core/schemas';
import { ConflictError, NotFoundError, ParameterValidationError, ValidationError } from '../core/errors';
import { parseParameters, type FlowOptions } from '../core/flow-options';
import { DEPLOYMENT, FLOW_NAME, TAGS } from '../core/search-attributes';
import type { AnyFlow } from '../workflows/flow';
import type { ClientContext } from './client-context';
import type { FlowRunHandle } from './flow-run-handle';
import type { FlowRuns } from './flow-runs';
import { pageTokenBytes, pageTokenText, quote, readEach } from './visibility';
import { checkDeployment, checkEach } from './deployment-check';
import { deploymentConcurrencyMemo, deploymentOf, metaOf, OVERLAP, scheduleIdOf, scheduleOptions, scheduleUpdate, type DeploymentMeta } from './deployment-schedule';
import { ConcurrencyLimits } from './concurrency-limits';
import { deploymentLimitName } from '../core/concurrency-limits';

/**
 * How long a run trigger may reuse a deployment it read (milliseconds). Reading a deployment is a
 * DescribeSchedule, which queries the schedule's workflow and dominates a REST trigger's latency;
 * a run started within this window after another API process changed the deployment uses the
 * settings from before the change. This process's own changes take effect at once.
 */
export const DEPLOYMENT_READ_TTL_MS = 2_000;

/**
 * Temporal's own refusal of what a deployment would make (a schedule spec its server cannot hold,
 * such as a timezone its zone database lacks, or a value past one of its limits) as a 400 naming
 * the schedules and Temporal's reason; any other error unchanged. Nothing was created or changed.
 */
export function refusedByTemporal(err: unknown): unknown {
  // The SDK turns "Invalid schedule spec" into a TypeError thrown from its gRPC error mapping.
  if (err instanceof TypeError && /rethrowGrpcError/.test(err.stack ?? '')) {
    return new ValidationError('deployment', [{ path: 'schedules', message: `Temporal refused the schedule: ${err.message}` }]);
  }
  const cause = (err as { cause?: { code?: unknown; details?: unknown } } | undefined)?.cause;
  if (cause?.code === 3 && typeof cause.details === 'string') {
    return new ValidationError('deployment', [{ path: '', message: `Temporal refused the deployment: ${cause.details}` }]);
  }
  return err;
}

export class Deployments {
  private readonly recent = new Map<string, { at: number; deployment: Deployment }>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly runs: Pick<FlowRuns, 'startWithKey'>,
  ) {}

  /** A deployment read no longer ago than DEPLOYMENT_READ_TTL_MS, or read now. */
  private async getForRun(name: string): Promise<Deployment> {
    const hit = this.recent.get(name);
    if (hit && Date.now() - hit.at < DEPLOYMENT_READ_TTL_MS) return hit.deployment;
    const deployment = await this.get(name);
    this.recent.set(name, { at: Date.now(), deployment });
    if (this.recent.size > 1_000) this.recent.delete(this.recent.keys().next().value!);
    return deployment;
  }

  private handle(name: string): ScheduleHandle {
    return this.ctx.temporal.schedule.getHandle(scheduleIdOf(name));
  }

  private flowOf(name: string): AnyFlow {
    const flow = this.ctx.flow(name);
    if (!flow) {
      throw new ParameterValidationError('deployment', [
        { path: 'flow', message: `no flow named '${name}' is registered (known: ${this.ctx.flows.map((f) => f.flowName).join(', ') || 'none'})` },
      ]);
    }
    return flow;
  }

  private async describeRaw(name: string): Promise<ScheduleDescription> {
    try {
      return await this.handle(name).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no deployment named '${name}'`);
      throw err;
    }
  }

  /** Runs every check (deployment-check.ts) and builds what Baton stores; changes nothing. */
  private buildMeta(unchecked: CreateDeployment, previous: DeploymentMeta | undefined): { meta: DeploymentMeta; flow: AnyFlow } {
    const { input, flow } = checkDeployment(unchecked, this.ctx.flows);
    const parameters = input.parameters ?? {};
    const schedules = input.schedules ?? [];
    const now = new Date().toISOString();
    const meta: DeploymentMeta = {
      deployment: input.name,
      flow: input.flow,
      description: input.description ?? null,
      version: input.version ?? null,
      tags: [...new Set([...(flow.options.tags ?? []), ...(input.tags ?? [])])],
      parameters,
      taskQueue: input.taskQueue ?? this.ctx.defaultTaskQueue,
      schedules,
      startAt: input.startAt ?? null,
      endAt: input.endAt ?? null,
      jitterSeconds: input.jitterSeconds ?? null,
      overlap: input.overlap ?? 'skip',
      catchupWindowSeconds: input.catchupWindowSeconds ?? null,
      paused: input.paused ?? false,
      concurrencyLimit: input.concurrencyLimit ?? null,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
    return { meta, flow };
  }

  /**
   * Creates the deployment, or replaces its settings when it exists (idempotent by name). The
   * input is checked first as the API and CLI check it (its shape, a registered flow, parameters
   * valid for the flow's schema, schedules); a ValidationError naming each bad field changes nothing.
   */
  async apply(input: CreateDeployment): Promise<{ deployment: Deployment; created: boolean }> {
    const { meta, flow } = this.buildMeta(input, undefined);
    this.recent.delete(meta.deployment);
    const options = scheduleOptions(meta, flow);
    let created = true;
    try {
      await this.ctx.temporal.schedule.create({ scheduleId: scheduleIdOf(meta.deployment), ...options });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw refusedByTemporal(err);
      created = false;
      await this.handle(meta.deployment)
        .update((previous) => scheduleUpdate({ ...meta, createdAt: metaOf(previous).createdAt }, flow))
        .catch((e: unknown) => Promise.reject(refusedByTemporal(e)));
    }
    await this.syncLimit(meta);
    return { deployment: await this.get(meta.deployment), created };
  }

  /**
   * Applies several deployments, checking every one before creating any: a bad entry (unknown
   * flow, bad parameters or schedule, a name used twice) throws one ValidationError naming it
   * (`deployments[1].schedules.0.cron`) and nothing is created or changed.
   */
  async applyAll(inputs: readonly CreateDeployment[]): Promise<{ deployment: Deployment; created: boolean }[]> {
    await checkEach(inputs, (input) => checkDeployment(input, this.ctx.flows));
    const applied: { deployment: Deployment; created: boolean }[] = [];
    for (const input of inputs) applied.push(await this.apply(input));
    return applied;
  }

  /**
   * What `apply(input)` would create, after the same checks, without creating or changing
   * anything (the API's `dryRun`). Run times and history are empty: nothing is scheduled yet.
   */
  check(input: CreateDeployment): Deployment {
    const { meta } = this.buildMeta(input, undefined);
    const { deployment, createdAt, updatedAt, ...settings } = meta;
    void createdAt;
    void updatedAt;
    return {
      ...settings,
      concurrencyLimit: settings.concurrencyLimit ?? null,
      name: deployment,
      paused: meta.paused || meta.schedules.length === 0,
      nextRunTimes: [],
      recentRuns: [],
      createdAt: null,
      updatedAt: null,
    };
  }

  /** Changes some settings of a deployment. */
  async update(name: string, patch: UpdateDeployment): Promise<Deployment> {
    this.recent.delete(name);
    const before = metaOf(await this.describeRaw(name));
    const merged: CreateDeployment = {
      name,
      flow: patch.flow ?? before.flow,
      description: patch.description ?? before.description ?? undefined,
      version: patch.version ?? before.version ?? undefined,
      tags: patch.tags ?? before.tags,
      parameters: patch.parameters ?? before.parameters,
      taskQueue: patch.taskQueue ?? before.taskQueue,
      schedules: patch.schedules ?? before.schedules,
      startAt: patch.startAt ?? before.startAt ?? undefined,
      endAt: patch.endAt ?? before.endAt ?? undefined,
      jitterSeconds: patch.jitterSeconds ?? before.jitterSeconds ?? undefined,
      overlap: patch.overlap ?? before.overlap,
      catchupWindowSeconds: patch.catchupWindowSeconds ?? before.catchupWindowSeconds ?? undefined,
      paused: patch.paused ?? before.paused,
      concurrencyLimit: patch.concurrencyLimit !== undefined ? patch.concurrencyLimit : (before.concurrencyLimit ?? null),
    };
    const { meta, flow } = this.buildMeta(merged, before);
    await this.whileExists(name, () => this.handle(name).update(() => scheduleUpdate(meta, flow))).catch((e: unknown) => Promise.reject(refusedByTemporal(e)));
    // Pausing, resuming or any other change leaves the limit alone.
    if (patch.concurrencyLimit !== undefined || patch.taskQueue !== undefined) await this.syncLimit(meta);
    return this.get(name);
  }

  async get(name: string): Promise<Deployment> {
    return deploymentOf(await this.describeRaw(name));
  }

  /** Deployments, filtered by flow and tag, a page at a time. */
  async list(query: Partial<ListDeploymentsQuery> = {}): Promise<DeploymentList> {
    const clauses = [`${DEPLOYMENT.name} IS NOT NULL`];
    if (query.flow) clauses.push(`${FLOW_NAME.name} = ${quote(query.flow)}`);
    if (query.tag) clauses.push(`${TAGS.name} = ${quote(query.tag)}`);
    const response = await this.ctx.workflowService.listSchedules({
      namespace: this.ctx.namespace,
      maximumPageSize: query.pageSize ?? 50,
      nextPageToken: pageTokenBytes(query.pageToken),
      query: clauses.join(' AND '),
    });
    const ids = (response.schedules ?? []).map((s) => s.scheduleId ?? '').filter((id) => id.startsWith('deployment-'));
    const read = await readEach(ids, (id) =>
      this.get(id.slice('deployment-'.length)).catch((err: unknown) => {
        // Deleted between the listing and the read: skip it.
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }),
    );
    const deployments = read.filter((d): d is Deployment => d !== undefined);
    return { deployments, nextPageToken: pageTokenText(response.nextPageToken) };
  }

  async delete(name: string): Promise<void> {
    this.recent.delete(name);
    await this.describeRaw(name);
    await this.whileExists(name, () => this.handle(name).delete());
    await this.syncLimit({ deployment: name, concurrencyLimit: null, taskQueue: this.ctx.defaultTaskQueue });
  }

  /**
   * Makes the limit `deployment:<name>` match the deployment's `concurrencyLimit`: created (on the
   * deployment's task queue, where its workers run it) or its slots changed; deleted when the
   * deployment has none. Runs that wait keep their place. Nothing here waits for a worker of the
   * deployment's queue: a new slot count goes as a signal the limit takes when a worker runs it.
   */
  private async syncLimit(meta: Pick<DeploymentMeta, 'deployment' | 'concurrencyLimit' | 'taskQueue'>): Promise<void> {
    const limits = new ConcurrencyLimits({ ...this.ctx, defaultTaskQueue: meta.taskQueue });
    const name = deploymentLimitName(meta.deployment);
    const wanted = meta.concurrencyLimit;
    if (!wanted) {
      await limits.delete(name).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
      return;
    }
    if (await limits.ensure({ name, slots: wanted.limit })) return;
    const current = await limits.lastSettings(name);
    if (current?.slots !== wanted.limit) await limits.configureWhenRun(name, { slots: wanted.limit });
  }

  /** `act` on a deployment read a moment ago: deleted in between (another caller), it is a NotFoundError, not a failure. */
  private async whileExists<T>(name: string, act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no deployment named '${name}'`);
      throw err;
    }
  }

  /** Stops scheduled runs until resumed. */
  async pause(name: string): Promise<Deployment> {
    return this.update(name, { paused: true });
  }

  /** Restarts scheduled runs. */
  async resume(name: string): Promise<Deployment> {
    const current = await this.get(name);
    if (current.schedules.length === 0) {
      throw new ConflictError(`deployment '${name}' has no schedule to resume; add one with PATCH /api/deployments/${name}`);
    }
    return this.update(name, { paused: false });
  }

  /** Starts the runs the schedule would have started between `start` and `end`. */
  async backfill(name: string, input: Backfill): Promise<void> {
    const current = await this.get(name);
    if (current.schedules.length === 0) throw new ConflictError(`deployment '${name}' has no schedule to backfill`);
    await this.handle(name).backfill({
      start: new Date(input.start),
      end: new Date(input.end),
      overlap: OVERLAP[input.overlap ?? 'allow_all'],
    });
  }

  /**
   * Starts a run of the deployment: its default parameters merged under the run's, validated
   * against the flow's schema before anything starts.
   */
  async run(name: string, input: RunDeployment = {}): Promise<{ handle: FlowRunHandle; created: boolean }> {
    const deployment = await this.getForRun(name);
    const flow = this.flowOf(deployment.flow);
    const parameters = { ...deployment.parameters, ...(input.parameters ?? {}) };
    parseParameters(flow.flowName, (flow.options as FlowOptions<unknown>).parameters, parameters);
    const delay = input.scheduledTime ? (Date.parse(input.scheduledTime) - Date.now()) / 1000 : 0;
    return this.runs.startWithKey(flow, parameters, {
      deployment: name,
      taskQueue: deployment.taskQueue,
      tags: [...new Set([...deployment.tags, ...(input.tags ?? [])])],
      runName: input.runName,
      idempotencyKey: input.idempotencyKey,
      startDelaySeconds: delay > 0 ? delay : undefined,
      memo: deploymentConcurrencyMemo({ deployment: name, concurrencyLimit: deployment.concurrencyLimit }),
    });
  }
}
