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
import { generateText, type FinishReason, type LanguageModelUsage, type ModelMessage } from 'ai';
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

/** What generateText and streamText both report once the reply is complete. */
interface CompletedReply {
  text: string;
  finishReason: FinishReason;
  usage: LanguageModelUsage;
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
  response: { modelId: string; messages: ModelMessage[] };
}

/** A completed reply as Baton returns it, its usage logged on the task's log line. */
export function generateResult(kind: string, model: string, reply: CompletedReply): GenerateResult {
  const usage = usageOf(reply.usage);
  logUsage(kind, model, usage, reply.finishReason);
  return {
    text: reply.text,
    finishReason: reply.finishReason,
    toolCalls: reply.toolCalls.map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: c.input })),
    responseMessages: reply.response.messages,
    model: reply.response.modelId || model,
    usage,
  };
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
    return generateResult('generate', model, result);
  } catch (err) {
    throw llmFailure(err, settings.apiKey, signal);
  }
}
