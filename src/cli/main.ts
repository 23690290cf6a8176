/**
 * The `baton` command. Exit code 0 only on success, 1 on a failure, 2 on a usage error that
 * names the bad flag. Commands that read or change deployments and runs talk to the API
 * (BATON_API_URL, BATON_API_KEY).
 */
import { BatonError } from '../core/errors';
import { loadConfig } from '../config';
import { ApiClient } from './api-client';
import { parse, str, UsageError } from './args';
import { deploy, deployment } from './deployment-commands';
import { doctor } from './doctor';
import { approvalCommand } from './approval-commands';
import { artifactCommand } from './artifact-commands';
import { variableCommand } from './variable-commands';
import { automationCommand } from './automation-commands';
import { concurrencyLimitCommand } from './concurrency-limit-commands';
import { flowCommand } from './flow-commands';
import { flowRun } from './flow-run-commands';
import { mcpCommand } from './mcp-commands';
import { mcpServe } from './mcp-serve';
import { mcpBridge } from './mcp-bridge-command';
import { apiStart, serverInstall, serverStart, workerStart } from './process-commands';
import { runQuickstart } from './quickstart';
import { say, complain } from './output';

export const USAGE = `usage: baton <command>

local development
  start [--count n] [--once]            the quickstart on the embedded Temporal server, then keep serving
  server start [--flows m]              embedded Temporal server + API + a worker (default flows: the examples)
  server install [--cluster]            find or build the Temporal CLI; print its path. --cluster: the Temporal
                                        server and temporal-sql-tool (for PostgreSQL); print their folder
  worker start --flows m [--task-queue q] [--concurrency n]
  api start --flows m [--host h] [--port p]
  doctor [--task-queue q]... [--json]   whether Temporal, the Web UI, the API, workers, MCP servers, Redis and
                                        the Temporal CLI answer; the fix for each that does not

deployments (through the API)
  deploy --file baton.yaml | --name n --flow f [--cron c]... [--timezone tz] [--interval s]...
         [--offset s] [--param k=v]... [--tag t]... [--description d] [--version v]
         [--task-queue q] [--overlap skip|buffer_one|buffer_all|cancel_other|terminate_other|allow_all] [--paused]
         [--skip-checks | --deploy-only]
                                        first checks the API and its key, Temporal, a worker on each task
                                        queue and the MCP servers; deploys nothing when one fails
  deployment ls [--flow f] [--tag t] [--limit n] [--json]
  deployment inspect <name> [--json]
  deployment run <name> [--param k=v]... [--params-file f.json] [--run-name r] [--tag t]...
                 [--idempotency-key k] [--at iso-time] [--watch] [--json]
  deployment pause|resume|delete <name>
  deployment backfill <name> --start iso --end iso [--overlap p]

flows (through the API)
  flow ls [--json]
  flow run <name> [--param k=v]... [--params-json '{...}'] [--run-name r] [--tag t]...
           [--idempotency-key k] [--at iso-time] [--watch] [--json]
                                        run a flow without a deployment; k=v values are JSON when
                                        they parse as JSON (42, true, {"a":1}), else strings

flow runs (through the API)
  flow-run ls [--deployment d] [--flow f] [--state s] [--tag t] [--name prefix] [--since iso] [--until iso] [--limit n] [--json]
  flow-run inspect <id> [--json]
  flow-run watch <id> [--topic t]... [--from seq] [--json]
                                        print the run's stream (emit, yield, task output) as it comes
  flow-run watch <id> --states [--json] the task runs' states as they change, then the result
  flow-run watch <id> --progress [--json] the run's progress artifacts as bars, as they move, until it ends
  flow-run logs <id> [--follow] [--task name] [--level l] [--limit n] [--json]
                                        the run's log lines (flow, tasks, logPrints); --follow until it ends
  flow-run cancel <id>
  flow-run retry <id> [--from-failure | --restart] [--watch] [--json]
  flow-run pause <id>
  flow-run resume <id> [--key k]

cache (through the API)
  cache clear [--task name] [--key k]

approvals (through the API)
  approval ls [--flow f] [--deployment d] [--json]
  approval approve|reject <run> <key> [--input k=v]... [--input-file f.json] [--comment c] [--json]

artifacts (through the API)
  artifact ls (--key k | --flow-run id) [--json]
                                        a run's artifacts, or a key's versions across runs, latest first
  artifact inspect <key> [--json]       every version of a key, with its data

variables (through the API)
  variable set <name> <value> [--tag t]... [--overwrite] [--if-version n] [--json]
                                        <value> is JSON when it parses (42, true, {"a":1}), else text;
                                        an existing variable is replaced only with --overwrite
  variable get <name> [--json]          the value: text as it is, anything else as JSON
  variable ls [--json] | inspect <name> [--json] | unset <name> [--if-version n]

automations (through the API)
  automation ls [--json] | inspect <name> [--json] | pause <name> | resume <name> | delete <name>
  automation apply [--file baton.yaml]  create or replace each entry of the file's automations: section

concurrency limits (through the API)
  concurrency-limit create <name> --slots n [--slot-decay-per-second r] [--inactive] [--json]
                                        a global limit; tag:<tag> limits task runs tagged <tag>
  concurrency-limit ls [--json] | inspect <name> [--json] | delete <name>
  concurrency-limit update <name> [--slots n] [--slot-decay-per-second r] [--active true|false] [--json]

MCP servers (this machine's BATON_MCP_SERVERS and baton.yaml; no API)
  mcp ls [--json]                       declared servers, their transport, and whether each answers
  mcp tools <server> [--json]           the server's tools: description, input arguments, read-only
  mcp serve [--flows m] [--task-queue q] [--read-only]
                                        Baton itself as an MCP server over stdio (also /mcp on the API)
  mcp bridge <server> [--host h] [--port p]
                                        a declared stdio server over streamable HTTP at /mcp (default port
                                        8811); beyond loopback it needs BATON_MCP_BRIDGE_TOKEN

environment: BATON_API_URL (default http://127.0.0.1:4200), BATON_API_KEY, BATON_FLOWS,
BATON_API_HOST, BATON_API_PORT, BATON_API_KEYS, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS_*, BATON_HOME, BATON_LOG_LEVEL, BATON_LOG_FORMAT. See README.`;

