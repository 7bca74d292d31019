/**
 * The AMQP broker's two result backends side by side: one scripted life of
 * jobs (key dedup, future / stale / claimed tickets, takeovers, stale tokens,
 * progress capping, retries, expiries, cancel, re-run, listing pages, counts,
 * pruning) runs on SQLite (a temporary file) and on the shared Redis (a
 * unique prefix, deleted afterwards), and both must answer the same.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendLease, ClaimOutcome, ResultBackend } from '../../src/brokers/amqp/backend.js';
import { createBackend } from '../../src/brokers/amqp/backend-factory.js';
import { createAmqpBroker, parseAmqpUrl } from '../../src/brokers/amqp/index.js';
import { withBackend } from '../../src/brokers/amqp/options.js';
import { backendJob } from './amqp-backend-jobs.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-backends-'));
const prefix = `drover-backends-${randomUUID().slice(0, 8)}`;
const TTL = 400;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

afterAll(async () => {
  await deletePrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
});

/** Drops what differs by nature between two runs: times, tokens, nonces. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (Buffer.isBuffer(value)) return `bytes:${value.toString('hex')}`;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (['at', 'createdAt', 'runAt', 'startedAt', 'finishedAt', 'expiresAt', 'token', 'next'].includes(k)) {
      out[k] = v === undefined ? undefined : '·';
    } else if (v !== undefined) out[k] = plain(v);
  }
  return out;
}

const job = backendJob;

const ticket = (id: string, gen = 1, nonce = `n-${id}`, redelivered = false) => ({ id, gen, nonce, redelivered });
const leaseOf = (o: ClaimOutcome | undefined): BackendLease => {
  if (o?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(o)}`);
  return { id: o.job.id, token: o.job.token };
};

/** One scripted life; every answer goes into the log. */
async function script(b: ResultBackend): Promise<unknown[]> {
  const log: unknown[] = [];
  const note = (what: string, value: unknown): void => void log.push([what, plain(value)]);

  // Inserts and key dedup among live jobs.
  note('insert', await b.insert([job('a', { key: 'k1' }), job('b', { key: 'k1' }), job('c')]));
  note('insert delayed', await b.insert([job('d', { delayed: true, runAt: Date.now() + 60_000, priority: 3 })]));
  note('insert bytes', await b.insert([job('e', { args: Buffer.from([0, 1, 2, 255]), queue: 'q2' })]));
  note('liveKeys', [...(await b.liveKeys(['k1', 'k2']))]);
  note('readyCount', await b.readyCount(['q1', 'q2']));

  // Tickets: unknown / newer gen = future, other nonce / older gen = stale; a delayed job not due = future.
  const claims = await b.claim(
    [ticket('zz'), ticket('a', 2), ticket('a', 1, 'other'), ticket('d'), ticket('a'), ticket('e')],
    60_000,
    'w1',
  );
  note('claim', claims);
  const a = leaseOf(claims.value[4]);
  const e = leaseOf(claims.value[5]);
  note('claim again', await b.claim([ticket('a')], 60_000, 'w1'));

  // Stale tokens change nothing.
  const stale = { id: 'a', token: 'nope' };
  note('stale ack', await b.ack(stale, 'x'));
  note('stale nack', await b.nack(stale, { name: 'Error', message: 'm' }, undefined));
  note('stale progress', await b.progress(stale, '1', 2));
  note('stale extend', await b.extend([stale, a], 60_000));
  note('stale release', await b.release([stale]));

  // Progress kept for the last 2 report numbers.
  for (let i = 1; i <= 4; i++) note(`progress ${i}`, await b.progress(a, String(i), 2));
  note('history a', await b.history('a', 0));
  note('reportNumbers', [...(await b.reportNumbers(['a', 'e', 'zz']))]);
  note('leaseStates', [...(await b.leaseStates(['a', 'c', 'zz']))]);

  // A redelivered ticket of an active job takes it over (an attempt spent), then attempts run out.
  const taken = await b.claim([ticket('a', 1, 'n-a', true)], 60_000, 'w2');
  note('takeover', taken);
  const a2 = leaseOf(taken.value[0]);
  note('old token after takeover', await b.ack(a, 'late'));
  note('takeover spent', await b.claim([ticket('a', 1, 'n-a', true)], 60_000, 'w3'));
  note('get a', await b.get('a'));
  note('key free again', await b.insert([job('f', { key: 'k1' })]));
  note('history a after takeover', await b.history('a', 0));
  note('a2 ack', await b.ack(a2, 'x'));
  note('history a acked', await b.history('a', 0));

  // Success with a binary result; release hands back without counting.
  note('ack e', await b.ack(e, Buffer.from('ok')));
  note('history e', await b.history('e', 1));
  const c = leaseOf((await b.claim([ticket('c')], 60_000, undefined)).value[0]);
  note('release c', await b.release([c]));
  note('get c', await b.get('c'));
  const c2 = leaseOf((await b.claim([ticket('c')], 60_000, undefined)).value[0]);

  // Nack: delayed again with its next ticket (future until due), then failed for good.
  const next = { gen: 2, nonce: 'n-c2', runAt: Date.now() + 60_000, delayed: true };
  note('nack retry', await b.nack(c2, { name: 'Error', message: 'once', code: 'E1' }, next));
  note('claim not due', await b.claim([ticket('c', 2, 'n-c2')], 60_000, undefined));
  note('old ticket', await b.claim([ticket('c')], 60_000, undefined));
  note('history c', await b.history('c', 0));
  note('history c after 2', await b.history('c', 2));

  // Expiry: a short lease runs out, the sweeper's view, then expire with or without a next ticket.
  leaseOf((await b.claim([ticket('f')], 1, 'w1')).value[0]);
  await sleep(30);
  const expired = await b.expired(10);
  note('expired', expired);
  note('expire stale token', await b.expire({ ...expired[0]!, token: 'nope' }, undefined));
  note('expire', await b.expire(expired[0]!, { gen: 2, nonce: 'n-f2', runAt: Date.now(), delayed: false }));
  note('expire again', await b.expire(expired[0]!, undefined));
  const f2 = leaseOf((await b.claim([ticket('f', 2, 'n-f2')], 60_000, 'w1')).value[0]);
  note('nack fail', await b.nack(f2, { name: 'Error', message: 'twice' }, undefined));
  note('history f', await b.history('f', 0));

  // Cancel: unknown, queued, active (aborted), finished.
  await b.insert([job('g'), job('h', { key: 'k2' })]);
  leaseOf((await b.claim([ticket('h')], 60_000, undefined)).value[0]);
  note('cancel', [await b.cancel('zz'), await b.cancel('g'), await b.cancel('h'), await b.cancel('e')]);

  // Re-run: wrong gen or status refused; a key taken meanwhile is dropped.
  await b.insert([job('i', { key: 'k2' })]);
  note('rerun wrong gen', await b.rerun('h', 5, { gen: 6, nonce: 'x', runAt: Date.now(), delayed: false }));
  note('rerun not failed', await b.rerun('i', 1, { gen: 2, nonce: 'x', runAt: Date.now(), delayed: false }));
  note('rerun h', await b.rerun('h', 1, { gen: 2, nonce: 'n-h2', runAt: Date.now(), delayed: false }));
  note('rerun f', await b.rerun('f', 2, { gen: 3, nonce: 'n-f3', runAt: Date.now(), delayed: false }));
  note('history h', await b.history('h', 0));

  // Listings: newest first, paged by cursor, per queue.
  await b.insert(Array.from({ length: 5 }, (_, i) => job(`l${i}`, { queue: i % 2 === 0 ? 'q3' : 'q4' })));
  for (const queue of [undefined, 'q3']) {
    let cursor: string | undefined;
    const ids: string[][] = [];
    do {
      const page = await b.list({ status: 'queued', limit: 2, cursor, queue });
      ids.push(page.jobs.map((j) => j.id));
      cursor = page.next;
    } while (cursor !== undefined);
    note(`list ${queue ?? 'all'}`, ids);
  }
  note('list failed', await b.list({ status: 'failed', limit: 10 }));
  note('counts', await b.counts());

  // Tickets naming the queue they came from (the SQLite backend claims those in one statement), or a wrong one.
  note('insert hinted', await b.insert([job('h1'), job('h2'), job('h3'), job('h4', { queue: 'q2' })]));
  const hinted = await b.claim(
    [
      { ...ticket('h1'), queue: 'q1' },
      { ...ticket('h2'), queue: 'q2' },
      { ...ticket('h3', 1, 'n-other'), queue: 'q1' },
      { ...ticket('h4', 2), queue: 'q2' },
    ],
    5000,
    'w1',
  );
  note('claim hinted', hinted);
  note('ack hinted', [await b.ack(leaseOf(hinted.value[0]), 'r1'), await b.ack(leaseOf(hinted.value[1]), null)]);
  note('hinted', [await b.get('h1'), await b.history('h1', 0), await b.get('h2')]);
  note('counts hinted', await b.counts());

  // Finished jobs are pruned after resultTtl, their keys and reports with them.
  await sleep(TTL + 50);
  note('prune', await b.prune(1000));
  note('pruned', [await b.get('e'), await b.history('e', 0), [...(await b.reportNumbers(['e']))]]);
  note('counts after prune', await b.counts());
  return log;
}

