/**
 * LLM calls as Baton tasks, on the AI SDK's OpenAI-compatible provider. The worker reads
 * BATON_LLM_BASE_URL, BATON_LLM_MODEL and BATON_LLM_API_KEY; flows and clients never see them.
 *
 * @example
 * // tasks.ts: an LLM call inside a task of your own, with its own retries and cache
 * import { task, INPUTS } from 'baton';
 * import { generate } from 'baton/llm';
 * export const summarize = task({ name: 'summarize', retries: 3, cachePolicy: INPUTS }, async (text: string) =>
 *   (await generate({ system: 'One sentence.', prompt: text })).text,
 * );
 *
 * // flows.ts: the ready-made tasks, which every worker registers
 * import { z } from 'zod';
 * import { flow, tasks } from 'baton/workflows';
 * import type * as llm from 'baton/llm';
 * const { llmStructured } = tasks<typeof llm>();
 * const Person = z.object({ name: z.string(), age: z.number() });
 * export const extract = flow({ name: 'extract' }, async ({ text }: { text: string }) =>
 *   Person.parse((await llmStructured({ prompt: text, schema: z.toJSONSchema(Person) })).object),
 * );
 */
export { generate } from './generate';
export type { GenerateResult, LlmToolCall } from './generate';
export { structured } from './structured';
export type { StructuredCall, StructuredResult } from './structured';
export { stream, LLM_TOPIC } from './stream';
export { llmGenerate, llmStructured, llmStream } from './llm-tasks';
export { LlmCall, LlmStreamCall, LlmStructuredCall, LlmToolDeclaration } from './llm-call';
export { LlmOutputError, LlmProviderError } from './llm-errors';
export type { LlmUsage } from './llm-usage';
