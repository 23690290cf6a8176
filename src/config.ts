/**
 * Baton's configuration, read from the environment once and validated as a whole: one error
 * lists every bad variable. Temporal connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE) are read by Temporal's own envconfig.
 * Loading the configuration has no side effects: it builds no stores or codecs (the functions
 * below do, when called) and reads defaults only from the environment it is given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import { FileCacheStore, type CacheStore } from './activities/cache-store';
import { FileBlobStore, LargePayloadCodec } from './activities/large-payloads';
import { EncryptionCodec, parseEncryptionKeys } from './activities/payload-encryption';
import { ConfigError } from './core/errors';
import { DirSecretSource, EnvSecretSource, JsonFileSecretSource, RedisSecretSource, SecretSources, type SecretSource } from './activities/secrets';
import { checkMcpServers } from './mcp/mcp-server-config';

const intFromEnv = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const httpUrl = z.url('must be an http(s) URL').refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: "must be 'http/protobuf' or 'http/json' (Baton exports traces over OTLP/HTTP, not gRPC)",
});

export const BatonConfig = z.object({
  /** Folder for Baton's local state: the dev server's SQLite file, logs, caches. */
  BATON_HOME: z.string().min(1).default(path.resolve('.baton')),
  /** Task queue that workers poll and flows run on. */
  BATON_TASK_QUEUE: z.string().min(1, 'must not be empty').default('baton'),
  /** Most tasks one worker runs at once. */
  BATON_MAX_CONCURRENT_TASKS: intFromEnv(1, 100_000).default(200),
  /** Most flow tasks (workflow tasks) one worker processes at once. */
  BATON_MAX_CONCURRENT_FLOW_TASKS: intFromEnv(1, 10_000).default(40),
  /** Seconds a stopping worker lets in-flight tasks finish before cancelling them. */
  BATON_SHUTDOWN_GRACE_SECONDS: intFromEnv(0, 86_400).default(30),
  /** pino level. */
  BATON_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `json` (default) or `pretty` for a terminal. */
  BATON_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Embedded dev server: gRPC port, Web UI port, and the folder the Temporal CLI is cached in. */
  BATON_TEMPORAL_PORT: intFromEnv(1, 65_535).default(7233),
  BATON_TEMPORAL_UI_PORT: intFromEnv(1, 65_535).default(8233),
  /** Default `$XDG_CACHE_HOME/baton/temporal-cli`, or `$HOME/.cache/baton/temporal-cli`. */
  BATON_TEMPORAL_CLI_CACHE: z.string().min(1),
  /** Public base URL of the Temporal Web UI, for links to runs. */
  BATON_WEB_UI_URL: z.url('must be a URL').optional(),
  /** Payloads larger than this many KiB go to the blob store (BATON_HOME/blobs), not the history. */
  BATON_LARGE_PAYLOAD_KIB: intFromEnv(1, 1_900).default(128),
  /**
   * Encrypts every payload (AES-256-GCM) before it reaches Temporal: `id1:base64key,id2:base64key`, each key 32 bytes in
   * base64. The first key encrypts; every key listed decrypts (rotation). Workers, APIs and clients must share it.
   */
  BATON_ENCRYPTION_KEYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseEncryptionKeys(text);
      } catch (err) {
        for (const issue of (err as ConfigError).issues ?? [])
          ctx.addIssue({ code: 'custom', message: `${issue.path.replace(/^BATON_ENCRYPTION_KEYS/, 'entry ')}: ${issue.message}` });
        return z.NEVER;
      }
    })
    .optional(),
  /** Where cached task results live: `file` (BATON_CACHE_DIR) or `redis` (BATON_REDIS_URL), for several machines. */
  BATON_CACHE_STORE: z.enum(['file', 'redis']).default('file'),
  BATON_REDIS_URL: z.url('must be a redis:// URL').optional(),
  /** Seconds a worker's lock on a cache key lasts without renewal (a dead holder blocks no longer). */
  BATON_CACHE_LOCK_LEASE_SECONDS: intFromEnv(1, 3_600).default(30),
  /** Seconds a task waits for the Redis cache store before going on without it (a lookup is a miss). */
  BATON_CACHE_WAIT_SECONDS: intFromEnv(1, 600).default(5),
  /** Folder of the filesystem result cache. Default `<BATON_HOME>/cache`. */
  BATON_CACHE_DIR: z.string().min(1).optional(),
  /**
   * A folder of secrets, one file per secret named after it (as Docker and Kubernetes mount them), read by workers'
   * `getSecret`. Checked when a worker starts: it must be a folder.
   */
  BATON_SECRETS_DIR: z.string().trim().min(1, 'must not be empty').optional(),
  /**
   * A secret store read by workers' `getSecret`, after the environment and BATON_SECRETS_DIR: `redis://[:password@]host:port[/db][?key=hash]`
   * (the fields of a Redis hash, default key `baton:secrets`; `rediss://` for TLS) or `file:///absolute/path.json` (a JSON object of
   * name → string, read at each lookup).
   */
  BATON_SECRETS_URL: z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      const problem = secretsUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Module of flows and tasks the API and workers load when no --flows is given. */
  BATON_FLOWS: z.string().min(1).optional(),
  /** Where the API listens. Anything but loopback requires BATON_API_KEYS. */
  BATON_API_HOST: z.string().min(1).default('127.0.0.1'),
  BATON_API_PORT: intFromEnv(0, 65_535).default(4200),
  /** Seconds an API request waits for Temporal before it answers 503. */
  BATON_API_TEMPORAL_WAIT_SECONDS: intFromEnv(1, 600).default(10),
  /** `name:role:secret,...` with role read or admin. Checked by the API at start. */
  BATON_API_KEYS: z.string().optional(),
  /**
   * Origins whose pages may call the API's codec server (`/api/codec`) from a browser, comma-separated
   * (`http://127.0.0.1:8233,https://temporal.example.com`). Default: the Temporal Web UI's
   * (BATON_WEB_UI_URL, or the embedded dev server's on 127.0.0.1 and localhost).
   */
  BATON_CODEC_ORIGINS: z
    .string()
    .transform((text, ctx) => {
      const origins = text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(o);
        } catch {
          parsed = undefined;
        }
        if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== o.replace(/\/$/, '').toLowerCase()) {
          ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin (scheme://host[:port], http or https, no path)` });
        }
      }
      return origins.map((o) => o.replace(/\/$/, '').toLowerCase());
    })
    .optional(),
  /** Port a worker serves Prometheus metrics on (`/metrics`: Temporal's runtime metrics and Baton's); unset, none. */
  BATON_METRICS_PORT: intFromEnv(1, 65_535).optional(),
  /** Where that endpoint listens; it has no keys, so loopback unless a network of your own guards it. */
  BATON_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Where every run's log lines are kept, for `baton flow-run logs` and `GET /api/flow-runs/:id/logs`: `file`
   * (BATON_HOME/logs, one machine), `redis` (BATON_REDIS_URL, workers and APIs on several machines), or `off`.
   */
  BATON_RUN_LOGS: z.enum(['file', 'redis', 'off'], { error: "must be 'file', 'redis' or 'off'" }).default('file'),
  /** The least level of the lines kept in runs' logs, whatever BATON_LOG_LEVEL keeps on stdout. */
  BATON_RUN_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], { error: 'must be one of trace, debug, info, warn, error, fatal' }).default('info'),
  /** Most log lines kept per run; later lines are dropped, with one line saying so. */
  BATON_RUN_LOG_MAX_LINES: intFromEnv(10, 1_000_000).default(10_000),
  /** A file `worker start` and `api start` rewrite every 5 s while healthy, for container health checks. */
  BATON_HEALTH_FILE: z.string().min(1).optional(),
  /** Where the CLI finds the API, and the key it sends. */
  BATON_API_URL: z.url('must be a URL').default('http://127.0.0.1:4200'),
  BATON_API_KEY: z.string().optional(),
  /** OpenAI-compatible endpoint the worker's LLM tasks call, such as `https://api.openai.com/v1`. Read by workers only. */
  BATON_LLM_BASE_URL: z
    .url('must be an http(s) URL of an OpenAI-compatible API, such as https://api.openai.com/v1')
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL of an OpenAI-compatible API, such as https://api.openai.com/v1')
    .optional(),
  /** Model LLM tasks use when a call names none, such as `gpt-4o-mini`. */
  BATON_LLM_MODEL: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  /** Sent only as `Authorization: Bearer`; never logged, stored in a history, or put in an error. */
  BATON_LLM_API_KEY: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters').optional(),
  /**
   * MCP servers the worker's tasks may call, as JSON: `{"<name>": {"command", "args", "env", "cwd"}}` (stdio) or
   * `{"<name>": {"url", "headers"}}` (streamable HTTP). `${VAR}` in env and headers is resolved by the worker.
   */
  BATON_MCP_SERVERS: z
    .string()
    .transform((text, ctx) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: an object of MCP servers by name' });
        return z.NEVER;
      }
      const { servers, issues } = checkMcpServers(value, 'BATON_MCP_SERVERS');
      for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return issues.length ? z.NEVER : servers;
    })
    .optional(),
  /** A YAML or JSON file whose `mcpServers` declares MCP servers too (default `baton.yaml`, when it exists). */
  BATON_MCP_FILE: z.string().min(1, 'must not be empty').optional(),
  /**
   * Webhooks the API takes, as JSON: `[{"name", "secretEnv", "event", "id", "resource", "payload"}]`; each checked
   * when the API starts (see src/events/webhook-config.ts), its secret read from the variable `secretEnv` names.
   */
  BATON_WEBHOOKS: z.string().optional(),
  /**
   * Which of Baton's own events (a flow run's started, completed, failed, cancelled; approvals requested and decided)
   * a worker stores: `automations`, only those a running automation's trigger names (each stored event is a short
   * workflow, so a run nobody listens to costs no extra workflows); `all`, every one (for `GET /api/events`).
   */
  BATON_FLOW_RUN_EVENTS: z.enum(['automations', 'all'], { error: "must be 'automations' or 'all'" }).default('automations'),
  /** A YAML or JSON file whose `webhooks` declares more webhooks (default `baton.yaml`, when it exists). */
  BATON_WEBHOOKS_FILE: z.string().min(1, 'must not be empty').optional(),
  /**
   * Tracing (OpenTelemetry's standard variables; see src/tracing/tracing-settings.ts). Off unless one of the OTLP
   * endpoints is set or OTEL_TRACES_EXPORTER is `otlp`; `none` turns it off whatever else is set.
   */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: "must be 'otlp' or 'none' (Baton exports traces over OTLP/HTTP)" }).optional(),
  /** Base URL of an OTLP/HTTP receiver; traces go to `<url>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  /** Full URL traces are posted to (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  /** `http/protobuf` (the default) or `http/json`. */
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  /** Wins over OTEL_EXPORTER_OTLP_PROTOCOL for traces. */
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  /** The `service.name` on every span. Default `baton-worker`, `baton-api`, or `baton` for a process that is both. */
  OTEL_SERVICE_NAME: z.string().trim().min(1, 'must not be empty').optional(),
  /** `true` turns every OpenTelemetry signal off. */
  OTEL_SDK_DISABLED: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => v === 'true' || v === 'false', "must be 'true' or 'false'")
    .transform((v) => v === 'true')
    .optional(),
});
export type BatonConfig = z.infer<typeof BatonConfig>;