describe('amqp result backends: sqlite and redis answer the same', () => {
  it('one scripted life of jobs gives the same answers on both', async () => {
    const sqlite = await createBackend(`sqlite:${join(dir, 'state.db')}`, 'ns1', TTL);
    const redis = await createBackend(`${redisUrl}/0?prefix=${prefix}`, 'ns1', TTL);
    await sqlite.open();
    await redis.open();
    try {
      const [fromSqlite, fromRedis] = [await script(sqlite), await script(redis)];
      // The script itself is meaningful: a few answers checked outright.
      const get = (log: unknown[], what: string): unknown =>
        (log.find((l) => (l as [string])[0] === what) as [string, unknown])[1];
      /** The reports of a `history` answer (or of the `at`-th value of an answer) as `status:attempt`. */
      const statuses = (what: string, at?: number): string[] => {
        const answer = get(fromSqlite, what);
        const reports = (at === undefined ? answer : (answer as unknown[])[at]) as {
          status: string;
          attempt: number;
        }[];
        return reports.map((r) => `${r.status}:${r.attempt}`);
      };
      expect(get(fromSqlite, 'claim')).toMatchObject({
        value: [
          { kind: 'future' },
          { kind: 'future' },
          { kind: 'stale' },
          { kind: 'future' },
          { kind: 'claimed' },
          { kind: 'claimed' },
        ],
      });
      expect(get(fromSqlite, 'claim hinted')).toMatchObject({
        value: [{ kind: 'claimed' }, { kind: 'claimed' }, { kind: 'stale' }, { kind: 'future' }],
        notes: [
          { id: 'h1', status: 'active', attempt: 1, n: 2, queue: 'q1' },
          { id: 'h2', status: 'active', attempt: 1, n: 2, queue: 'q1' },
        ],
      });
      expect(get(fromSqlite, 'ack hinted')).toMatchObject([
        { value: true, notes: [{ id: 'h1', status: 'succeeded', n: 3 }] },
        { value: true, notes: [{ id: 'h2', status: 'succeeded', n: 3 }] },
      ]);
      expect(statuses('hinted', 1)).toEqual(['queued:0', 'active:1', 'succeeded:1']);
      expect(get(fromSqlite, 'stale extend')).toEqual([false, true]);
      expect((get(fromSqlite, 'cancel') as { value: string }[]).map((c) => c.value)).toEqual([
        'not_found',
        'cancelled',
        'aborted',
        'finished',
      ]);
      expect(get(fromSqlite, 'prune')).toBeGreaterThan(0);
      // Reports the job row tells (the current `active`, `succeeded`) come in order with the stored ones.
      expect(statuses('history c')).toEqual(['queued:0', 'active:1', 'active:1', 'retrying:1']);
      expect(statuses('history c after 2')).toEqual(['active:1', 'retrying:1']);
      expect(statuses('history e')).toEqual(['active:1', 'succeeded:1']);
      for (let i = 0; i < fromSqlite.length; i++)
        expect(fromRedis[i], JSON.stringify((fromSqlite[i] as [string])[0])).toEqual(fromSqlite[i]);
    } finally {
      await sqlite.close();
      await redis.close();
    }
  }, 30_000);

  it('a redis:// backend URL refuses options that do not apply to a backend, and names what is wrong', async () => {
    const folded = withBackend('amqp://h/v?prefix=a', 'redis://u:p@h:6379/0?prefix=b&outageTimeout=900');
    expect(parseAmqpUrl(folded).backend).toBe('redis://u:p@h:6379/0?prefix=b&outageTimeout=900');
    expect(() => createAmqpBroker({ url: 'amqp://h', backend: 'rediss://h:6380/1' })).not.toThrow();
    await expect(createBackend(`${redisUrl}/0?prefix=x&keepFinished=5`, 'ns', TTL)).rejects.toThrow(/keepFinished/);
    await expect(createBackend(`${redisUrl}/0?prefix=a{b`, 'ns', TTL)).rejects.toThrow(/prefix/);
    await expect(createBackend('mysql://h/db', 'ns', TTL)).rejects.toThrow(/expected sqlite:.*or redis:/);
    const unreachable = await createBackend('redis://u:secret@127.0.0.1:1/0?outageTimeout=500', 'ns', TTL);
    const error = await unreachable.open().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toMatch(/secret/);
  });
});
