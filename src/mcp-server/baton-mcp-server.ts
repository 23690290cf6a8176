/**
 * Baton as an MCP server: the tools an assistant needs to drive Baton (list flows and
 * deployments, run one with checked parameters, read a run, its task runs and its stream, list
 * and decide approvals, cancel). The same schemas as the REST API check every input; a read-only
 * caller is offered the reading tools only. Served over stdio (`baton mcp serve`) and streamable
 * HTTP (`/mcp` on the API, with its keys).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { BatonClient } from '../client/client';
import { flowCatalog } from '../client/flow-catalog';
import { NotFoundError } from '../core/errors';
import { Decide, ListApprovalsQuery, ListDeploymentsQuery, ListFlowRunsQuery, RunDeployment, RunFlow } from '../core/schemas';
import { TOPIC_PATTERN } from '../core/stream';
import { errorResponse } from '../api/errors';
import { readStreamWindow } from './stream-window';

export interface McpCaller {
  /** Who calls (an API key's name, or `local`): recorded as who decided an approval. */
  name: string;
  role: 'read' | 'admin';
}

export interface BatonMcpOptions {
  /** Seconds a tool waits for Temporal before it answers that Temporal is unreachable. @default 10 */
  temporalWaitSeconds?: number;
  /** Seconds a decision waits for the run's worker. @default the client's DECIDE_WAIT_SECONDS */
  decideWaitSeconds?: number;
  version?: string;
}

const FlowRunId = z.string().min(1).max(1_000).describe('the flow run id');
const Name = z.string().min(1).max(200);

/** A tool's answer: the value as JSON text, and as structured content. */
function answer(value: unknown): CallToolResult {
  const structured = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: structured };
}

/** A failure the caller can act on: the API's error code and message, never a stack. */
function failure(err: unknown): CallToolResult {
  const { body } = errorResponse(err);
  const details = body.error.details ? `\n${JSON.stringify(body.error.details)}` : '';
  return { isError: true, content: [{ type: 'text', text: `${body.error.code}: ${body.error.message}${details}` }] };
}

