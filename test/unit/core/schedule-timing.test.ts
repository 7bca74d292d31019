import { describe, expect, it } from 'vitest';
import { checkSchedule } from '../../../src/core/schedule-definition.js';
import { scheduleTicks } from '../../../src/core/schedule-timing.js';

const at = (iso: string): number => Date.parse(iso);

describe('schedule ticks', () => {
  it('every: multiples of the period since the epoch; latest at or before, next strictly after', () => {
    const ticks = scheduleTicks('t', { every: 5000 });
    expect(ticks.latest(at('2026-01-01T00:00:07.500Z'))).toBe(at('2026-01-01T00:00:05Z'));
    expect(ticks.latest(at('2026-01-01T00:00:05Z'))).toBe(at('2026-01-01T00:00:05Z'));
    expect(ticks.next(at('2026-01-01T00:00:05Z'))).toBe(at('2026-01-01T00:00:10Z'));
    expect(ticks.next(at('2026-01-01T00:00:04.999Z'))).toBe(at('2026-01-01T00:00:05Z'));
  });

  it('cron with 5 fields and with 6 (seconds first)', () => {
    const minutes = scheduleTicks('m', { cron: '*/15 * * * *' });
    expect(minutes.latest(at('2026-01-01T10:29:59Z'))).toBe(at('2026-01-01T10:15:00Z'));
    expect(minutes.next(at('2026-01-01T10:15:00Z'))).toBe(at('2026-01-01T10:30:00Z'));
    const seconds = scheduleTicks('s', { cron: '*/10 * * * * *' });
    expect(seconds.latest(at('2026-01-01T10:00:20Z'))).toBe(at('2026-01-01T10:00:20Z'));
    expect(seconds.latest(at('2026-01-01T10:00:29.900Z'))).toBe(at('2026-01-01T10:00:20Z'));
    expect(seconds.next(at('2026-01-01T10:00:20Z'))).toBe(at('2026-01-01T10:00:30Z'));
  });

  it('cron in a time zone, across the DST change: 03:00 Berlin is 02:00Z in winter, 01:00Z in summer (a 23 h day)', () => {
    const nightly = scheduleTicks('n', { cron: '0 3 * * *', tz: 'Europe/Berlin' });
    const before = nightly.next(at('2026-03-27T12:00:00Z'))!;
    expect(before).toBe(at('2026-03-28T02:00:00Z'));
    const after = nightly.next(before)!;
    expect(after).toBe(at('2026-03-29T01:00:00Z'));
    expect(after - before).toBe(23 * 3_600_000);
    expect(nightly.latest(after + 1)).toBe(after);
  });

  it('refuses a bad expression, time zone or period with an InvalidScheduleError naming it', () => {
    const refused = (timing: Parameters<typeof scheduleTicks>[1], message: RegExp): void => {
      let error: unknown;
      try {
        scheduleTicks('nightly', timing);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'ERR_DROVER_INVALID_SCHEDULE', message: expect.stringMatching(message) });
    };
    refused({ cron: '61 * * * *' }, /Schedule "nightly": bad cron expression "61 \* \* \* \*".*minute/);
    refused({ cron: 'every day' }, /bad cron expression "every day"/);
    refused({ cron: '0 3 * * *', tz: 'Europe/Nowhere' }, /unknown time zone "Europe\/Nowhere"/);
    refused({ every: 999 }, /`every` must be an integer number of ms in \[1000, /);
    refused({ every: 1500.5 }, /`every`/);
  });
});

describe('checkSchedule()', () => {
  it('builds the stored definition: JSON job options, overlap defaulting to true', () => {
    const { definition } = checkSchedule('r', { cron: '0 3 * * *', tz: 'UTC' }, 'report', ['daily'], {
      priority: 5,
      retries: 1,
      queue: 'reports',
    });
    expect(definition).toEqual({
      name: 'r',
      cron: '0 3 * * *',
      tz: 'UTC',
      overlap: true,
      task: 'report',
      args: ['daily'],
      options: { priority: 5, retries: 1, queue: 'reports' },
    });
  });

  it('refuses, naming the part: both or neither of cron and every, tz with every, unknown keys, non-JSON args, delay/runAt/key', () => {
    const bad: [unknown[], RegExp][] = [
      [['s', { cron: '* * * * *', every: 1000 }, 't', []], /exactly one of `cron` and `every`/],
      [['s', {}, 't', []], /exactly one of `cron` and `every`/],
      [['s', { every: 1000, tz: 'UTC' }, 't', []], /`tz` applies to `cron` only/],
      [['s', { every: 1000, jitter: 5 }, 't', []], /Unknown option `jitter` in `spec`/],
      [['s', { every: 1000, overlap: 'no' }, 't', []], /`spec.overlap` to be a boolean/],
      [['s', { every: 1000 }, 't', 'x'], /`args` to be an array/],
      [['s', { every: 1000 }, 't', [new Date(0)]], /`args` to be JSON values/],
      [['s', { every: 1000 }, 't', [], { key: 'k' }], /job option `key` does not apply/],
      [['s', { every: 1000 }, 't', [], { delay: 5 }], /job option `delay` does not apply/],
      [['', { every: 1000 }, 't', []], /`name` to be a non-empty string/],
    ];
    for (const [args, message] of bad)
      expect(() => (checkSchedule as (...a: unknown[]) => unknown)(...args), String(message)).toThrow(message);
  });
});
