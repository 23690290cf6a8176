/**
 * `generate(call)`: one text generation, for use inside any Baton task (the ready-made
 * `llm.generate` task is this function). The task's retries, timeout, cache and run name apply:
 * the AI SDK's own retries are off, and a 429 or 5xx becomes a Baton retry.
 *
 * @example
 * export const summarize = task({ name: 'summarize', retries: 3, cachePolicy: INPUTS }, async (text: string) =>
 *   (await generate({ system: 'Summarize in one sentence.', prompt: text })).text,
 * );
 */
import { generateText, type FinishReason, type ModelMessage } from 'ai';
import { currentRunContext } from '../activities/run-context';
import { LlmCall, parseCall, promptOptions, toolSet } from './llm-call';
import { llmFailure } from './llm-failure';
import { chatModel } from './llm-model';
import { llmSettings, modelFor } from './llm-settings';
import { logUsage, usageOf, type LlmUsage } from './llm-usage';

/** A tool call the model asked for; the flow runs the tool and sends its result back in `messages`. */
export interface LlmToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

export interface GenerateResult {
  /** The reply's text ('' when the model only called tools). */
  text: string;
  /** `stop`, `length`, `tool-calls`, `content-filter`... */
  finishReason: FinishReason;
  toolCalls: LlmToolCall[];
  /** The assistant's reply as messages: append them to `messages` to continue the conversation. */
  responseMessages: ModelMessage[];
  /** The model that answered. */
  model: string;
  usage: LlmUsage;
}

export async function generate(call: LlmCall): Promise<GenerateResult> {
  const parsed = parseCall(LlmCall, call, 'generate');
  const settings = llmSettings();
  const model = modelFor(settings, parsed.model);
  const signal = currentRunContext()?.signal;
  try {
    const result = await generateText({
      model: chatModel(settings, model),
      ...promptOptions(parsed),
      tools: toolSet(parsed.tools),
      toolChoice: parsed.toolChoice,
      maxRetries: 0,
      abortSignal: signal,
    });
    const usage = usageOf(result.usage);
    logUsage('generate', model, usage, result.finishReason);
    return {
      text: result.text,
      finishReason: result.finishReason,
      toolCalls: result.toolCalls.map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: c.input })),
      responseMessages: result.response.messages,
      model: result.response.modelId || model,
      usage,
    };
  } catch (err) {
    throw llmFailure(err, settings.apiKey, signal);
  }
}
