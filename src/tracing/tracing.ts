/**
 * A process's tracing, started once from Baton's configuration. Off by default, and free when
 * off: the OpenTelemetry SDK and Temporal's interceptors are loaded only when the settings turn
 * tracing on, so a process without OTEL_* variables never loads them.
 */
import type { Tracer } from '@opentelemetry/api';
import type { IResource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { BatonConfig } from '../config';
import { tracingSettings, type TracingSettings } from './tracing-settings';

/** The process's tracer provider, as Baton's parts need it. */
export interface Tracing {
  settings: TracingSettings;
  /** Baton's tracer: the API's request spans. */
  tracer: Tracer;
  /** What workflow spans, which are made inside the sandbox and handed out through a sink, are ended through. */
  spanProcessor: SpanProcessor;
  resource: IResource;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
}

let current: Tracing | undefined;

/**
 * The process's tracing, started on first call when the configuration turns it on; undefined
 * when it is off. A process is traced under one service name: the first caller's default, unless
 * OTEL_SERVICE_NAME names it.
 */
export function processTracing(config: BatonConfig, defaultServiceName: string): Tracing | undefined {
  if (current) return current;
  const settings = tracingSettings(config, defaultServiceName);
  if (!settings) return undefined;
  // Loaded here, not at the top: a process that does not trace never loads the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracerProvider } = require('./tracer-provider') as typeof import('./tracer-provider');
  current = startTracerProvider(settings);
  return current;
}

/** Interceptors that make the flow runs a Temporal client starts join the active trace; none when the process does not trace. */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  if (!tracing) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { clientInterceptors } = require('./client-tracing') as typeof import('./client-tracing');
  return clientInterceptors();
}
