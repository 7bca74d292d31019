import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { SERVICE_STATES } from '../../../src/chief/index.js';
import type { ServiceContext } from '../../../src/chief/index.js';
import { STATE_TRANSITIONS } from '../../../src/chief/service-state.js';
import { aborted, makeChief, polite, recordStates, until } from './helpers.js';

describe('Chief states', () => {
  it('SERVICE_STATES - exactly the seven states of docs/architecture.md, "Chief"', () => {
    expect([...SERVICE_STATES].sort()).toEqual([
      'disabled',
      'enabled',
      'failed',
      'initialized',
      'present',
      'running',
      'stopped',
    ]);
    expect(Object.keys(STATE_TRANSITIONS).sort()).toEqual([...SERVICE_STATES].sort());
  });

  it('Chief.add() - a new service is present and enabled by default', () => {
    const chief = makeChief().add('api', polite()).add('resizer', polite());
    expect(chief.states()).toEqual({ api: 'present', resizer: 'present' });
    expect(chief.isEnabled('api')).toBe(true);
    expect(chief.isEnabled('nope')).toBe(false);
  });

  it('Chief.enable() - the named become enabled, the others disabled', () => {
    const chief = makeChief().add('api', polite()).add('resizer', polite()).add('uploader', polite());
    const rec = recordStates(chief);
    chief.enable('api', 'uploader');
    expect(chief.states()).toEqual({ api: 'enabled', resizer: 'disabled', uploader: 'enabled' });
    expect(rec.moves).toEqual([
      { name: 'api', from: 'present', to: 'enabled' },
      { name: 'resizer', from: 'present', to: 'disabled' },
      { name: 'uploader', from: 'present', to: 'enabled' },
    ]);
    expect(chief.isEnabled('resizer')).toBe(false);
  });

  it('Chief.enable() - a second call enables more: disabled → enabled', () => {
    const chief = makeChief().add('api', polite()).add('resizer', polite());
    const rec = recordStates(chief);
    chief.enable('api').enable('resizer', 'api');
    expect(chief.states()).toEqual({ api: 'enabled', resizer: 'enabled' });
    expect(rec.path('resizer')).toEqual(['present', 'disabled', 'enabled']);
  });

  it('Chief.disable() - enabled → disabled, and present → disabled without enable()', () => {
    const chief = makeChief().add('api', polite()).add('resizer', polite()).add('uploader', polite());
    const rec = recordStates(chief);
    chief.disable('resizer');
    expect(chief.states()).toEqual({ api: 'present', resizer: 'disabled', uploader: 'present' });
    chief.enable('api').disable('api');
    expect(rec.path('api')).toEqual(['present', 'enabled', 'disabled']);
    expect(chief.isEnabled('api')).toBe(false);
  });

  it('Chief.add() - after enable() a new service starts disabled', () => {
    const chief = makeChief().add('api', polite()).enable('api').add('late', polite());
    expect(chief.states()).toEqual({ api: 'enabled', late: 'disabled' });
  });

  it('Chief.start() - present → enabled → initialized → running → stopped', async () => {
    const chief = makeChief();
    const rec = recordStates(chief);
    const seen: string[] = [];
    chief.add('api', {
      init: (ctx) => void seen.push(`init ${chief.states().api}`, ...contextShape(ctx)),
      async run(ctx) {
        seen.push(`run ${chief.states().api}`);
        await aborted(ctx.signal);
      },
    });
    const controller = new AbortController();
    const done = chief.start(controller.signal);
    await until(() => chief.states().api === 'running');
    controller.abort();
    const summary = await done;
    expect(rec.path('api')).toEqual(['present', 'enabled', 'initialized', 'running', 'stopped']);
    expect(seen).toEqual(['init enabled', 'name api', 'signal AbortSignal', 'logger bound to api', 'run running']);
    expect(summary).toEqual({ states: { api: 'stopped' }, failed: [], abandoned: [], forced: false });
  });

  it('Chief.start() - a service without init passes through initialized too', async () => {
    const chief = makeChief().add('api', { run: () => {} });
    const rec = recordStates(chief);
    await chief.start();
    expect(rec.path('api')).toEqual(['present', 'enabled', 'initialized', 'running', 'stopped']);
  });

  it('Chief.start() - run() that returns ends the service as stopped, not restarted; the others keep running', async () => {
    const chief = makeChief();
    let runs = 0;
    chief.add('oneshot', { run: () => void runs++, restartOnFail: true }).add('api', polite());
    const done = chief.start();
    await until(() => chief.states().oneshot === 'stopped' && chief.states().api === 'running');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runs).toBe(1);
    expect(chief.states().api).toBe('running');
    await chief.stop();
    expect((await done).states).toEqual({ oneshot: 'stopped', api: 'stopped' });
  });

  it('Chief.start() - disabled services never run and stay disabled', async () => {
    const chief = makeChief();
    let ran = false;
    chief
      .add('api', { run: () => {} })
      .add('resizer', { run: () => void (ran = true) })
      .enable('api');
    const summary = await chief.start();
    expect(ran).toBe(false);
    expect(summary.states).toEqual({ api: 'stopped', resizer: 'disabled' });
  });

  it('Chief.start() - a stop during init: initialized → stopped, run is never called', async () => {
    const chief = makeChief();
    const rec = recordStates(chief);
    let release: () => void = () => {};
    let ran = false;
    chief.add('api', {
      init: () => new Promise<void>((resolve) => (release = resolve)),
      run: () => void (ran = true),
    });
    const done = chief.start();
    await until(() => rec.moves.length === 1);
    const stopping = chief.stop();
    release();
    await stopping;
    await done;
    expect(ran).toBe(false);
    expect(rec.path('api')).toEqual(['present', 'enabled', 'initialized', 'stopped']);
  });

  it('Chief.start() - with an aborted signal: enabled → stopped, nothing runs', async () => {
    const chief = makeChief();
    const rec = recordStates(chief);
    let called = false;
    chief.add('api', { init: () => void (called = true), run: () => void (called = true) });
    const summary = await chief.start(AbortSignal.abort());
    expect(called).toBe(false);
    expect(rec.path('api')).toEqual(['present', 'enabled', 'stopped']);
    expect(summary.states).toEqual({ api: 'stopped' });
  });

  it('Chief.start() - with no enabled service resolves at once', async () => {
    const chief = makeChief().add('api', polite()).disable('api');
    expect(await chief.start()).toEqual({ states: { api: 'disabled' }, failed: [], abandoned: [], forced: false });
  });

  it('Chief.states() - a service named __proto__ is a plain key', () => {
    const chief = makeChief().add('__proto__', polite()).add('constructor', polite());
    const states = chief.states();
    expect(Object.getPrototypeOf(states)).toBe(Object.prototype);
    expect(Object.keys(states)).toEqual(['__proto__', 'constructor']);
    expect(states.constructor).toBe('present');
  });

  it('Chief.on() - a listener that throws is logged and breaks nothing; the returned function removes it', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => void (lines.push(chunk.toString()), cb()) });
    const chief = makeChief({ logger: pino({ level: 'error' }, sink) });
    const off = chief.on('state', () => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    chief.on('state', ({ to }) => void seen.push(to));
    chief.add('api', { run: () => {} });
    await chief.start();
    expect(seen).toEqual(['enabled', 'initialized', 'running', 'stopped']);
    expect(lines.some((l) => l.includes('listener bug') && l.includes("'state' event"))).toBe(true);
    off();
  });
});

function contextShape(ctx: ServiceContext): string[] {
  const bindings = ctx.logger.bindings() as { service?: string };
  return [`name ${ctx.name}`, `signal ${ctx.signal.constructor.name}`, `logger bound to ${bindings.service ?? '?'}`];
}
