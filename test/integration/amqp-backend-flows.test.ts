/**
 * The flows part of the AMQP broker's two result backends (backend-flows.ts)
 * side by side: one scripted life of flows runs on SQLite (a temporary file)
 * and on the shared Redis (a unique prefix, deleted afterwards), and both
 * must answer the same. Checked outright: a commit computed from an old
 * version changes nothing (`conflict`); a step is inserted only if absent, so
 * an advance done again after a crash finds the step's job as the first
 * commit left it (its ticket's nonce, its state); a stale lease changes
 * nothing; a step failing for good, or cancelled, fails its flow naming it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { BackendLease, ClaimOutcome, NewJob, ResultBackend } from '../../src/brokers/amqp/backend.js';
import { createBackend } from '../../src/brokers/amqp/backend-factory.js';
import { FLOW_QUEUE } from '../../src/core/contract/index.js';
import { backendJob } from './amqp-backend-jobs.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-backend-flows-'));
const prefix = `drover-backend-flows-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await deletePrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const job = backendJob;

const flowJob = (id: string): NewJob => job(id, { task: 'chain', queue: FLOW_QUEUE });
const step = (flowId: string, n: number, nonce = `n-${flowId}.${n}`): NewJob =>
  job(`${flowId}.${n}`, { nonce, flow: { flowId, step: n } });
const leaseOf = (o: ClaimOutcome | undefined): BackendLease => {
  if (o?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(o)}`);
  return { id: o.job.id, token: o.job.token };
};
const claim = async (b: ResultBackend, id: string, nonce = `n-${id}`): Promise<ClaimOutcome> =>
  (await b.claim([{ id, gen: 1, nonce, redelivered: false }], 60_000, 'w')).value[0]!;
const none = { reopen: false, reruns: [], enqueue: [] };

/** One scripted life; every answer goes into the log (without times and tokens). */
async function script(b: ResultBackend): Promise<unknown[]> {
  const log: unknown[] = [];
  const note = (what: string, value: unknown): void => void log.push([what, value]);
  const state = async (id: string): Promise<unknown> => {
    const r = await b.get(id);
    return r && { status: r.status, result: r.result?.toString(), error: r.error?.message, flowId: r.flowId };
  };
  const statuses = async (id: string): Promise<string[]> => (await b.history(id, 0)).map((r) => r.status);

  // Start: the flow job (active) and its first step; a second start is a duplicate.
  note('start', (await b.startFlow(flowJob('f'), 'graph-1', [step('f', 0)])).value);
  note('start again', (await b.startFlow(flowJob('f'), 'graph-x', [step('f', 0, 'other')])).value);
  note('read', await b.readFlow('f'));
  note('flow', [await state('f'), await statuses('f')]);
  note('link', [await b.flowLink('f.0'), await b.flowLink('f'), await b.readFlow('f.0')]);
  const lease = leaseOf(await claim(b, 'f.0'));

  // A change computed from an old version: nothing changes.
  const advance = { flowId: 'f', step: { lease, result: '"r0"', op: 'op-1' }, graph: 'graph-2', ...none };
  note('conflict', (await b.commitFlow({ ...advance, version: 0, enqueue: [step('f', 1)] })).value);
  note('after conflict', [await state('f.0'), await b.get('f.1'), (await b.readFlow('f'))?.version]);

  // The advance: the step's success, the graph, the next step.
  note('advance', await b.commitFlow({ ...advance, version: 1, enqueue: [step('f', 1)] }));
  note('after advance', [await state('f.0'), await state('f.1'), await b.readFlow('f')]);

  // Done again (a crash after the commit, the step re-run): the next step is found, not doubled.
  note(
    'again, stale lease',
    (await b.commitFlow({ ...advance, step: { ...advance.step, op: 'op-2' }, version: 2 })).value,
  );
  const rerun = { flowId: 'f', version: 2, graph: undefined, ...none, enqueue: [step('f', 1, 'n-other')] };
  note('again, step present', (await b.commitFlow(rerun)).value);
  note('the first ticket claims it', (await claim(b, 'f.1', 'n-other')).kind);
  const last = leaseOf(await claim(b, 'f.1'));
  note('one f.1', [await state('f.1'), await statuses('f.1')]);

  // The last step ends the flow with its result.
  const end = { status: 'succeeded' as const, result: '"done"' };
  const finish = { flowId: 'f', version: 3, step: { lease: last, result: '"done"' }, graph: 'graph-4', end, ...none };
  note('finish', await b.commitFlow(finish));
  note('finished', [await state('f'), await statuses('f'), (await b.readFlow('f'))?.status]);

  // A step failing for good fails its flow, naming it; re-opened with its step re-run.
  await b.startFlow(flowJob('g'), 'graph-1', [step('g', 0)]);
  const g0 = leaseOf(await claim(b, 'g.0'));
  note('nack', await b.nack(g0, { name: 'Error', message: 'boom', code: 'E_BOOM' }, undefined));
  note('failed', [await state('g'), await b.get('g').then((r) => r?.error), await statuses('g')]);
  const version = (await b.readFlow('g'))!.version;
  const next = { gen: 2, nonce: 'n-g.0-2', runAt: Date.now(), delayed: false };
  const reopen = { flowId: 'g', version, reopen: true, reruns: [{ id: 'g.0', gen: 1, next }], enqueue: [] };
  note('reopen', await b.commitFlow(reopen));
  note('reopened', [await state('g'), await statuses('g'), await state('g.0')]);

  // A cancelled step fails its flow too; a finished flow is not failed again.
  note('cancel step', await b.cancel('g.0'));
  note('cancelled', [await state('g'), await statuses('g')]);
  note('cancel finished step', (await b.cancel('f.1')).value);
  note('still succeeded', await state('f'));
  // Counts agree with the jobs (SQLite counts a step's ack itself, not by its trigger).
  note('counts', await b.counts());
  return log;
}

