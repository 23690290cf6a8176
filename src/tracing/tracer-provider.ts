/**
 * The process's OpenTelemetry SDK: a tracer provider that batches spans to an OTLP/HTTP receiver,
 * registered globally with W3C trace-context propagation and an AsyncLocalStorage context, so
 * Temporal's interceptors and the API's request spans share one active context. Loaded only by a
 * process whose settings turn tracing on (see tracing.ts).
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracing } from './tracing';
import type { TracingSettings } from './tracing-settings';

/** Baton's own version, as `service.version`. */
function batonVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Starts the SDK and registers it as the process's global tracer provider. */
export function startTracerProvider(settings: TracingSettings): Tracing {
  // Headers, timeout and compression come from the exporter's own OTEL_EXPORTER_OTLP_* variables.
  const exporter = settings.protocol === 'http/json' ? new JsonExporter({ url: settings.url }) : new ProtobufExporter({ url: settings.url });
  // OTEL_RESOURCE_ATTRIBUTES first, so the service name Baton settled on wins.
  const resource = envDetectorSync.detect().merge(new Resource({ 'service.name': settings.serviceName, 'service.version': batonVersion() }));
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  return {
    settings,
    resource: provider.resource,
    spanProcessor,
    tracer: provider.getTracer('baton'),
    flush: () => provider.forceFlush(),
  };
}
