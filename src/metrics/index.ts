export { DroverMetrics, MAX_LABEL_VALUES } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