function apiClient(): ApiClient {
  const config = loadConfig();
  return new ApiClient(config.BATON_API_URL, config.BATON_API_KEY);
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'start':
      await runQuickstart(argv.slice(1));
      return 0;
    case 'server':
      if (sub === 'start') return serverStart(rest);
      if (sub === 'install') return serverInstall(rest);
      break;
    case 'worker':
      if (sub === 'start') return workerStart(rest);
      break;
    case 'api':
      if (sub === 'start') return apiStart(rest);
      break;
    case 'doctor':
      return doctor(argv.slice(1));
    case 'deploy':
      return deploy(apiClient(), argv.slice(1));
    case 'deployment':
      return deployment(apiClient(), sub, rest);
    case 'flow':
      return flowCommand(apiClient(), sub, rest);
    case 'flow-run':
      return flowRun(apiClient(), sub, rest);
    case 'approval':
      return approvalCommand(apiClient(), sub, rest);
    case 'artifact':
      return artifactCommand(apiClient(), sub, rest);
    case 'variable':
      return variableCommand(apiClient(), sub, rest);
    case 'automation':
      return automationCommand(apiClient(), sub, rest);
    case 'concurrency-limit':
      return concurrencyLimitCommand(apiClient(), sub, rest);
    case 'cache':
      if (sub === 'clear') {
        const { values } = parse(rest, { task: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } });
        const q = new URLSearchParams();
        if (str(values, 'task')) q.set('task', str(values, 'task')!);
        if (str(values, 'key')) q.set('key', str(values, 'key')!);
        const out = await apiClient().call<{ removed: number }>('DELETE', `/api/cache?${q}`);
        if (values.json) say(JSON.stringify(out));
        else say(`removed ${out.removed} cached result${out.removed === 1 ? '' : 's'}`);
        return 0;
      }
      break;
    case 'mcp':
      if (sub === 'ls' || sub === 'tools') return mcpCommand(sub, rest);
      if (sub === 'serve') return mcpServe(rest);
      if (sub === 'bridge') return mcpBridge(rest);
      break;
    case 'help':
    case '--help':
    case '-h':
      say(USAGE);
      return 0;
    case undefined:
      complain(USAGE);
      return 2;
    default:
      break;
  }
  throw new UsageError(`unknown command '${[command, sub].filter(Boolean).join(' ')}'`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      complain(`baton: ${err.message}\n(run 'baton help' for usage)`);
      return 2;
    }
    complain(`baton: ${err instanceof BatonError ? err.message : ((err as Error)?.stack ?? err)}`);
    return 1;
  }
}

if (require.main === module) {
  // A failed command exits at once (see bin/baton.js).
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code);
      process.exitCode = code;
    },
    (err) => {
      complain(String(err));
      process.exit(1);
    },
  );
}
