import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** Name of the counter of services that ended `failed`. */
export const SERVICE_FAILURES_METRIC = 'drover_service_failures_total';

/**
 * `drover_service_failures_total{service}` in `registry`: services that ended
 * `failed` (crashed for good, or abandoned). Several Chiefs on one registry
 * share the counter instead of failing on a second registration.
 */
export function serviceFailureCounter(registry: Registry): Counter<'service'> {
  const existing = registry.getSingleMetric(SERVICE_FAILURES_METRIC);
  if (existing !== undefined) return existing as Counter<'service'>;
  return new Counter({
    name: SERVICE_FAILURES_METRIC,
    help: 'Chief services that ended failed (crash loop, crash without restartOnFail, or abandoned at stop)',
    labelNames: ['service'],
    registers: [registry],
  });
}