it('flows on the amqp result backends: sqlite and redis answer the same', async () => {
  const sqlite = await createBackend(`sqlite:${join(dir, 'state.db')}`, 'ns1', 60_000);
  const redis = await createBackend(`${redisUrl}/0?prefix=${prefix}`, 'ns1', 60_000);
  await sqlite.open();
  await redis.open();
  try {
    const [fromSqlite, fromRedis] = [await script(sqlite), await script(redis)];
    const get = (what: string): unknown =>
      (fromSqlite.find((l) => (l as [string])[0] === what) as [string, unknown])[1];
    expect(get('start')).toEqual({ id: 'f', status: 'active', duplicate: false });
    expect(get('start again')).toEqual({ id: 'f', status: 'active', duplicate: true });
    expect(get('read')).toEqual({ status: 'active', graph: 'graph-1', version: 1 });
    expect(get('flow')).toEqual([{ status: 'active', flowId: undefined }, ['queued', 'active']]);
    expect(get('link')).toEqual([{ flowId: 'f', step: 0 }, undefined, undefined]);
    expect(get('conflict')).toBe('conflict');
    expect(get('after conflict')).toEqual([{ status: 'active', flowId: 'f' }, undefined, 1]);
    expect(get('after advance')).toEqual([
      { status: 'succeeded', result: '"r0"', flowId: 'f' },
      { status: 'queued', flowId: 'f' },
      { status: 'active', graph: 'graph-2', version: 2 },
    ]);
    expect(get('again, stale lease')).toBe('stale');
    expect(get('again, step present')).toBe('ok');
    expect(get('the first ticket claims it')).toBe('stale');
    expect(get('one f.1')).toEqual([{ status: 'active', flowId: 'f' }, ['queued', 'active']]);
    expect(get('finished')).toEqual([
      { status: 'succeeded', result: '"done"', flowId: undefined },
      ['queued', 'active', 'succeeded'],
      'succeeded',
    ]);
    expect(get('failed')).toEqual([
      { status: 'failed', error: 'step t (job g.0) failed: boom', flowId: undefined },
      { name: 'Error', message: 'step t (job g.0) failed: boom', code: 'E_BOOM' },
      ['queued', 'active', 'failed'],
    ]);
    expect(get('reopened')).toEqual([
      { status: 'active', flowId: undefined },
      ['queued', 'active'],
      { status: 'queued', flowId: 'g' },
    ]);
    expect(get('cancelled')).toEqual([
      { status: 'failed', error: 'step t (job g.0) was cancelled', flowId: undefined },
      ['queued', 'active', 'failed'],
    ]);
    expect(get('still succeeded')).toMatchObject({ status: 'succeeded' });
    for (let i = 0; i < fromSqlite.length; i++)
      expect(plain(fromRedis[i]), JSON.stringify((fromSqlite[i] as [string])[0])).toEqual(plain(fromSqlite[i]));
  } finally {
    await sqlite.close();
    await redis.close();
  }
}, 30_000);

/** Drops what differs by nature between two runs: times; reports of one write compare in any order. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'at') out[k] = '·';
    else if (k === 'notes') out[k] = (plain(v) as { id: string; n: number }[]).sort(byIdAndN);
    else if (v !== undefined) out[k] = plain(v);
  }
  return out;
}

function byIdAndN(a: { id: string; n: number }, b: { id: string; n: number }): number {
  return a.id === b.id ? a.n - b.n : a.id < b.id ? -1 : 1;
}
