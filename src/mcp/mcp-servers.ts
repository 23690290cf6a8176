/**
 * The MCP servers a worker (or `baton mcp`) knows: those of BATON_MCP_SERVERS, and those of the
 * `mcpServers` section of BATON_MCP_FILE (default `baton.yaml` in the current folder, when it
 * exists). A server declared in both places is taken from the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { BatonConfig } from '../config';
import { ConfigError } from '../core/errors';
import { checkMcpServers, type McpServers } from './mcp-server-config';

const DEFAULT_FILE = 'baton.yaml';

export interface DeclaredMcpServers {
  servers: McpServers;
  /** Where each server was declared: `BATON_MCP_SERVERS` or the file's path. */
  sources: Record<string, string>;
}

/** Reads the declared servers; a bad file or entry is a ConfigError naming the file, server and field. */
export function loadMcpServers(config: Pick<BatonConfig, 'BATON_MCP_SERVERS' | 'BATON_MCP_FILE'>, cwd = process.cwd()): DeclaredMcpServers {
  const servers: McpServers = {};
  const sources: Record<string, string> = {};
  const file = config.BATON_MCP_FILE ?? (fs.existsSync(path.join(cwd, DEFAULT_FILE)) ? DEFAULT_FILE : undefined);
  if (file) {
    const fromFile = readFile(file, cwd, config.BATON_MCP_FILE !== undefined);
    for (const [name, server] of Object.entries(fromFile)) {
      servers[name] = server;
      sources[name] = file;
    }
  }
  for (const [name, server] of Object.entries(config.BATON_MCP_SERVERS ?? {})) {
    servers[name] = server;
    sources[name] = 'BATON_MCP_SERVERS';
  }
  return { servers, sources };
}

function readFile(file: string, cwd: string, required: boolean): McpServers {
  const where = required ? `BATON_MCP_FILE (${file})` : file;
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(err as Error).message.split('\n')[0]}`;
    throw new ConfigError([{ path: where, message: reason }]);
  }
  const section = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).mcpServers : undefined;
  if (section === undefined || section === null) {
    // baton.yaml may hold only deployments; a file named on purpose must declare servers.
    if (required) throw new ConfigError([{ path: where, message: 'has no mcpServers section' }]);
    return {};
  }
  const { servers, issues } = checkMcpServers(section, `${file} mcpServers`);
  if (issues.length) throw new ConfigError(issues);
  return servers;
}