export function batonMcpServer(client: BatonClient, caller: McpCaller, options: BatonMcpOptions = {}): McpServer {
  const server = new McpServer({ name: 'baton', version: options.version ?? '0.1.0' });
  const waitMs = (options.temporalWaitSeconds ?? 10) * 1000;
  /** Runs a tool's work under a deadline for every Temporal call in it, and turns errors into tool errors. */
  const guarded =
    <A>(work: (args: A) => Promise<unknown>, deadline = true) =>
    async (args: A): Promise<CallToolResult> => {
      try {
        const value = deadline ? await client.connection.withDeadline(Date.now() + waitMs, () => work(args)) : await work(args);
        return answer(value);
      } catch (err) {
        return failure(err);
      }
    };
  const readOnly = { readOnlyHint: true, openWorldHint: false };

  server.registerTool(
    'list_flows',
    { description: 'The flows Baton can run, with the JSON schema of their parameters.', inputSchema: z.object({}).strict(), annotations: readOnly },
    guarded(async () => flowCatalog(client.flows)),
  );
  server.registerTool(
    'list_deployments',
    { description: 'Deployments (a flow with default parameters and schedules), one page at a time.', inputSchema: ListDeploymentsQuery, annotations: readOnly },
    guarded((query: ListDeploymentsQuery) => client.deployments.list(query)),
  );
  server.registerTool(
    'list_flow_runs',
    { description: "Flow runs, newest first, filtered by flow, deployment or state (Baton's state names).", inputSchema: ListFlowRunsQuery, annotations: readOnly },
    guarded((query: ListFlowRunsQuery) => client.flowRuns.list(query)),
  );
  server.registerTool(
    'get_flow_run',
    {
      description: 'One flow run: its state, parameters, result or error, and its task runs.',
      inputSchema: z.object({ id: FlowRunId }).strict(),
      annotations: readOnly,
    },
    guarded(({ id }: { id: string }) => client.flowRuns.get(id)),
  );
  server.registerTool(
    'read_stream',
    {
      description:
        "Items a flow run published (emit, yield, a task's stream), from a place on. Call again with `from` = the answer's `next` to go on; " +
        '`waitSeconds` waits for new items when none are there yet. `done` says the stream has ended.',
      inputSchema: z
        .object({
          id: FlowRunId,
          from: z.number().int().min(0).optional().describe('the first seq wanted (default 0)'),
          topics: z.array(z.string().regex(TOPIC_PATTERN)).max(20).optional(),
          limit: z.number().int().min(1).max(1_000).optional().describe('at most this many items (default 200)'),
          waitSeconds: z.number().min(0).max(60).optional().describe('wait up to this long for the first new item (default 0)'),
        })
        .strict(),
      annotations: readOnly,
    },
    guarded(
      (args: { id: string; from?: number; topics?: string[]; limit?: number; waitSeconds?: number }) =>
        readStreamWindow(client, args.id, { from: args.from ?? 0, topics: args.topics, limit: args.limit ?? 200, waitSeconds: args.waitSeconds ?? 0 }),
      false,
    ),
  );
  server.registerTool(
    'list_approvals',
    { description: 'Approvals flow runs are waiting for, with the input each asks for.', inputSchema: ListApprovalsQuery, annotations: readOnly },
    guarded((query: ListApprovalsQuery) => client.approvals.list(query)),
  );
  if (caller.role !== 'admin') return server;

  const writes = { readOnlyHint: false, destructiveHint: false, openWorldHint: false };
  server.registerTool(
    'run_deployment',
    {
      description: "Run a deployment now (or at scheduledTime); its default parameters are merged under these and checked against the flow's schema.",
      inputSchema: RunDeployment.extend({ name: Name.describe('the deployment') }),
      annotations: writes,
    },
    guarded(async ({ name, ...body }: RunDeployment & { name: string }) => {
      const { handle, created } = await client.deployments.run(name, body);
      return { id: handle.id, flowName: handle.flowName, runName: handle.runName ?? null, webUrl: client.webUrl(handle.id) ?? null, created };
    }),
  );
  server.registerTool(
    'run_flow',
    {
      description: "Run a flow without a deployment; its parameters are checked against the flow's schema (list_flows shows it) before anything starts.",
      inputSchema: RunFlow.extend({ name: Name.describe('the flow') }),
      annotations: writes,
    },
    guarded(async ({ name, ...body }: RunFlow & { name: string }) => {
      const flow = client.flow(name);
      if (!flow) throw new NotFoundError(`no flow named '${name}' is known here (list_flows lists them)`);
      const { handle, created } = await client.flowRuns.startWithKey(flow, body.parameters ?? {}, {
        runName: body.runName,
        tags: body.tags,
        idempotencyKey: body.idempotencyKey,
        startDelaySeconds: body.scheduledTime ? Math.max(0, (Date.parse(body.scheduledTime) - Date.now()) / 1000) || undefined : undefined,
      });
      return { id: handle.id, flowName: handle.flowName, runName: handle.runName ?? null, webUrl: client.webUrl(handle.id) ?? null, created };
    }),
  );
  server.registerTool(
    'decide_approval',
    {
      description: "Approve or reject what a flow run waits for; approving checks `input` against the approval's schema.",
      inputSchema: Decide.extend({ flowRunId: FlowRunId, key: Name.describe('the approval key') }),
      annotations: writes,
    },
    guarded(
      ({ flowRunId, key, ...decision }: Decide & { flowRunId: string; key: string }) =>
        client.approvals.decide(flowRunId, key, decision, caller.name, { waitSeconds: options.decideWaitSeconds }),
      // A decision waits for the run's worker with its own deadline.
      false,
    ),
  );
  server.registerTool(
    'cancel_flow_run',
    {
      description: 'Cancel a running flow run: its running tasks are asked to stop, and its cleanup runs.',
      inputSchema: z.object({ id: FlowRunId }).strict(),
      annotations: { ...writes, destructiveHint: true },
    },
    guarded(async ({ id }: { id: string }) => {
      await client.flowRuns.cancel(id);
      return { cancelled: id };
    }),
  );
  return server;
}
