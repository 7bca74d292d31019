import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { WorkerPresence } from '../../core/contract/index.js';
import type { SuiteContext } from './helpers.js';

function presence(instance: string, id: string, overrides: Partial<WorkerPresence> = {}): WorkerPresence {
  const now = Date.now();
  return {
    id,
    kind: 'remote',
    name: `worker-${id}`,
    instance,
    tasks: ['a', 'b'],
    concurrency: 4,
    active: 1,
    lastSeen: now,
    connectedAt: now - 1000,
    address: '127.0.0.1',
    ...overrides,
  };
}

/** The optional worker directory: what every process sharing the broker announced. */
export function workerDirectoryTests({ open, test }: SuiteContext): void {
  const mine = (all: WorkerPresence[], instances: string[]): WorkerPresence[] =>
    all.filter((w) => instances.includes(w.instance)).sort((a, b) => a.id.localeCompare(b.id));

  test(
    '.announceWorkers() - each instance’s announcement replaces its own last one; the list holds every instance',
    async () => {
      const broker = await open();
      const [a, b] = [broker, broker];
      const [ia, ib] = [`i-${randomUUID()}`, `i-${randomUUID()}`];
      await a.announceWorkers!(
        ia,
        [presence(ia, 'a1'), presence(ia, 'a2', { kind: 'herd', address: undefined })],
        60_000,
      );
      await b.announceWorkers!(ib, [presence(ib, 'b1')], 60_000);
      expect(mine(await a.listWorkers!(), [ia, ib]).map((w) => w.id)).toEqual(['a1', 'a2', 'b1']);
      await a.announceWorkers!(ia, [presence(ia, 'a3', { active: 3 })], 60_000);
      const listed = mine(await b.listWorkers!(), [ia, ib]);
      expect(listed.map((w) => w.id)).toEqual(['a3', 'b1']);
      expect(listed[0]).toEqual(
        presence(ia, 'a3', { active: 3, lastSeen: listed[0]!.lastSeen, connectedAt: listed[0]!.connectedAt }),
      );
      await a.announceWorkers!(ia, [], 60_000);
      expect(mine(await a.listWorkers!(), [ia, ib]).map((w) => w.id)).toEqual(['b1']);
      await b.announceWorkers!(ib, [], 60_000);
    },
    ['workerDirectory'],
  );

  test(
    '.listWorkers() - an announcement not renewed within its ttl is gone (a dead process drops out by itself)',
    async () => {
      const broker = await open();
      const instance = `i-${randomUUID()}`;
      await broker.announceWorkers!(instance, [presence(instance, 'w1')], 150);
      expect(mine(await broker.listWorkers!(), [instance])).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(mine(await broker.listWorkers!(), [instance])).toEqual([]);
    },
    ['workerDirectory'],
  );
}
