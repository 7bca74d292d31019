import { checkInt, checkKnownKeys, checkMs, checkName, checkObject, fail } from '../core/validate.js';

import type { WorkerOptions } from '../core/worker.js';

export type { WorkerOptions };

/** {@link WorkerOptions} with every default filled in. */
export interface ResolvedWorkerOptions {
  concurrency: number;
  queues: string[] | undefined;
  leaseMs: number;
  renewMs: number;
  pollInterval: number;
  name: string;
}

/** Largest herd: a guard against typos such as 1e9. */
export const MAX_CONCURRENCY = 100_000;
const KEYS: ReadonlySet<string> = new Set(['concurrency', 'queues', 'leaseMs', 'pollInterval', 'name']);

/** Validates and fills in worker options. */
export function resolveWorkerOptions(options: WorkerOptions, defaultName: string): ResolvedWorkerOptions {
  const o = checkObject('options', options);
  checkKnownKeys('options', o, KEYS);
  const concurrency = o.concurrency === undefined ? 10 : checkConcurrency(o.concurrency);
  const leaseMs = o.leaseMs === undefined ? 30_000 : checkMs('leaseMs', o.leaseMs, 100);
  let queues: string[] | undefined;
  if (o.queues !== undefined) {
    if (!Array.isArray(o.queues) || o.queues.length === 0) fail('queues', 'a non-empty array of queue names', o.queues);
    queues = o.queues.map((q, i) => checkName(`queues[${i}]`, q));
  }
  return {
    concurrency,
    queues,
    leaseMs,
    renewMs: Math.max(50, Math.floor(leaseMs / 3)),
    pollInterval: o.pollInterval === undefined ? 1000 : checkMs('pollInterval', o.pollInterval, 10),
    name: o.name === undefined ? defaultName : checkName('name', o.name),
  };
}

/** Checks a herd size. */
export function checkConcurrency(value: unknown): number {
  return checkInt('concurrency', value, 0, MAX_CONCURRENCY);
}
