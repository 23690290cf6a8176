/**
 * Ready-made LLM tasks, registered by every worker, so a flow makes an LLM call as a task run
 * (with Baton's retries, timeout and run name, visible in the history) without declaring one:
 *
 * @example
 * import { flow, tasks } from 'baton/workflows';
 * import type * as llm from 'baton/llm';
 * const { llmGenerate } = tasks<typeof llm>();
 * export const haiku = flow({ name: 'haiku' }, async ({ topic }: { topic: string }) =>
 *   (await llmGenerate({ prompt: `A haiku about ${topic}`, runName: `haiku-${topic}` })).text,
 * );
 *
 * For other retries, a cache or a timeout of your own, declare a task that calls `generate()` or
 * `structured()` instead.
 */
import { task } from '../activities/task';
import type { LlmTaskModule } from '../core/llm-shapes';
import { exponentialBackoff } from '../core/task-options';
import { generate } from './generate';
import type { LlmCall, LlmStreamCall, LlmStructuredCall } from './llm-call';
import { stream } from './stream';
import { structured } from './structured';

/** Retries for a provider that is busy (429) or failing (5xx): 1, 2, 4, 8 s, unless it says when. */
const RETRIES = { retries: 4, retryDelaySeconds: exponentialBackoff({ baseSeconds: 1, factor: 2, maxSeconds: 60 }) };
/** One attempt's limit: a long reply from a slow model still fits. */
const TIMEOUT_SECONDS = 300;

/** `llm.generate`: text, or the tool calls the model asks for. */
export const llmGenerate = task(
  {
    name: 'llm.generate',
    description: 'One LLM text generation',
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (call: LlmCall) => call.runName ?? 'llm.generate',
  },
  (call: LlmCall) => generate(call),
);

/** `llm.structured`: a JSON value of the given JSON Schema (`z.toJSONSchema(schema)`), validated. */
export const llmStructured = task(
  {
    name: 'llm.structured',
    description: 'One LLM generation of a JSON value of a schema',
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (call: LlmStructuredCall) => call.runName ?? 'llm.structured',
  },
  (call: LlmStructuredCall) => structured<unknown>(call),
);

/** `llm.stream`: as `llm.generate`, the text also published to the flow run's stream as it comes. */
export const llmStream = task(
  {
    name: 'llm.stream',
    description: 'One LLM text generation, streamed to the flow run',
    ...RETRIES,
    timeoutSeconds: TIMEOUT_SECONDS,
    taskRunName: (call: LlmStreamCall) => call.runName ?? 'llm.stream',
  },
  (call: LlmStreamCall) => stream(call),
);

/** The built-in tasks by export name, for the worker to register. */
export const LLM_TASKS = { llmGenerate, llmStructured, llmStream } as const;

/** Flow code calls these by the shapes in core/llm-shapes.ts: this fails to compile when the two drift apart. */
export const LLM_TASK_SHAPES: { [K in keyof LlmTaskModule]: { fn: LlmTaskModule[K]['fn'] } } = LLM_TASKS;
