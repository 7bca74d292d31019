import { ConfigError } from '../../core/errors.js';
import type { ResultBackend } from './backend.js';
import { redact } from './options.js';

/**
 * Makes the result backend a `backend` URL names. Each implementation (and
 * its driver) loads only when used.
 * - `sqlite:./drover.db` (`?synchronous=NORMAL` to trade power-loss safety for speed)
 * - `redis://host:6379/0?prefix=app1` / `rediss://…` (see redis-backend/options.ts)
 */
export async function createBackend(url: string, ns: string, resultTtl: number): Promise<ResultBackend> {
  if (/^sqlite:/i.test(url)) {
    const { SqliteBackend } = await import('./sqlite-backend/sqlite-backend.js');
    let rest = url.slice('sqlite:'.length);
    const q = rest.indexOf('?');
    const query = new URLSearchParams(q === -1 ? '' : rest.slice(q + 1));
    if (q !== -1) rest = rest.slice(0, q);
    if (rest.startsWith('//')) rest = rest.slice(2);
    const path = decodeURIComponent(rest);
    if (path.length === 0) throw new ConfigError(`Bad backend URL ${JSON.stringify(url)}: expected sqlite:./file.db`);
    const synchronous = (query.get('synchronous') ?? 'FULL').toUpperCase();
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
      throw new ConfigError(`backend option synchronous must be FULL or NORMAL, got ${JSON.stringify(synchronous)}`);
    return new SqliteBackend({ path, ns, resultTtl, synchronous });
  }
  if (/^rediss?:\/\//i.test(url)) {
    const { parseRedisBackendUrl } = await import('./redis-backend/options.js');
    const { RedisBackend } = await import('./redis-backend/redis-backend.js');
    return new RedisBackend(parseRedisBackendUrl(url, ns, resultTtl));
  }
  throw new ConfigError(
    `Unknown result backend ${JSON.stringify(redact(url))}: expected sqlite:./file.db or redis://host:6379/0`,
  );
}
