/**
 * `baton mcp serve`: Baton's MCP server over stdio, for an assistant that starts it as a local
 * command. It talks to Temporal directly (TEMPORAL_ADDRESS, or the embedded server's port), knows
 * the flows of `--flows` (or BATON_FLOWS) to check parameters, and acts as the local user: every
 * tool, or the reading ones only with `--read-only`. stdout carries the protocol; nothing else is
 * written there.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BatonClient } from '../client/client';
import { dataConverter, loadConfig } from '../config';
import { batonMcpServer } from '../mcp-server/baton-mcp-server';
import { configuredTarget } from '../server/temporal-server';
import { loadModule } from '../workers/load-module';
import { parse, str } from './args';

export async function mcpServe(args: string[]): Promise<number> {
  const { values } = parse(args, { flows: { type: 'string' }, 'task-queue': { type: 'string' }, 'read-only': { type: 'boolean' } });
  const config = loadConfig();
  const flows = str(values, 'flows') ?? config.BATON_FLOWS;
  const module = flows ? loadModule(flows) : undefined;
  const address = `127.0.0.1:${config.BATON_TEMPORAL_PORT}`;
  const target = configuredTarget() ?? { address, namespace: 'default', connectionOptions: { address }, webUiUrl: config.BATON_WEB_UI_URL };
  const client = await BatonClient.connect({
    target,
    dataConverter: dataConverter(config),
    taskQueue: str(values, 'task-queue') ?? config.BATON_TASK_QUEUE,
    flows: module?.flows ?? [],
  });
  const server = batonMcpServer(client, { name: 'local', role: values['read-only'] ? 'read' : 'admin' });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    await server.connect(transport);
    await closed;
  } finally {
    await server.close().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  return 0;
}
