/**
 * The language model a call talks to: the AI SDK's OpenAI-compatible provider, pointed at the
 * worker's BATON_LLM_BASE_URL. The key goes into the Authorization header and nowhere else.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { LlmSettings } from './llm-settings';

export function chatModel(settings: LlmSettings, modelId: string): LanguageModel {
  const provider = createOpenAICompatible({
    name: 'baton-llm',
    baseURL: settings.baseURL,
    apiKey: settings.apiKey,
    // Streamed replies report their token usage too (stream_options.include_usage).
    includeUsage: true,
    // Sends response_format json_schema for structured output, which OpenAI, Gemini, Ollama and
    // llama.cpp's server accept; the reply is validated against the schema either way.
    supportsStructuredOutputs: true,
  });
  return provider.chatModel(modelId);
}
