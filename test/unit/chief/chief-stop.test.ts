import { describe, expect, it } from 'vitest';
import type { ServiceAbandoned } from '../../../src/chief/index.js';
import { makeChief, polite, recordStates, sleep, stubborn, until } from './helpers.js';

describe('Chief stop', () => {
  it('Chief.start(signal) - stops every service when the signal aborts, resolves once all have stopped', async () => {
    const chief = makeChief();
    const order: string[] = [];
    for (const name of ['api', 'resizer']) {
      chief.add(name, {
        async run({ signal }) {
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          await sleep(name === 'api' ? 40 : 5); // a graceful stop takes a while
          order.push(name);
        },
      });
    }
    const controller = new AbortController();
    const done = chief.start(controller.signal);
    await until(() => Object.values(chief.states()).every((s) => s === 'running'));
    controller.abort();
    const summary = await done;
    expect(order).toEqual(['resizer', 'api']);
    expect(summary).toEqual({
      states: { api: 'stopped', resizer: 'stopped' },
      failed: [],
      abandoned: [],
      forced: false,
    });
  });

  it('Chief.stop() - idempotent: every call resolves to the same summary', async () => {
    const chief = makeChief().add('api', polite());
    const done = chief.start();
    await until(() => chief.states().api === 'running');
    const [a, b] = await Promise.all([chief.stop(), chief.stop()]);
    expect(a).toBe(b);
    expect(await done).toBe(a);
    expect(await chief.stop()).toBe(a);
    expect(await chief.stop({ force: true })).toBe(a);
  });

  it('Chief.stop() - before start(): start() then stops at once', async () => {
    const chief = makeChief().add('api', polite());
    expect((await chief.stop()).states).toEqual({ api: 'present' });
    expect((await chief.start()).states).toEqual({ api: 'stopped' });
  });

  it('Chief.start() - a service that ignores its signal is abandoned after forceStopTimeout, by name', async () => {
    const chief = makeChief({ forceStopTimeout: 60 });
    const rec = recordStates(chief);
    const abandoned: ServiceAbandoned[] = [];
    chief.on('abandon', (event) => void abandoned.push(event));
    chief.add('hung', stubborn()).add('api', polite());
    const done = chief.start();
    await until(() => chief.states().hung === 'running' && chief.states().api === 'running');
    const t0 = performance.now();
    void chief.stop();
    const summary = await done;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(1_000);
    expect(summary).toEqual({
      states: { hung: 'failed', api: 'stopped' },
      failed: [],
      abandoned: ['hung'],
      forced: false,
    });
    expect(abandoned).toEqual([{ name: 'hung', reason: 'timeout' }]);
    expect(rec.path('hung')).toEqual(['present', 'enabled', 'initialized', 'running', 'failed']);
  });

  it('Chief.start() - an abandoned service that returns later changes nothing', async () => {
    const chief = makeChief({ forceStopTimeout: 20 });
    const rec = recordStates(chief);
    let finish: () => void = () => {};
    chief.add('slow', { run: () => new Promise<void>((resolve) => (finish = resolve)) });
    const done = chief.start();
    await until(() => chief.states().slow === 'running');
    void chief.stop();
    await done;
    const moves = rec.moves.length;
    finish();
    await sleep(10);
    expect(rec.moves.length).toBe(moves);
    expect(chief.states().slow).toBe('failed');
  });

  it('Chief.start() - an init that hangs past forceStopTimeout is abandoned too', async () => {
    const chief = makeChief({ forceStopTimeout: 30 });
    chief.add('api', { init: () => new Promise<never>(() => {}), run: () => {} });
    const done = chief.start();
    await until(() => chief.states().api === 'enabled');
    void chief.stop();
    const summary = await done;
    expect(summary.abandoned).toEqual(['api']);
    expect(summary.states.api).toBe('failed');
  });

  it('Chief.stop({ force: true }) - abandons at once and reports forced', async () => {
    const chief = makeChief({ forceStopTimeout: 60_000 });
    const abandoned: ServiceAbandoned[] = [];
    chief.on('abandon', (event) => void abandoned.push(event));
    chief.add('hung', stubborn()).add('api', polite());
    const done = chief.start();
    await until(() => chief.states().hung === 'running');
    void chief.stop();
    await until(() => chief.states().api === 'stopped');
    const t0 = Date.now();
    const summary = await chief.stop({ force: true });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await done).toBe(summary);
    expect(summary).toEqual({
      states: { hung: 'failed', api: 'stopped' },
      failed: [],
      abandoned: ['hung'],
      forced: true,
    });
    expect(abandoned).toEqual([{ name: 'hung', reason: 'forced' }]);
  });

  it('Chief[Symbol.asyncDispose]() - stops the Chief gracefully', async () => {
    const chief = makeChief().add('api', polite());
    const done = chief.start();
    await until(() => chief.states().api === 'running');
    await chief[Symbol.asyncDispose]();
    expect((await done).states.api).toBe('stopped');
  });

  it('Chief.runAll() - installs SIGINT/SIGTERM handlers and removes them when it resolves', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const chief = makeChief().add('api', polite());
    const done = chief.runAll();
    await until(() => chief.states().api === 'running');
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    await chief.stop();
    await done;
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
  });

  it('Chief.runAll() - the first signal stops gracefully', async () => {
    const chief = makeChief().add('api', polite());
    const done = chief.runAll({ signals: ['SIGUSR2'] });
    await until(() => chief.states().api === 'running');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await done).toEqual({ states: { api: 'stopped' }, failed: [], abandoned: [], forced: false });
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('Chief.runAll() - the second signal forces the stop, abandoning the stubborn', async () => {
    const chief = makeChief({ forceStopTimeout: 60_000 }).add('hung', stubborn()).add('api', polite());
    const done = chief.runAll({ signals: ['SIGUSR2'] });
    await until(() => chief.states().hung === 'running');
    process.emit('SIGUSR2', 'SIGUSR2');
    await until(() => chief.states().api === 'stopped');
    expect(chief.states().hung).toBe('running');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await done).toEqual({
      states: { hung: 'failed', api: 'stopped' },
      failed: [],
      abandoned: ['hung'],
      forced: true,
    });
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});
