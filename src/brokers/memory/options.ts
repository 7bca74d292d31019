/**
 * Options of the memory broker: one defaults object, validated once, and
 * the `memory:` URL that carries the same options.
 */
import { ConfigError } from '../../core/errors.js';
import type { BrokerOptions } from '../../core/contract/index.js';
import { BROKER_DEFAULTS } from '../../core/contract/index.js';
import { checkInt, checkKnownKeys, checkObject } from '../../core/validate.js';

/** Options of the memory broker. */
export interface MemoryBrokerOptions extends BrokerOptions {
  /** Most jobs waiting or delayed at once; past it enqueue throws BrokerFullError. @default 1_000_000 */
  maxQueued?: number;
  /** Most finished jobs kept for their results (oldest dropped first). @default 100_000 */
  maxFinished?: number;
}

/** {@link MemoryBrokerOptions} with every default filled in. */
export type ResolvedMemoryOptions = Required<MemoryBrokerOptions>;

/** The defaults of {@link MemoryBrokerOptions}. */
export const MEMORY_DEFAULTS = Object.freeze({
  ...BROKER_DEFAULTS,
  maxQueued: 1_000_000,
  maxFinished: 100_000,
} satisfies ResolvedMemoryOptions);

const KEYS = Object.keys(MEMORY_DEFAULTS) as (keyof ResolvedMemoryOptions)[];
const KEY_SET: ReadonlySet<string> = new Set(KEYS);

/** Validates options (each a positive integer) and fills in the defaults. */
export function resolveMemoryOptions(options: MemoryBrokerOptions = {}): ResolvedMemoryOptions {
  const o = checkObject('options', options);
  checkKnownKeys('options', o, KEY_SET);
  const out = { ...MEMORY_DEFAULTS };
  for (const key of KEYS) if (o[key] !== undefined) out[key] = checkInt(key, o[key], 1, Number.MAX_SAFE_INTEGER);
  return out;
}

/** Parses `memory:` or `memory:?maxQueued=…&maxFinished=…&resultTtl=…&sweepInterval=…`. */
export function parseMemoryUrl(url: string): MemoryBrokerOptions {
  const query = url.replace(/^memory:\/{0,2}/i, '');
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const options: MemoryBrokerOptions = {};
  for (const [key, value] of params) {
    if (!KEY_SET.has(key))
      throw new ConfigError(`Unknown memory: broker option ${JSON.stringify(key)}; expected one of ${KEYS.join(', ')}`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`memory: broker option ${key} must be a positive integer, got ${JSON.stringify(value)}`);
    options[key as keyof MemoryBrokerOptions] = n;
  }
  return options;
}
