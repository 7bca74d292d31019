import type { MemoryBrokerOptions } from './options.js';
import { MemoryBroker } from './memory-broker.js';

export { MemoryBroker } from './memory-broker.js';
export { MEMORY_DEFAULTS, parseMemoryUrl, resolveMemoryOptions } from './options.js';
export type { MemoryBrokerOptions, ResolvedMemoryOptions } from './options.js';

/**
 * Creates an in-process broker (`memory:`): fast, nothing persisted.
 * @example const broker = createMemoryBroker({ maxQueued: 100_000 });
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  return new MemoryBroker(options);
}
