/**
 * The active trace, as fields of a task's log lines, so a line can be found from its span and a
 * span from its line. The same names Temporal's interceptors give flow log lines. Nothing when the
 * worker does not trace: then no span is ever active.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';

export function traceFields(): { trace_id: string; span_id: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
}