/** Why a BATON_SECRETS_URL is not one Baton reads, or undefined. */
function secretsUrlProblem(text: string): string | undefined {
  const rule = 'must be redis://host:port[/db][?key=hash], rediss://..., or file:///absolute/path.json';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return rule;
  }
  if (url.protocol === 'file:') return url.host || !url.pathname.endsWith('.json') ? `${rule} (a file URL names an absolute path to a .json file)` : undefined;
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return rule;
  if (!url.hostname) return `${rule} (no host)`;
  const extra = [...url.searchParams.keys()].filter((k) => k !== 'key');
  if (extra.length) return `${rule} (unknown parameter '${extra[0]}'; only 'key' names the hash)`;
  if (url.searchParams.has('key') && !url.searchParams.get('key')) return `${rule} (key must not be empty)`;
  return undefined;
}

/**
 * The secret sources a worker reads (`getSecret`), in order: the environment, BATON_SECRETS_DIR,
 * BATON_SECRETS_URL. Checks each as it opens it (the folder exists, the JSON file reads, Redis
 * answers), with errors naming the variable and never a value.
 */
export async function openSecretSources(
  config: Pick<BatonConfig, 'BATON_SECRETS_DIR' | 'BATON_SECRETS_URL'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SecretSources> {
  const sources: SecretSource[] = [new EnvSecretSource(env)];
  if (config.BATON_SECRETS_DIR) {
    const dir = path.resolve(config.BATON_SECRETS_DIR);
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new ConfigError([{ path: 'BATON_SECRETS_DIR', message: `${dir} is not a folder (it holds one file per secret)` }]);
    sources.push(new DirSecretSource(dir));
  }
  if (config.BATON_SECRETS_URL) {
    const url = new URL(config.BATON_SECRETS_URL);
    if (url.protocol === 'file:') {
      const file = new JsonFileSecretSource(fileURLToPath(url));
      file.read();
      sources.push(file);
    } else {
      const redis = new RedisSecretSource(config.BATON_SECRETS_URL, url.searchParams.get('key') ?? 'baton:secrets');
      await redis.connect();
      sources.push(redis);
    }
  }
  return new SecretSources(sources);
}

/**
 * The data converter everyone shares: payloads encrypted when BATON_ENCRYPTION_KEYS is set, then
 * large ones moved to BATON_HOME/blobs (encrypted first, so the blob store holds ciphertext too).
 */
export function dataConverter(
  config: Pick<BatonConfig, 'BATON_HOME' | 'BATON_LARGE_PAYLOAD_KIB'> & Partial<Pick<BatonConfig, 'BATON_ENCRYPTION_KEYS'>>,
): DataConverter {
  const large = new LargePayloadCodec(new FileBlobStore(path.join(config.BATON_HOME, 'blobs')), config.BATON_LARGE_PAYLOAD_KIB * 1024);
  return { payloadCodecs: config.BATON_ENCRYPTION_KEYS?.length ? [new EncryptionCodec(config.BATON_ENCRYPTION_KEYS), large] : [large] };
}

/** The folder of the filesystem result cache. */
export function cacheDir(config: Pick<BatonConfig, 'BATON_HOME' | 'BATON_CACHE_DIR'>): string {
  return config.BATON_CACHE_DIR ?? path.join(config.BATON_HOME, 'cache');
}

/** The result cache the configuration names. */
export async function openCacheStore(config: BatonConfig, logger?: Logger): Promise<CacheStore> {
  if (config.BATON_CACHE_STORE === 'redis') {
    if (!config.BATON_REDIS_URL) throw new ConfigError([{ path: 'BATON_REDIS_URL', message: "is required when BATON_CACHE_STORE is 'redis'" }]);
    // Loaded only when asked for: the client and the API never load the Redis driver.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { RedisCacheStore } = require('./activities/redis-cache-store') as typeof import('./activities/redis-cache-store');
    const { BoundedCacheStore } = require('./activities/bounded-cache-store') as typeof import('./activities/bounded-cache-store');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return new BoundedCacheStore(await RedisCacheStore.connect(config.BATON_REDIS_URL, { logger }), config.BATON_CACHE_WAIT_SECONDS * 1000, logger);
  }
  return new FileCacheStore(cacheDir(config), logger);
}

/** Reads and validates Baton's environment variables; throws ConfigError naming every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BatonConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(BatonConfig.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  input.BATON_TEMPORAL_CLI_CACHE ??= path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'baton', 'temporal-cli');
  const parsed = BatonConfig.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ path: String(i.path[0] ?? '(config)'), message: i.message })));
  }
  return parsed.data;
}

/** The origins allowed to call the codec server from a browser: BATON_CODEC_ORIGINS, or the Temporal Web UI's. */
export function codecOrigins(config: Pick<BatonConfig, 'BATON_CODEC_ORIGINS' | 'BATON_WEB_UI_URL' | 'BATON_TEMPORAL_UI_PORT'>): string[] {
  if (config.BATON_CODEC_ORIGINS) return config.BATON_CODEC_ORIGINS;
  if (config.BATON_WEB_UI_URL) return [new URL(config.BATON_WEB_UI_URL).origin];
  return [`http://127.0.0.1:${config.BATON_TEMPORAL_UI_PORT}`, `http://localhost:${config.BATON_TEMPORAL_UI_PORT}`];
}
