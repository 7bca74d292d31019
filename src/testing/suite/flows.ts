import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Broker, LeasedJob } from '../../core/contract/index.js';
import { FLOW_QUEUE } from '../../core/contract/index.js';
import type { Flow } from '../../core/flow/flow.js';
import { chain, chord, group } from '../../core/flow/flow.js';
import { compileFlow } from '../../core/flow/flow-graph.js';
import { flowToSpec } from '../../core/flow/flow-spec.js';
import { task } from '../../core/task.js';
import type { SuiteContext } from './helpers.js';
import { LEASE_MS, historyOf, leaseOf, queueName, sleep, waitFor } from './helpers.js';

/** Tasks of one test, all on one fresh queue. */
function tasks(retries = 3) {
  const queue = queueName();
  const def = (name: string) => task(name, (...args: unknown[]) => args, { queue, retries });
  return { queue, a: def('a'), b: def('b'), c: def('c') };
}

/** Starts a flow on the broker as the app does; resolves to its id. */
async function start(broker: Broker, flow: Flow): Promise<string> {
  const request = compileFlow(
    `f-${randomUUID()}`,
    flow,
    () => {},
    () => flowToSpec(flow.node),
  );
  const receipt = await broker.startFlow!(request);
  return receipt.id;
}

async function statusOf(broker: Broker, id: string): Promise<string | undefined> {
  return (await broker.getJob(id))?.status;
}

/** Waits for the flow (or job) to reach `status`. */
async function until(broker: Broker, id: string, status: string): Promise<void> {
  await waitFor(`${id} to be ${status}`, async () => (await statusOf(broker, id)) === status);
}

/** Long enough that no lease runs out during a test, however busy the machine. */
const HOLD_MS = 30_000;

/** Leases exactly `n` jobs of the queue (waiting for them), sorted by id; `leaseMs` long unless given. */
async function leaseN(broker: Broker, queue: string, n: number, leaseMs = HOLD_MS): Promise<LeasedJob[]> {
  const jobs: LeasedJob[] = [];
  await waitFor(`${n} jobs on ${queue}`, async () => {
    jobs.push(...(await broker.lease(leaseOf(queue, n - jobs.length, leaseMs))));
    return jobs.length >= n;
  });
  expect(jobs).toHaveLength(n);
  return jobs.sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true }));
}

/** Nothing becomes leasable on the queue for a while. */
async function expectNothing(broker: Broker, queue: string): Promise<void> {
  await sleep(150);
  expect(await broker.lease(leaseOf(queue, 10, HOLD_MS))).toEqual([]);
}

