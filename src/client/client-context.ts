/**
 * What a sub-client (`client.flowRuns`, `client.deployments`, `client.approvals`) needs of the
 * connection, and nothing more: each takes this narrow context, not the whole BatonClient.
 */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { AnyFlow } from '../workflows/flow';

export interface ClientContext {
  /** Temporal's client (workflows, schedules), with Baton's data converter. */
  readonly temporal: Client;
  /** Temporal's gRPC service, for calls the client does not wrap (visibility lists, resets). */
  readonly workflowService: Client['workflowService'];
  readonly namespace: string;
  /** The task queue new runs and deployments use unless told otherwise. */
  readonly defaultTaskQueue: string;
  /** The codecs payloads read from histories go through (large payloads). */
  readonly payloadCodecs: readonly PayloadCodec[];
  /** Flows known to this client, by name. */
  flow(name: string): AnyFlow | undefined;
  readonly flows: readonly AnyFlow[];
  /** Link to a run in the Temporal Web UI, when its address is known. */
  webUrl(flowRunId: string, temporalRunId?: string): string | undefined;
}
