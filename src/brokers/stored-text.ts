import type { StoredJobOptions } from '../core/contract/index.js';
import type { ErrorInfo } from '../core/errors.js';

const parsed = new Map<string, StoredJobOptions>();
const MAX_PARSED = 256;

/**
 * Stored job options (JSON text) parsed once per distinct text (most jobs
 * share a few) and frozen, since many leased jobs share the object. Used by
 * the brokers that store options as text (SQLite, the AMQP backends).
 */
export function parseOptions(text: string): StoredJobOptions {
  let options = parsed.get(text);
  if (options === undefined) {
    const value = JSON.parse(text) as StoredJobOptions;
    Object.freeze(value.backoff);
    options = Object.freeze(value);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, options);
  }
  return options;
}

/** Parses a stored error (JSON text); NULL is undefined. */
export function parseError(text: string | null): ErrorInfo | undefined {
  return text === null ? undefined : (JSON.parse(text) as ErrorInfo);
}
