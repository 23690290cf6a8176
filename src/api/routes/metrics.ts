/** `GET /metrics`: the API's Prometheus metrics, in Prometheus's text format. */
import { z } from 'zod';
import type { ApiMetrics } from '../metrics';
import { defineRoute } from '../route';

const MetricsText = z.string().describe("Prometheus's text exposition format: requests by method, route and status, their latency, and Node's process metrics");

export function metricsRoutes(metrics: ApiMetrics) {
  return [
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: "The API's Prometheus metrics (scrape with any API key; without keys, on loopback, with none)",
      tag: 'system',
      access: 'read',
      produces: 'text/plain',
      response: MetricsText,
      handler: async ({ http }) => {
        const { res } = http!;
        res
          .status(200)
          .type(metrics.contentType())
          .send(await metrics.text());
      },
    }),
  ];
}
