import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { SERVICE_FAILURES_METRIC } from '../../../src/chief/index.js';
import type { ServiceCrash } from '../../../src/chief/index.js';
import { makeChief, polite, recordStates, sleep, until } from './helpers.js';

describe('Chief restarts (S24)', () => {
  it('Chief.start() - restarts with backoff: waits double, jittered in [d/2, d], init runs again', async () => {
    const chief = makeChief({ restartBackoff: { initial: 20, max: 1_000 } });
    const rec = recordStates(chief);
    const crashes: ServiceCrash[] = [];
    chief.on('crash', (crash) => void crashes.push(crash));
    const runAt: number[] = [];
    let inits = 0;
    chief.add('flaky', {
      init: () => void inits++,
      async run({ signal }) {
        runAt.push(performance.now());
        if (runAt.length <= 3) throw new Error(`crash ${runAt.length}`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
      restartOnFail: true,
    });
    const done = chief.start();
    await until(() => runAt.length === 4 && chief.states().flaky === 'running');
    expect(inits).toBe(4);
    expect(crashes.map((c) => [c.crashes, (c.error as Error).message])).toEqual([
      [1, 'crash 1'],
      [2, 'crash 2'],
      [3, 'crash 3'],
    ]);
    crashes.forEach((crash, i) => {
      const d = 20 * 2 ** i;
      expect(crash.restartInMs).toBeGreaterThanOrEqual(d / 2);
      expect(crash.restartInMs).toBeLessThanOrEqual(d);
      // The timer may fire a hair early in performance.now() terms.
      expect(runAt[i + 1]! - runAt[i]!).toBeGreaterThanOrEqual(crash.restartInMs! - 2);
    });
    await chief.stop();
    expect((await done).states.flaky).toBe('stopped');
    const cycle = ['initialized', 'running', 'enabled'];
    expect(rec.path('flaky')).toEqual([
      'present',
      'enabled',
      ...cycle,
      ...cycle,
      ...cycle,
      'initialized',
      'running',
      'stopped',
    ]);
  });

  it('Chief.start() - the backoff is capped at restartBackoff.max', async () => {
    const chief = makeChief({ restartBackoff: { initial: 4, max: 10 }, maxCrashes: 100 });
    const waits: number[] = [];
    chief.on('crash', ({ restartInMs }) => void waits.push(restartInMs!));
    chief.add('crashy', { run: () => Promise.reject(new Error('boom')), restartOnFail: true });
    void chief.start();
    await until(() => waits.length >= 6);
    await chief.stop();
    expect(Math.max(...waits)).toBeLessThanOrEqual(10);
    expect(waits.slice(2).every((w) => w >= 5)).toBe(true);
  });

  it('Chief.start() - a crash loop ends failed after maxCrashes within crashWindow; the others keep running', async () => {
    const chief = makeChief({ restartBackoff: { initial: 2, max: 8 }, maxCrashes: 4, crashWindow: 10_000 });
    const rec = recordStates(chief);
    const crashes: ServiceCrash[] = [];
    chief.on('crash', (crash) => void crashes.push(crash));
    let runs = 0;
    chief.add('crashy', {
      run: () => {
        runs++;
        throw new Error('boom');
      },
      restartOnFail: true,
    });
    chief.add('api', polite());
    const done = chief.start();
    await until(() => chief.states().crashy === 'failed');
    await sleep(20);
    expect(runs).toBe(4);
    expect(crashes.map((c) => c.restartInMs === undefined)).toEqual([false, false, false, true]);
    expect(crashes.at(-1)!.crashes).toBe(4);
    expect(chief.states()).toEqual({ crashy: 'failed', api: 'running' });
    await chief.stop();
    const summary = await done;
    expect(summary).toEqual({
      states: { crashy: 'failed', api: 'stopped' },
      failed: ['crashy'],
      abandoned: [],
      forced: false,
    });
    expect(rec.path('crashy').slice(-2)).toEqual(['running', 'failed']);
  });

  it('Chief.start() - without restartOnFail the first crash is final', async () => {
    const chief = makeChief();
    const rec = recordStates(chief);
    const crashes: ServiceCrash[] = [];
    chief.on('crash', (crash) => void crashes.push(crash));
    let runs = 0;
    chief.add('once', {
      async run() {
        runs++;
        throw new Error('nope');
      },
    });
    chief.add('api', polite());
    const done = chief.start();
    await until(() => chief.states().once === 'failed');
    await sleep(30);
    expect(runs).toBe(1);
    expect(crashes).toEqual([{ name: 'once', error: new Error('nope'), crashes: 1, restartInMs: undefined }]);
    expect(chief.states().api).toBe('running');
    expect(rec.path('once')).toEqual(['present', 'enabled', 'initialized', 'running', 'failed']);
    await chief.stop();
    expect((await done).failed).toEqual(['once']);
  });

  it('Chief.start() - an init that throws is a crash: enabled → failed, run never called', async () => {
    const chief = makeChief();
    const rec = recordStates(chief);
    let ran = false;
    chief.add('api', {
      init: () => {
        throw new Error('no database');
      },
      run: () => void (ran = true),
    });
    const summary = await chief.start();
    expect(ran).toBe(false);
    expect(rec.path('api')).toEqual(['present', 'enabled', 'failed']);
    expect(summary.failed).toEqual(['api']);
  });

  it('Chief.start() - an init that throws is retried with restartOnFail', async () => {
    const chief = makeChief();
    let inits = 0;
    chief.add('api', {
      init: () => {
        if (++inits < 3) throw new Error('not yet');
      },
      run: () => {},
      restartOnFail: true,
    });
    const summary = await chief.start();
    expect(inits).toBe(3);
    expect(summary.states.api).toBe('stopped');
  });

  it('Chief.start() - never more than one instance of a service at a time', async () => {
    const chief = makeChief({ restartBackoff: { initial: 0, max: 0 }, maxCrashes: 1_000 });
    let live = 0;
    let peak = 0;
    let runs = 0;
    chief.add('crashy', {
      async init() {
        live++;
        peak = Math.max(peak, live);
        await sleep(1);
      },
      async run() {
        runs++;
        await sleep(1);
        live--;
        throw new Error('boom');
      },
      restartOnFail: true,
    });
    const done = chief.start();
    await until(() => runs >= 20);
    await chief.stop();
    await done;
    expect(peak).toBe(1);
  });

  it('Chief.stop() - during a backoff wait: enabled → stopped at once', async () => {
    const chief = makeChief({ restartBackoff: { initial: 60_000, max: 60_000 } });
    const rec = recordStates(chief);
    chief.add('crashy', { run: () => Promise.reject(new Error('boom')), restartOnFail: true });
    const done = chief.start();
    await until(() => rec.moves.at(-1)?.to === 'enabled' && rec.moves.length > 2);
    const t0 = Date.now();
    await chief.stop();
    await done;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(rec.path('crashy')).toEqual(['present', 'enabled', 'initialized', 'running', 'enabled', 'stopped']);
  });

  it('Chief.start() - a throw after the stop counts as stopping, not as a crash', async () => {
    const chief = makeChief();
    const crashes: ServiceCrash[] = [];
    chief.on('crash', (crash) => void crashes.push(crash));
    chief.add('api', {
      async run({ signal }) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        throw signal.reason;
      },
    });
    const done = chief.start();
    await until(() => chief.states().api === 'running');
    await chief.stop();
    expect((await done).states.api).toBe('stopped');
    expect(crashes).toEqual([]);
  });

  it('Chief({ registry }) - drover_service_failures_total{service} counts failed services', async () => {
    const registry = new Registry();
    const chief = makeChief({ registry, maxCrashes: 2 });
    makeChief({ registry }); // a second Chief on the same registry shares the counter
    chief.add('crashy', { run: () => Promise.reject(new Error('boom')), restartOnFail: true });
    chief.add('once', { run: () => Promise.reject(new Error('boom')) });
    chief.add('fine', { run: () => {} });
    await chief.start();
    const text = await registry.getSingleMetricAsString(SERVICE_FAILURES_METRIC);
    expect(text).toContain('drover_service_failures_total{service="crashy"} 1');
    expect(text).toContain('drover_service_failures_total{service="once"} 1');
    expect(text).not.toContain('service="fine"');
  });
});
