/**
 * Token usage of an LLM call: returned in its result and logged on the task run's log line (with
 * the flow run, task run, task name and attempt every task log line carries).
 */
import type { LanguageModelUsage } from 'ai';
import { currentRunContext } from '../activities/run-context';

import type { LlmUsage } from '../core/llm-shapes';

export type { LlmUsage };

export function usageOf(usage: LanguageModelUsage | undefined): LlmUsage {
  const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const inputTokens = n(usage?.inputTokens);
  const outputTokens = n(usage?.outputTokens);
  const total = n(usage?.totalTokens) ?? (inputTokens !== null && outputTokens !== null ? inputTokens + outputTokens : null);
  return { inputTokens, outputTokens, totalTokens: total };
}

/** Logs a finished call on the current task's logger; outside a task it logs nothing. */
export function logUsage(kind: string, model: string, usage: LlmUsage, finishReason: string): void {
  currentRunContext()?.logger.info({ llm: { kind, model, usage, finishReason } }, `llm ${kind} finished: ${usage.totalTokens ?? '?'} tokens (${model})`);
}
