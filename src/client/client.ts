/**
 * The Baton client. Its parts are named after concepts: `client.flowRuns` starts, watches and
 * reads flow runs, `client.deployments` manages deployments and their schedules,
 * `client.approvals` lists and decides what people are asked. Parameters are validated here,
 * before anything starts. The client reads no environment variables and keeps the options it is
 * given as they are: `BatonClient.fromConfig(config)` builds them from Baton's configuration.
 *
 * @example
 * const client = await BatonClient.fromConfig(loadConfig(), { flows });
 * const run = await client.flowRuns.start(main, { count: 10 });
 * console.log(await run.result());
 */
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalTarget } from '../server/temporal-server';
import type { AnyFlow } from '../workflows/flow';
import { Approvals } from './approvals';
import { Artifacts } from './artifacts';
import { ConcurrencyLimits } from './concurrency-limits';
import type { ClientContext } from './client-context';
import { Deployments } from './deployments';
import { FlowRuns } from './flow-runs';
import { Variables } from './variables';

export interface BatonClientOptions {
  target: Pick<TemporalTarget, 'connectionOptions' | 'namespace' | 'webUiUrl'>;
  /**
   * Must match the workers' (large payloads go to a blob store through its codec). Default:
   * Temporal's own converter, which cannot read offloaded payloads; `fromConfig` passes Baton's.
   */
  dataConverter?: DataConverter;
  /** Default task queue for new runs and deployments. @default 'baton' */
  taskQueue?: string;
  /** Flows known to this client, so runs can be started by name with validation. */
  flows?: readonly AnyFlow[];
  /** Temporal client interceptors, such as tracing's (flow runs started join the caller's trace). */
  interceptors?: ClientInterceptors;
}

export class BatonClient {
  readonly temporal: Client;
  readonly flowRuns: FlowRuns;
  readonly deployments: Deployments;
  readonly approvals: Approvals;
  /** What runs published for people to read: a run's artifacts, a key's versions. */
  readonly artifacts: Artifacts;
  /** Global concurrency and rate limits: create, read, change, delete. */
  readonly concurrencyLimits: ConcurrencyLimits;
  /** JSON values by name that flows, tasks and people share (Prefect's variables). */
  readonly variables: Variables;
  readonly namespace: string;
  private readonly flowsByName: ReadonlyMap<string, AnyFlow>;

  private constructor(
    readonly connection: Connection,
    readonly options: Readonly<BatonClientOptions>,
  ) {
    this.namespace = options.target.namespace;
    this.temporal = new Client({ connection, namespace: this.namespace, dataConverter: options.dataConverter, interceptors: options.interceptors });
    this.flowsByName = new Map((options.flows ?? []).map((f) => [f.flowName, f]));
    const context: ClientContext = {
      temporal: this.temporal,
      workflowService: this.temporal.workflowService,
      namespace: this.namespace,
      defaultTaskQueue: options.taskQueue ?? 'baton',
      payloadCodecs: options.dataConverter?.payloadCodecs ?? [],
      flow: (name) => this.flowsByName.get(name),
      flows: [...this.flowsByName.values()],
      webUrl: (id, runId) => this.webUrl(id, runId),
    };
    this.flowRuns = new FlowRuns(context);
    this.deployments = new Deployments(context, this.flowRuns);
    this.approvals = new Approvals(context);
    this.artifacts = new Artifacts(context);
    this.concurrencyLimits = new ConcurrencyLimits(context);
    this.variables = new Variables(context);
  }

  static async connect(options: BatonClientOptions): Promise<BatonClient> {
    const connection = await Connection.connect(options.target.connectionOptions);
    return new BatonClient(connection, options);
  }

  /**
   * A client for Baton's configuration (`loadConfig()`): its Temporal server (the embedded one,
   * started if needed, or TEMPORAL_ADDRESS), data converter and default task queue.
   */
  static async fromConfig(config: import('../config').BatonConfig, options: Omit<BatonClientOptions, 'target' | 'dataConverter'> = {}): Promise<BatonClient> {
    // Loaded here, not at the top: a client given its options needs neither.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { dataConverter } = require('../config') as typeof import('../config');
    const { resolveTemporal } = require('../server/temporal-server') as typeof import('../server/temporal-server');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return BatonClient.connect({
      target: await resolveTemporal(config),
      dataConverter: dataConverter(config),
      taskQueue: options.taskQueue ?? config.BATON_TASK_QUEUE,
      flows: options.flows,
    });
  }

  /** A flow known to this client, by name. */
  flow(name: string): AnyFlow | undefined {
    return this.flowsByName.get(name);
  }

  get flows(): AnyFlow[] {
    return [...this.flowsByName.values()];
  }

  /** Link to a run in the Temporal Web UI. */
  webUrl(flowRunId: string, temporalRunId?: string): string | undefined {
    const base = this.options.target.webUiUrl;
    if (!base) return undefined;
    const ns = encodeURIComponent(this.namespace);
    const id = encodeURIComponent(flowRunId);
    return `${base.replace(/\/$/, '')}/namespaces/${ns}/workflows/${id}${temporalRunId ? `/${temporalRunId}` : ''}/history`;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
