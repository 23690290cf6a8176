/**
 * Whether a process traces, and where its spans go, from OpenTelemetry's standard variables as
 * Baton's configuration validated them. Pure: deciding costs nothing, and a process whose
 * settings say "off" never loads the OpenTelemetry SDK (see tracing.ts).
 */
import type { BatonConfig } from '../config';

/** Where spans go and under which service name. */
export interface TracingSettings {
  /** The URL spans are posted to, `.../v1/traces`. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** `service.name` on every span. */
  serviceName: string;
}

type TracingConfig = Pick<
  BatonConfig,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
  | 'OTEL_SERVICE_NAME'
>;

/** The OTLP/HTTP receiver OpenTelemetry's specification names when no endpoint is set. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** The traces URL under an OTLP base endpoint, as the specification builds it. */
export function tracesUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** The settings as a log line may show them: the URL without user, password or query. */
export function describeTracing(settings: TracingSettings): { url: string; protocol: string; serviceName: string } {
  const url = new URL(settings.url);
  return { url: `${url.origin}${url.pathname}`, protocol: settings.protocol, serviceName: settings.serviceName };
}

/**
 * The tracing settings, or undefined when tracing is off: it is on when an OTLP endpoint is set
 * or OTEL_TRACES_EXPORTER is `otlp`, and off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true.
 */
export function tracingSettings(config: TracingConfig, defaultServiceName: string): TracingSettings | undefined {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (config.OTEL_EXPORTER_OTLP_ENDPOINT && tracesUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT));
  if (!endpoint && config.OTEL_TRACES_EXPORTER !== 'otlp') return undefined;
  return {
    url: endpoint || tracesUrl(DEFAULT_OTLP_ENDPOINT),
    protocol: config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName,
  };
}
