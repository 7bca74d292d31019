import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../../src/chief/restart-policy.js';

const DEFAULTS = { initial: 1_000, max: 60_000, crashWindow: 60_000, maxCrashes: 5 };

/** Crash times t (s) of runs that each lasted 0 s. */
function delays(policy: RestartPolicy, times: number[]): number[] {
  return times.map((t) => policy.recordCrash(t * 1_000, 0).delayMs);
}

describe('RestartPolicy', () => {
  it('RestartPolicy.recordCrash() - waits 1, 2, 4 … 60 s at the top of the jitter', () => {
    const policy = new RestartPolicy({ ...DEFAULTS, maxCrashes: 1_000 }, () => 1);
    // Crashes 100 s apart never pile up in the window; the streak still doubles.
    expect(delays(policy, [0, 100, 200, 300, 400, 500, 600, 700, 800])).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('RestartPolicy.recordCrash() - at the bottom of the jitter waits half', () => {
    const policy = new RestartPolicy({ ...DEFAULTS, maxCrashes: 1_000 }, () => 0);
    expect(delays(policy, [0, 100, 200, 300, 400, 500, 600, 700])).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  it('RestartPolicy.recordCrash() - jitter spreads restarts in [d/2, d]', () => {
    const policy = new RestartPolicy({ ...DEFAULTS, maxCrashes: 1_000 });
    const first = Array.from({ length: 200 }, () => new RestartPolicy(DEFAULTS).recordCrash(0, 0).delayMs);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...first)).toBeLessThanOrEqual(1_000);
    expect(new Set(first).size).toBeGreaterThan(50);
    expect(policy.recordCrash(0, 0).restart).toBe(true);
  });

  it('RestartPolicy.recordCrash() - gives up at the 5th crash within 60 s', () => {
    const policy = new RestartPolicy(DEFAULTS, () => 1);
    const decisions = [0, 1, 3, 7, 15].map((t) => policy.recordCrash(t * 1_000, 0));
    expect(decisions.map((d) => d.restart)).toEqual([true, true, true, true, false]);
    expect(decisions.map((d) => d.crashes)).toEqual([1, 2, 3, 4, 5]);
    expect(decisions.at(-1)!.delayMs).toBe(0);
  });

  it('RestartPolicy.recordCrash() - crashes older than the window no longer count', () => {
    const policy = new RestartPolicy(DEFAULTS, () => 1);
    const decisions = [0, 20, 40, 61, 81, 101].map((t) => policy.recordCrash(t * 1_000, 0));
    expect(decisions.map((d) => d.crashes)).toEqual([1, 2, 3, 3, 3, 3]);
    expect(decisions.every((d) => d.restart)).toBe(true);
  });

  it('RestartPolicy.recordCrash() - a run that lasted the window resets the doubling', () => {
    const policy = new RestartPolicy(DEFAULTS, () => 1);
    expect(policy.recordCrash(0, 0).delayMs).toBe(1_000);
    expect(policy.recordCrash(2_000, 0).delayMs).toBe(2_000);
    expect(policy.recordCrash(100_000, 60_000).delayMs).toBe(1_000);
  });
});
