/**
 * Where the worker's LLM calls go: the BATON_LLM_* variables, read from the worker's environment
 * when a call runs (flows, the API and the CLI never read them). The key stays in this process: it
 * is sent only in the Authorization header and is never part of a task's arguments or result.
 */
import { BatonConfig } from '../config';
import { NonRetryableError } from '../core/errors';

export interface LlmSettings {
  /** The OpenAI-compatible API's base URL (BATON_LLM_BASE_URL), such as `https://api.openai.com/v1`. */
  baseURL: string;
  /** The model used when a call names none (BATON_LLM_MODEL). */
  defaultModel: string | undefined;
  /** BATON_LLM_API_KEY; undefined for servers that need none (a local Ollama or llama.cpp). */
  apiKey: string | undefined;
}

const LlmEnvironment = BatonConfig.pick({ BATON_LLM_BASE_URL: true, BATON_LLM_MODEL: true, BATON_LLM_API_KEY: true });

/**
 * The LLM settings of this worker. A missing base URL or a malformed variable fails the call at
 * once (NonRetryableError): no retry can fix the worker's configuration. Messages name the
 * variable, never its value.
 */
export function llmSettings(env: NodeJS.ProcessEnv = process.env): LlmSettings {
  const input: Record<string, string> = {};
  for (const key of Object.keys(LlmEnvironment.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = LlmEnvironment.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ');
    throw new NonRetryableError(`invalid LLM configuration on the worker: ${issues}`);
  }
  if (!parsed.data.BATON_LLM_BASE_URL) {
    throw new NonRetryableError('BATON_LLM_BASE_URL is not set on the worker: give the base URL of an OpenAI-compatible API, such as https://api.openai.com/v1');
  }
  return { baseURL: parsed.data.BATON_LLM_BASE_URL, defaultModel: parsed.data.BATON_LLM_MODEL, apiKey: parsed.data.BATON_LLM_API_KEY };
}

/** The model a call uses: its own, else the worker's default. */
export function modelFor(settings: LlmSettings, requested: string | undefined): string {
  const model = requested ?? settings.defaultModel;
  if (!model) throw new NonRetryableError('no model: name one in the call (model) or set BATON_LLM_MODEL on the worker');
  return model;
}
