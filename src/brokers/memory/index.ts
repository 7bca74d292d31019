import { ConfigError } from '../../core/errors.js';
import type { MemoryBrokerOptions } from './memory-broker.js';
import { MemoryBroker } from './memory-broker.js';

export { MemoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker.js';

/**
 * Creates an in-process broker (`memory:`): fast, nothing persisted.
 * @example const broker = createMemoryBroker({ maxQueued: 100_000 });
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  return new MemoryBroker(options);
}

const NUMERIC = ['maxQueued', 'maxFinished', 'resultTtl', 'sweepInterval'] as const;

/** Parses `memory:` or `memory:?maxQueued=…&maxFinished=…&resultTtl=…&sweepInterval=…`. */
export function parseMemoryUrl(url: string): MemoryBrokerOptions {
  const query = url.replace(/^memory:\/{0,2}/i, '');
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const options: MemoryBrokerOptions = {};
  for (const [key, value] of params) {
    if (!(NUMERIC as readonly string[]).includes(key))
      throw new ConfigError(
        `Unknown memory: broker option ${JSON.stringify(key)}; expected one of ${NUMERIC.join(', ')}`,
      );
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`memory: broker option ${key} must be a positive integer, got ${JSON.stringify(value)}`);
    options[key as (typeof NUMERIC)[number]] = n;
  }
  return options;
}
