import type { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../../core/errors.js';
import type { RedisClient } from './redis-clients.js';

/** What one Redis server says about how it keeps data. */
export interface DurabilitySettings {
  /** `maxmemory-policy`: only `noeviction` never drops a key to make room. */
  maxmemoryPolicy: string;
  /** AOF on (`appendonly yes`). */
  aof: boolean;
  /** `appendfsync` (`always`, `everysec`, `no`), undefined when CONFIG is not allowed. */
  appendfsync: string | undefined;
}

/** Reads the settings from INFO (always allowed) and CONFIG GET (often renamed on managed Redis). */
export async function readDurability(client: Redis): Promise<DurabilitySettings> {
  const [memory, persistence] = await Promise.all([client.info('memory'), client.info('persistence')]);
  const field = (text: string, name: string): string | undefined =>
    new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
  let appendfsync: string | undefined;
  try {
    const reply = (await client.config('GET', 'appendfsync')) as string[];
    appendfsync = reply[1];
  } catch {
    appendfsync = undefined;
  }
  return {
    maxmemoryPolicy: field(memory, 'maxmemory_policy') ?? 'unknown',
    aof: field(persistence, 'aof_enabled') === '1',
    appendfsync,
  };
}

/**
 * The durability check at connect (docs/brokers.md, "What Redis settings mean
 * for G1"): a policy that evicts keys is refused (jobs would vanish without a
 * word) unless `allowEviction`; no AOF, or AOF without `appendfsync always`,
 * is warned about once. Every master of a Cluster is checked.
 */
export async function checkDurability(
  client: RedisClient,
  where: string,
  allowEviction: boolean,
  warn: (message: string) => void,
): Promise<DurabilitySettings[]> {
  const servers: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  const settings = await Promise.all(servers.map((server) => readDurability(server)));
  for (const s of settings) {
    // volatile-* policies evict only keys with a TTL; drover's keys have none.
    const evicts = s.maxmemoryPolicy.startsWith('allkeys-');
    if (evicts && !allowEviction) {
      throw new ConfigError(
        `Redis at ${where} has maxmemory-policy ${s.maxmemoryPolicy}: it may evict jobs when memory runs out. ` +
          'Set maxmemory-policy noeviction, or pass allowEviction=1 to accept losing jobs.',
      );
    }
    if (evicts) warn(`Redis at ${where} may evict jobs (maxmemory-policy ${s.maxmemoryPolicy}, allowEviction on)`);
    if (!s.aof) {
      warn(
        `Redis at ${where} runs without AOF (appendonly no): jobs acknowledged since the last snapshot are lost if Redis stops. ` +
          'Set appendonly yes (with appendfsync always for no loss at all).',
      );
    } else if (s.appendfsync === 'no' || s.appendfsync === 'everysec') {
      warn(
        `Redis at ${where} syncs its AOF ${s.appendfsync === 'no' ? 'when the OS decides' : 'once a second'}: ` +
          'up to that window of acknowledged jobs can be lost on a crash of its machine (appendfsync always closes it).',
      );
    }
  }
  return settings;
}

function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}
