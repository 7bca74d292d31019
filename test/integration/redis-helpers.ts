import { Redis } from 'ioredis';

/** The shared Redis the tests use (never flushed: every test uses a prefix of its own). */
export const redisUrl = process.env.DROVER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key of one prefix (`{prefix}:*`, hash-tagged) and nothing else. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}
