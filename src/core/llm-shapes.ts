/**
 * The built-in LLM tasks as flows see them: what they take and answer, as plain data. The worker
 * registers the tasks (src/llm/llm-tasks.ts checks they match these shapes); flow code such as
 * `agent()` calls them through `tasks<LlmTaskModule>()`. Pure types.
 */
import type { ModelMessage } from 'ai';

/** Tokens one call (or a loop) used, as the provider reported them; null when it reported none. */
export interface LlmUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

/** A tool call the model asks for; the flow runs it and answers. */
export interface LlmToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** What a flow sends to `llm.generate` / `llm.stream`. */
export interface LlmGenerateRequest {
  model?: string;
  system?: string;
  messages: ModelMessage[];
  tools?: Record<string, { description?: string; inputSchema: Record<string, unknown> }>;
  runName?: string;
}

/** What `llm.generate` / `llm.stream` answer. */
export interface LlmReply {
  text: string;
  finishReason: string;
  toolCalls: LlmToolCall[];
  /** The assistant's reply as messages, to append to the conversation. */
  responseMessages: ModelMessage[];
  model: string;
  usage: LlmUsage;
}

/** What a flow sends to `llm.structured`. */
export interface LlmStructuredRequest {
  model?: string;
  system?: string;
  messages: ModelMessage[];
  schema: Record<string, unknown>;
  runName?: string;
}

type TaskShape<A extends unknown[], R> = ((...args: A) => Promise<R>) & { fn: (...args: A) => R | Promise<R> };

/** The built-in LLM tasks' module, for `tasks<LlmTaskModule>()` in flow code. */
export interface LlmTaskModule {
  llmGenerate: TaskShape<[LlmGenerateRequest], LlmReply>;
  llmStream: TaskShape<[LlmGenerateRequest & { topic?: string }], LlmReply>;
  llmStructured: TaskShape<[LlmStructuredRequest], { object: unknown; usage: LlmUsage }>;
}
