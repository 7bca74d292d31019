import { ConfigError } from '../../../core/errors.js';
import type { ResolvedRedisOptions } from '../../redis/options.js';
import { parseRedisUrl, redact, resolveRedisOptions } from '../../redis/options.js';

/** Options of the Redis result backend. */
export interface RedisBackendOptions {
  /** Connection settings, as the Redis broker reads them from its URL. */
  redis: ResolvedRedisOptions;
  resultTtl: number;
}

/** Query options of a `redis://` backend URL; the Redis broker's others do not apply to a backend. */
const APPLIES = new Set(['url', 'prefix', 'outageTimeout', 'allowEviction', 'cluster', 'nodes', 'sentinelName']);

/**
 * Reads a `backend=redis://[user:pass@]host:6379/0?prefix=app1` URL
 * (`rediss://` for TLS). `prefix` defaults to the broker's own; `outageTimeout`,
 * `allowEviction`, `cluster` (+ `nodes`) and `sentinel` mean what they mean
 * for the Redis broker; anything else is refused.
 */
export function parseRedisBackendUrl(url: string, ns: string, resultTtl: number): RedisBackendOptions {
  const parsed = parseRedisUrl(url);
  const stray = Object.keys(parsed).filter((key) => !APPLIES.has(key));
  if (stray.length > 0) {
    throw new ConfigError(
      `Redis backend option ${stray.map((k) => JSON.stringify(k)).join(', ')} does not apply to a result backend ` +
        `(in ${JSON.stringify(redact(url))}); expected prefix, outageTimeout, allowEviction, cluster, nodes or sentinel`,
    );
  }
  return { redis: resolveRedisOptions({ prefix: ns, ...parsed }), resultTtl };
}