/** The optional flows part (contract/flows.ts): start, atomic advance, failure, cancel, retry. */
export function flowTests({ open, test }: SuiteContext): void {
  test(
    '.startFlow() - the flow job is active, its first steps queued with its flowId',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, group(a.sig(1), b.sig(2)));
      const flow = await broker.getJob(id);
      expect(flow).toMatchObject({ id, task: 'group', queue: FLOW_QUEUE, status: 'active' });
      expect((await historyOf(broker, id)).map((r) => r.status)).toEqual(['queued', 'active']);
      const steps = await leaseN(broker, queue, 2);
      expect(steps.map((s) => [s.id, s.task, s.args])).toEqual([
        [`${id}.0`, 'a', [1]],
        [`${id}.1`, 'b', [2]],
      ]);
      expect((await broker.getJob(steps[0]!.id))?.flowId).toBe(id);
      for (const step of steps) await broker.ack(step, null);
    },
    ['flows'],
  );

  test(
    '.ack() of a step - enqueues the next with the result prepended; the last one finishes the flow',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, chain(a.sig(1), b.sig(2)));
      const [first] = await leaseN(broker, queue, 1);
      await expectNothingBut(broker, queue, first!);
      await broker.ack(first!, { n: 10 });
      const [second] = await leaseN(broker, queue, 1);
      expect(second).toMatchObject({ id: `${id}.1`, task: 'b', args: [{ n: 10 }, 2] });
      await broker.ack(second!, 'done');
      await until(broker, id, 'succeeded');
      expect((await broker.getJob(id))?.result).toBe('done');
      expect((await historyOf(broker, id)).map((r) => r.status)).toEqual(['queued', 'active', 'succeeded']);
    },
    ['flows'],
  );

  test(
    '.ack() of chord members - the callback starts once, after the last, with every result in order',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, chord([a.sig(1), a.sig(2), a.sig(3)], b.sig('z')));
      const members = await leaseN(broker, queue, 3);
      await broker.ack(members[2]!, 'r3');
      await broker.ack(members[0]!, 'r1');
      await expectNothing(broker, queue);
      await broker.ack(members[1]!, 'r2');
      const [callback] = await leaseN(broker, queue, 1);
      expect(callback).toMatchObject({ id: `${id}.3`, task: 'b', args: [['r1', 'r2', 'r3'], 'z'] });
      await expectNothing(broker, queue);
      await broker.ack(callback!, 6);
      await until(broker, id, 'succeeded');
      expect((await broker.getJob(id))?.result).toBe(6);
    },
    ['flows'],
  );

  test(
    '.ack() - nested flows: a group of chains inside a chain',
    async () => {
      const broker = await open();
      const { queue, a, b, c } = tasks();
      const id = await start(broker, chain(a.sig(), group(chain(b.sig(), c.sig()), b.sig('x'))));
      await broker.ack((await leaseN(broker, queue, 1))[0]!, 1);
      const [b0, b1] = await leaseN(broker, queue, 2);
      expect([b0!.args, b1!.args]).toEqual([[1], [1, 'x']]);
      await broker.ack(b1!, 'bx');
      await broker.ack(b0!, 2);
      const [c0] = await leaseN(broker, queue, 1);
      expect(c0).toMatchObject({ task: 'c', args: [2] });
      await broker.ack(c0!, 3);
      await until(broker, id, 'succeeded');
      expect((await broker.getJob(id))?.result).toEqual([3, 'bx']);
    },
    ['flows'],
  );

  test(
    '.nack() for good of a step - fails the flow naming the step; later steps never start',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, chain(a.sig(1), b.sig(2)));
      const [first] = await leaseN(broker, queue, 1);
      await broker.nack(first!, { error: { name: 'Error', message: 'boom' } });
      await until(broker, id, 'failed');
      const error = (await broker.getJob(id))?.error;
      expect(error?.message).toBe(`step a (job ${id}.0) failed: boom`);
      await expectNothing(broker, queue);
      expect(await broker.getJob(`${id}.1`)).toBeUndefined();
    },
    ['flows'],
  );

  test(
    'a step whose lease runs out on its last attempt - fails its flow',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks(0);
      const id = await start(broker, chain(a.sig(1), b.sig(2)));
      await leaseN(broker, queue, 1, LEASE_MS);
      await waitFor(`${id} to fail`, async () => (await statusOf(broker, id)) === 'failed', LEASE_MS * 4 + 3000);
      expect((await broker.getJob(id))?.error?.message).toMatch(`step a (job ${id}.0) failed`);
      await expectNothing(broker, queue);
    },
    ['flows', 'pullLeasing'],
  );

  test(
    '.cancel() of a flow - cancels it and its live steps; nothing starts after',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, group(a.sig(1), chain(b.sig(2), a.sig(3))));
      const leased = await leaseN(broker, queue, 2);
      expect(await broker.cancel(id)).toBe('aborted');
      await until(broker, id, 'cancelled');
      for (const step of leased) await until(broker, step.id, 'cancelled');
      expect(await broker.cancel(id)).toBe('finished');
      await expectNothing(broker, queue);
    },
    ['flows'],
  );

  test(
    '.cancel() of a step - fails its flow',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, chain(a.sig(1), b.sig(2)));
      await leaseN(broker, queue, 1);
      await broker.cancel(`${id}.0`);
      await until(broker, id, 'failed');
      expect((await broker.getJob(id))?.error?.message).toBe(`step a (job ${id}.0) was cancelled`);
    },
    ['flows'],
  );

  test(
    '.retry() of a failed flow - re-runs the failed step; members done meanwhile are kept',
    async () => {
      const broker = await open();
      const { queue, a, b } = tasks();
      const id = await start(broker, chord([a.sig(1), a.sig(2)], b.sig()));
      const [m0, m1] = await leaseN(broker, queue, 2);
      await broker.nack(m0!, { error: { name: 'Error', message: 'boom' } });
      await until(broker, id, 'failed');
      await broker.ack(m1!, 'r1');
      await expectNothing(broker, queue);
      expect((await broker.retry(id))?.status).toBe('active');
      const [again] = await leaseN(broker, queue, 1);
      expect(again).toMatchObject({ id: `${id}.0`, attempt: 1 });
      await broker.ack(again!, 'r0');
      const [callback] = await leaseN(broker, queue, 1);
      expect(callback!.args).toEqual([['r0', 'r1']]);
      await broker.ack(callback!, 'ok');
      await until(broker, id, 'succeeded');
      expect(await broker.retry(id)).toBeUndefined();
    },
    ['flows'],
  );
}

/** Only `job` is leased from the queue: nothing else started early. */
async function expectNothingBut(broker: Broker, queue: string, job: LeasedJob): Promise<void> {
  expect(job.args).toEqual([1]);
  await expectNothing(broker, queue);
}
