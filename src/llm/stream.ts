/**
 * `stream(call)`: `generate()` whose text is published, delta by delta, to the flow run's stream
 * (`getRunContext().stream(topic, delta)`, topic `llm` by default) while the model writes it; the
 * result is the same as generate's. Readers follow it with `handle.stream({ topics: ['llm'] })`.
 * A reply cut off mid-way fails the attempt: the task runs again, and readers are told to drop
 * what the failed attempt streamed. Outside a task nothing is published.
 */
import { streamText } from 'ai';
import { currentRunContext } from '../activities/run-context';
import { generateResult, type GenerateResult } from './generate';
import { LlmStreamCall, parseCall, promptOptions, toolSet } from './llm-call';
import { llmFailure } from './llm-failure';
import { chatModel } from './llm-model';
import { llmSettings, modelFor } from './llm-settings';

/** The stream topic of text deltas when a call names none. */
export const LLM_TOPIC = 'llm';

export async function stream(call: LlmStreamCall): Promise<GenerateResult> {
  const parsed = parseCall(LlmStreamCall, call, 'stream');
  const settings = llmSettings();
  const model = modelFor(settings, parsed.model);
  const context = currentRunContext();
  const topic = parsed.topic ?? LLM_TOPIC;
  try {
    const result = streamText({
      model: chatModel(settings, model),
      ...promptOptions(parsed),
      tools: toolSet(parsed.tools),
      toolChoice: parsed.toolChoice,
      maxRetries: 0,
      abortSignal: context?.signal,
    });
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw part.error;
      // Awaited: a model faster than Temporal takes the chunks in is slowed, not buffered without end.
      if (part.type === 'text-delta' && part.text && context) await context.stream(topic, part.text);
    }
    const [text, finishReason, usage, toolCalls, response] = await Promise.all([
      result.text,
      result.finishReason,
      result.totalUsage,
      result.toolCalls,
      result.response,
    ]);
    return generateResult('stream', model, { text, finishReason, usage, toolCalls, response });
  } catch (err) {
    throw llmFailure(err, settings.apiKey, context?.signal);
  }
}
