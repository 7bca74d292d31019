import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from './options.js';
import { doublingDelay } from '../../core/backoff.js';

/** The client kinds a broker opens: commands, and a subscriber for the event channel. */
export type RedisClient = Redis | Cluster;

/**
 * Reconnect delays: 100 ms doubling to a 1 s cap, in [½·d, d], so a
 * fleet does not reconnect in step and a worker is back within ~1 s of Redis
 * returning (docs/reliability.md S05).
 */
export function reconnectDelay(times: number): number {
  return doublingDelay(100, 1000, times, 'equal');
}

/**
 * Options shared by every connection. Commands issued while disconnected
 * wait in ioredis's offline queue and sent-but-unanswered ones are resent
 * after a reconnect (the scripts are idempotent for that); the broker bounds
 * the wait itself (`outageTimeout`), so `maxRetriesPerRequest` is off.
 */
function common(): RedisOptions {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    connectTimeout: 10_000,
    keepAlive: 10_000,
    noDelay: true,
    retryStrategy: reconnectDelay,
  };
}

/** Connection settings taken from the URL (ioredis reads password, user, db and TLS from it). */
function fromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {};
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  options.host = parsed.hostname || '127.0.0.1';
  options.port = parsed.port === '' ? 6379 : Number(parsed.port);
  return options;
}

/**
 * Makes a client (not yet connected): standalone, Sentinel-managed or
 * Cluster, as the options say. ioredis is imported here, lazily, so it loads
 * only when a Redis broker is used.
 */
export async function createClient(options: ResolvedRedisOptions, name: string): Promise<RedisClient> {
  const { Redis, Cluster } = await import('ioredis');
  const url = fromUrl(options.url);
  const connectionName = `drover:${options.prefix}:${name}`;
  if (options.cluster) {
    const { host, port, ...redisOptions } = url;
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: true,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: { ...redisOptions, connectionName, maxRetriesPerRequest: null, keepAlive: 10_000, noDelay: true },
    };
    return new Cluster([{ host: host!, port: port! }, ...options.nodes], clusterOptions);
  }
  if (options.sentinelName !== undefined) {
    const { host, port, ...rest } = url;
    return new Redis({
      ...common(),
      ...rest,
      connectionName,
      sentinels: [{ host: host!, port: port! }, ...options.nodes],
      name: options.sentinelName,
      sentinelRetryStrategy: reconnectDelay,
    });
  }
  return new Redis({ ...common(), ...url, connectionName });
}
