import { describe, expect, it } from 'vitest';
import { Chief } from '../../../src/chief/index.js';
import type { ChiefOptions, ServiceDefinition } from '../../../src/chief/index.js';
import { ConfigError, InvalidArgumentError } from '../../../src/core/errors.js';
import { makeChief, polite } from './helpers.js';

/** Calls `fn` and returns what it threw. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const badOptions: [string, unknown, RegExp][] = [
  [
    'a negative forceStopTimeout',
    { forceStopTimeout: -1 },
    /Expected `forceStopTimeout` to be a number of milliseconds .*got -1 \(number\)/,
  ],
  ['a string forceStopTimeout', { forceStopTimeout: '45s' }, /Expected `forceStopTimeout` .*got "45s" \(string\)/],
  [
    'an unknown option',
    { forceStopTimout: 1 },
    /Unknown option `forceStopTimout` in `Chief options`; expected one of logger, forceStopTimeout/,
  ],
  ['a logger that is not one', { logger: console.log }, /Expected `logger` to be a pino Logger .*got a function/],
  [
    'restartBackoff.max below initial',
    { restartBackoff: { initial: 100, max: 10 } },
    /Expected `restartBackoff.max` to be at least restartBackoff.initial \(100\), got 10 \(number\)/,
  ],
  ['an unknown restartBackoff key', { restartBackoff: { base: 1 } }, /Unknown option `base` in `restartBackoff`/],
  ['maxCrashes 0', { maxCrashes: 0 }, /Expected `maxCrashes` to be an integer ≥ 1, got 0 \(number\)/],
  ['a crashWindow that is not a number', { crashWindow: null }, /Expected `crashWindow` .*got null/],
  ['a registry that is not one', { registry: {} }, /Expected `registry` to be a prom-client Registry, got an object/],
  ['options that are not an object', 'fast', /Expected `options` to be an object, got "fast" \(string\)/],
];

describe('Chief validation', () => {
  it.each(badOptions)('new Chief() - refuses %s', (_what, options, message) => {
    const error = thrown(() => new Chief(options as ChiefOptions));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('ERR_DROVER_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('new Chief() - restartBackoff.initial alone raises the default cap if needed', () => {
    expect(() => new Chief({ restartBackoff: { initial: 120_000 } })).not.toThrow();
  });

  it('Chief.add() - refuses a duplicate name', () => {
    const chief = makeChief().add('api', polite());
    const error = thrown(() => chief.add('api', polite()));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Expected a new service name, got "api", which is already added');
  });

  it.each([
    ['no run', { init: () => {} }, 'Expected `service "api".run` to be a function, got undefined'],
    ['a run that is a string', { run: 'go' }, 'Expected `service "api".run` to be a function, got "go" (string)'],
    [
      'an init that is not a function',
      { init: 1, run: () => {} },
      'Expected `service "api".init` to be a function or undefined, got 1 (number)',
    ],
    [
      'restartOnFail as a string',
      { run: () => {}, restartOnFail: 'yes' },
      'Expected `service "api".restartOnFail` to be a boolean or undefined, got "yes" (string)',
    ],
    ['null', null, 'Expected `service "api"` to be an object with a `run` function, got null'],
  ])('Chief.add() - refuses a service with %s', (_what, service, message) => {
    const error = thrown(() => makeChief().add('api', service as unknown as ServiceDefinition));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(message);
  });

  it('Chief.add() - refuses a bad name', () => {
    expect(thrown(() => makeChief().add('', polite())).message).toMatch(
      /Expected `name` to be a non-empty string.*got ""/,
    );
    expect(thrown(() => makeChief().add(42 as unknown as string, polite())).message).toMatch(/got 42 \(number\)/);
  });

  it('Chief.enable() / disable() - refuse unknown names, listing the known ones, and change nothing', () => {
    const chief = makeChief().add('api', polite()).add('resizer', polite());
    const error = thrown(() => chief.enable('api', 'uploder'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Unknown service "uploder" in enable(): expected one of "api", "resizer"');
    expect(chief.states()).toEqual({ api: 'present', resizer: 'present' });
    expect(thrown(() => chief.disable('x')).message).toBe(
      'Unknown service "x" in disable(): expected one of "api", "resizer"',
    );
    expect(thrown(() => makeChief().enable('x')).message).toBe(
      'Unknown service "x" in enable(): expected one of none (no service was added yet)',
    );
  });

  it('Chief.enable() - refuses no names at all', () => {
    const error = thrown(() => makeChief().add('api', polite()).enable());
    expect(error.message).toBe('Expected enable() to get at least one service name, got none');
  });

  it('Chief.add() / enable() / start() - refused once started, with ConfigError', async () => {
    const chief = makeChief().add('api', polite());
    const done = chief.start();
    for (const call of [() => chief.add('b', polite()), () => chief.enable('api'), () => chief.disable('api')]) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/once the Chief has started/);
    }
    await expect(chief.start()).rejects.toThrow(new ConfigError('Chief.start() was already called: a Chief runs once'));
    await chief.stop();
    await done;
  });

  it('Chief.start() - refuses a signal that is not an AbortSignal', async () => {
    await expect(makeChief().start({ aborted: false } as AbortSignal)).rejects.toThrow(
      /Expected `signal` to be an AbortSignal or undefined, got an object/,
    );
  });

  it('Chief.isChief() - knows a Chief, even from another copy of the module', () => {
    expect(Chief.isChief(makeChief())).toBe(true);
    expect(Chief.isChief({ [Symbol.for('drover.chief')]: true })).toBe(true);
    expect(Chief.isChief({ add() {}, start() {} })).toBe(false);
    expect(Chief.isChief(null)).toBe(false);
  });
});
