/**
 * Webhooks: declared in `webhooks:` of baton.yaml (or BATON_WEBHOOKS_FILE) and in BATON_WEBHOOKS
 * (JSON, the same list), checked when the API starts: a mistake names the webhook and the field.
 * A webhook's secret is read from the environment variable it names, at start, and kept in memory
 * only: never in a history, a log line or an answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, type FieldIssue } from '../core/errors';
import { Name } from '../core/schemas';

const DEFAULT_FILE = 'baton.yaml';

const Template = z.string().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters');

export const WebhookDeclaration = z
  .object({
    name: Name,
    /** The environment variable holding the shared secret. */
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable'),
    /** How requests are signed: `github-sha256` is GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the raw body). */
    signature: z.enum(['github-sha256']).default('github-sha256'),
    /** The event name, templated from `headers` and `body`: `github.{{headers.x-github-event}}.{{body.action}}`. */
    event: Template,
    /** The event id (a repeat is ignored): `{{headers.x-github-delivery}}`. Default: a new UUID per request. */
    id: Template.optional(),
    /** The resource: `{ id: '{{body.repository.full_name}}' }` and labels. */
    resource: z
      .record(z.string(), Template)
      .refine((r) => 'id' in r, 'must have an id')
      .optional(),
    /** The payload: a template or an object of templates. @default '{{body}}' */
    payload: z.union([Template, z.record(z.string(), z.unknown())]).optional(),
  })
  .strict();
export type WebhookDeclaration = z.infer<typeof WebhookDeclaration>;

/** A declared webhook with its secret, as the API keeps it. */
export interface Webhook extends WebhookDeclaration {
  secret: Buffer;
}

function check(list: unknown, where: string, env: NodeJS.ProcessEnv): { webhooks: Webhook[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const webhooks: Webhook[] = [];
  if (!Array.isArray(list)) return { webhooks, issues: [{ path: where, message: 'must be a list of webhooks' }] };
  list.forEach((entry, i) => {
    const label = `${where}[${i}]${entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' ? ` (${(entry as { name: string }).name})` : ''}`;
    const parsed = WebhookDeclaration.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) issues.push({ path: `${label}.${issue.path.join('.') || '(entry)'}`, message: issue.message });
      return;
    }
    const secret = env[parsed.data.secretEnv];
    if (!secret) {
      issues.push({ path: `${label}.secretEnv`, message: `${parsed.data.secretEnv} is not set` });
      return;
    }
    if (webhooks.some((w) => w.name === parsed.data.name)) issues.push({ path: `${label}.name`, message: `'${parsed.data.name}' is declared twice` });
    webhooks.push({ ...parsed.data, secret: Buffer.from(secret, 'utf8') });
  });
  return { webhooks, issues };
}

/**
 * The declared webhooks: BATON_WEBHOOKS, and `webhooks:` of BATON_WEBHOOKS_FILE (default
 * baton.yaml in `cwd`, when it exists). A webhook declared in both is taken from the environment.
 * Throws one ConfigError naming every bad webhook and field.
 */
export function loadWebhooks(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Webhook[] {
  const issues: FieldIssue[] = [];
  const byName = new Map<string, Webhook>();
  const file = env.BATON_WEBHOOKS_FILE || (fs.existsSync(path.join(cwd, DEFAULT_FILE)) ? DEFAULT_FILE : undefined);
  if (file) {
    let doc: unknown;
    try {
      doc = YAML.parse(fs.readFileSync(path.resolve(cwd, file), 'utf8'));
    } catch (err) {
      throw new ConfigError([{ path: file, message: `cannot be read: ${(err as Error).message.split('\n')[0]}` }]);
    }
    const section = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).webhooks : undefined;
    if (section !== undefined && section !== null) {
      const found = check(section, `${file} webhooks`, env);
      issues.push(...found.issues);
      for (const w of found.webhooks) byName.set(w.name, w);
    }
  }
  if (env.BATON_WEBHOOKS) {
    let list: unknown;
    try {
      list = JSON.parse(env.BATON_WEBHOOKS);
    } catch {
      issues.push({ path: 'BATON_WEBHOOKS', message: 'must be JSON: a list of webhooks' });
    }
    if (list !== undefined) {
      const found = check(list, 'BATON_WEBHOOKS', env);
      issues.push(...found.issues);
      for (const w of found.webhooks) byName.set(w.name, w);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return [...byName.values()];
}
