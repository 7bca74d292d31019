/**
 * Leases and flow control of the worker gateway on a real `drover server`
 * (docs/reliability.md G2, S07, S08, S17), spoken by hand: credit is never
 * exceeded, one outcome per job, replayed outcomes after a re-lease are
 * refused, cancel reaches the holder, retries are the server's decision,
 * release does not count the attempt, and a crashed or silent worker's
 * jobs come back (counted) while a goodbye hands them back (not counted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobJson, ServerChild } from './remote-helpers.js';
import { RawClient, killAll, startServer, waitFor } from './remote-helpers.js';

let server: ServerChild;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => killAll());

async function worker(
  tasks: string[],
  concurrency: number,
): Promise<RawClient & { workerId: string; session: string }> {
  const client = await RawClient.open(server.port);
  const { workerId, welcome } = await client.handshake(undefined, { tasks, concurrency });
  return Object.assign(client.keepAlive(), { workerId, session: welcome.session as string });
}

async function status(id: string, wanted: string): Promise<JobJson> {
  return waitFor(
    async () => {
      const job = await server.api.job(id);
      return job.status === wanted ? job : undefined;
    },
    5000,
    `job ${id} to be ${wanted}`,
  );
}

describe('gateway leases and credit', () => {
  it('never more jobs outstanding than the credit, and credit frames move it', async () => {
    await server.api.enqueue(Array.from({ length: 20 }, () => ({ task: 'credit-q' })));
    const w = await worker(['credit-q'], 3);
    const first = await w.jobsWithin(400);
    expect(first).toHaveLength(3);
    w.send({ type: 'done', id: first[0]!.id, lease: first[0]!.lease, result: 1 });
    expect(await w.jobsWithin(400)).toHaveLength(1);
    w.send({ type: 'credit', concurrency: 5 });
    expect(await w.jobsWithin(400)).toHaveLength(2);
    w.send({ type: 'credit', concurrency: 1 });
    w.send({ type: 'done', id: first[1]!.id, lease: first[1]!.lease, result: 1 });
    w.send({ type: 'done', id: first[2]!.id, lease: first[2]!.lease, result: 1 });
    expect(await w.jobsWithin(400)).toHaveLength(0); // 3 still held > credit 1
    const listed = (await server.api.workers()).find((x) => x.id === w.workerId);
    expect(listed).toMatchObject({ concurrency: 1, active: 3, tasks: ['credit-q'] });
    w.close();
  });

  it('one outcome per job: a second done is refused as stale_lease', async () => {
    const [id] = await server.api.enqueue([{ task: 'once-q' }]);
    const w = await worker(['once-q'], 1);
    const job = await w.nextJob(300);
    expect(job).toMatchObject({ id, attempt: 1, task: 'once-q', args: [] });
    w.send({ type: 'done', id, lease: job.lease, result: 'first' });
    w.send({ type: 'done', id, lease: job.lease, result: 'second' });
    expect(await w.next()).toMatchObject({ type: 'error', code: 'stale_lease', id });
    expect((await status(id!, 'succeeded')).result).toBe('first');
    w.send({ type: 'done', id: 'never-yours', lease: 'x', result: 1 });
    expect(await w.next()).toMatchObject({ type: 'error', code: 'unknown_job', id: 'never-yours' });
    w.close();
  });

  it('a silent worker is dropped (4408); the job is re-leased, counted; its replayed done is refused', async () => {
    const [id] = await server.api.enqueue([{ task: 'replay-q' }]);
    const a = await worker(['replay-q'], 1);
    const held = await a.nextJob(300);
    a.goSilent();
    const dropped = Date.now();
    const b = await worker(['replay-q'], 1);
    const again = await b.nextJob(4000);
    expect(Date.now() - dropped).toBeLessThan(3200); // 2 heartbeats (1 s) + the check, within 2 × heartbeat + sweep
    expect(again).toMatchObject({ id, attempt: 2 });
    expect(again.lease).not.toBe(held.lease);
    expect(await a.next(1000)).toEqual({ closed: 4408 });
    // A comes back with its session and replays its outcome: refused, nothing changes.
    const a2 = await RawClient.open(server.port);
    const resumed = await a2.handshake(undefined, { tasks: ['other-q'], concurrency: 1, session: a.session });
    expect(resumed.workerId).toBe(a.workerId);
    a2.send({ type: 'done', id, lease: held.lease, result: 'late' });
    expect(await a2.next()).toMatchObject({ type: 'error', code: 'stale_lease', id });
    expect(await server.api.job(id!)).toMatchObject({ status: 'active', attempt: 2 });
    b.send({ type: 'done', id, lease: again.lease, result: 'b' });
    expect((await status(id!, 'succeeded')).result).toBe('b');
    a2.close();
    b.close();
  });

  it('cancel reaches the holder: a cancel frame, credit freed, a late done refused', async () => {
    const [id, next] = await server.api.enqueue([{ task: 'cancel-q' }, { task: 'cancel-q' }]);
    const w = await worker(['cancel-q'], 1);
    const job = await w.nextJob(300);
    expect(job.id).toBe(id);
    expect((await server.api.request('DELETE', `/v1/jobs/${id}`)).body).toMatchObject({ wasRunning: true });
    const frames = [await w.next(), await w.next()];
    expect(frames[0]).toEqual({ type: 'cancel', id });
    expect(frames[1]).toMatchObject({ type: 'job', id: next });
    w.send({ type: 'done', id, lease: job.lease, result: 1 });
    expect(await w.next()).toMatchObject({ type: 'error', code: 'stale_lease', id });
    expect(await server.api.job(id!)).toMatchObject({ status: 'cancelled' });
    w.close();
  });

  it("fail: retry when asked and allowed, never past the job's retries", async () => {
    const [id] = await server.api.enqueue([{ task: 'fail-q', options: { retries: 1 } }]);
    const w = await worker(['fail-q'], 1);
    const first = await w.nextJob(300);
    expect(first.options).toMatchObject({ retries: 1 });
    w.send({
      type: 'fail',
      id,
      lease: first.lease,
      error: { name: 'Error', message: 'try again' },
      retry: true,
      delayMs: 0,
    });
    const second = await w.nextJob(1000);
    expect(second).toMatchObject({ id, attempt: 2 });
    w.send({
      type: 'fail',
      id,
      lease: second.lease,
      error: { name: 'Error', message: 'still broken' },
      retry: true,
      delayMs: 0,
    });
    const failed = await status(id!, 'failed');
    expect(failed.error).toMatchObject({ name: 'Error', message: 'still broken' });
    expect(await w.jobsWithin(300)).toHaveLength(0);
    w.close();
  });

  it('release hands a job back without counting the attempt', async () => {
    const [id] = await server.api.enqueue([{ task: 'release-q' }]);
    const w = await worker(['release-q'], 1);
    const job = await w.nextJob(300);
    w.send({ type: 'release', id, lease: job.lease });
    const back = await w.nextJob(1000);
    expect(back).toMatchObject({ id, attempt: 1 });
    w.send({ type: 'done', id, lease: back.lease, result: 1 });
    await status(id!, 'succeeded');
    w.close();
  });

  it('a crash (socket cut) requeues held jobs at once, counted; a goodbye (1000) hands them back uncounted', async () => {
    const [crashed, left] = await server.api.enqueue([{ task: 'crash-q' }, { task: 'bye-q' }]);
    const a = await worker(['crash-q'], 1);
    await a.jobsWithin(300);
    const b = await worker(['bye-q'], 1);
    await b.jobsWithin(300);
    const cut = Date.now();
    a.close(); // no close frame: a crash
    b.ws.close(1000);
    const c = await worker(['crash-q', 'bye-q'], 2);
    const jobs = await c.jobsWithin(1000);
    expect(Date.now() - cut).toBeLessThan(2000);
    expect(jobs.find((j) => j.id === crashed)).toMatchObject({ attempt: 2 });
    expect(jobs.find((j) => j.id === left)).toMatchObject({ attempt: 1 });
    for (const j of jobs) c.send({ type: 'done', id: j.id, lease: j.lease, result: null });
    await status(crashed!, 'succeeded');
    c.close();
  });

  it('dispatch: one job at a time stays on the worker that worked last; a busy worker is passed over', async () => {
    const a = await worker(['order-q'], 4);
    const b = await worker(['order-q'], 4);
    const run = async (): Promise<string> => {
      await server.api.enqueue([{ task: 'order-q' }]);
      const [fromA, fromB] = await Promise.all([a.jobsWithin(300), b.jobsWithin(300)]);
      expect(fromA.length + fromB.length).toBe(1);
      const got = fromA.length === 1 ? { w: a, j: fromA[0]!, name: 'a' } : { w: b, j: fromB[0]!, name: 'b' };
      got.w.send({ type: 'done', id: got.j.id, lease: got.j.lease, result: null });
      await status(got.j.id, 'succeeded');
      return got.name;
    };
    const first = await run();
    // Equally idle: the one that worked last keeps getting the next job (warm caches), no turn-taking.
    for (let i = 0; i < 5; i++) expect(await run()).toBe(first);
    // It holds a job now: the next one goes to the idle worker.
    const [held] = await server.api.enqueue([{ task: 'order-q' }]);
    const hot = first === 'a' ? a : b;
    const other = first === 'a' ? b : a;
    const heldFrame = await hot.nextJob(2000);
    expect(heldFrame.id).toBe(held);
    const [next] = await server.api.enqueue([{ task: 'order-q' }]);
    const nextFrame = await other.nextJob(2000);
    expect(nextFrame.id).toBe(next);
    for (const [w, f] of [
      [hot, heldFrame],
      [other, nextFrame],
    ] as const)
      w.send({ type: 'done', id: f.id, lease: f.lease, result: null });
    await status(next!, 'succeeded');
    a.close();
    b.close();
  });

  it('a flood of progress frames is absorbed: the job settles and the server stays healthy', async () => {
    const [id] = await server.api.enqueue([{ task: 'flood-q' }]);
    const w = await worker(['flood-q'], 1);
    const job = await w.nextJob(300);
    for (let i = 0; i < 20_000; i++) w.send({ type: 'progress', id, lease: job.lease, value: i });
    w.send({ type: 'done', id, lease: job.lease, result: 'ok' });
    expect((await status(id!, 'succeeded')).result).toBe('ok');
    expect(await server.api.healthy()).toBe(true);
    w.close();
  });
});
