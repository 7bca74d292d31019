import { describe, expect, it } from 'vitest';
import { EventRing, RING_MAX_CHARS, RING_MAX_FRAMES } from '../../../src/server/events/event-ring.js';
import { summarizeReport } from '../../../src/server/events/report-summary.js';
import { THROUGHPUT_WINDOW_S, Throughput } from '../../../src/server/events/throughput.js';

describe('EventRing (Last-Event-ID resumes of GET /v1/events)', () => {
  it('gives the frames after a seq; refuses a seq whose successors fell off, or one from the future', () => {
    const ring = new EventRing();
    for (let i = 0; i < RING_MAX_FRAMES + 10; i++) ring.push((seq) => `f${seq}`);
    expect(ring.head).toBe(RING_MAX_FRAMES + 10);
    expect(ring.after(ring.head - 2)).toEqual([`f${ring.head - 1}`, `f${ring.head}`]);
    expect(ring.after(ring.head)).toEqual([]);
    expect(ring.after(10)).toHaveLength(RING_MAX_FRAMES); // the oldest resumable point
    expect(ring.after(9)).toBeUndefined();
    expect(ring.after(ring.head + 1)).toBeUndefined();
  });

  it('stays under its size bound with large frames', () => {
    const ring = new EventRing();
    const big = 'x'.repeat(RING_MAX_CHARS / 4);
    for (let i = 0; i < 20; i++) ring.push(() => big);
    // Four frames make the bound exactly: a fifth pushes the oldest out.
    expect(ring.after(ring.head - 5)).toBeUndefined();
    expect(ring.after(ring.head - 4)).toHaveLength(4);
  });

  it('skip(): frames made while nobody listened cannot be resumed over', () => {
    const ring = new EventRing();
    ring.push((seq) => `f${seq}`);
    const seen = ring.head;
    ring.skip();
    expect(ring.after(seen)).toBeUndefined();
    expect(ring.after(ring.head)).toEqual([]);
  });
});

describe('Throughput (jobs/s for the chart)', () => {
  it('counts per second, answers finished seconds only, and forgets what is older than the window', () => {
    const t0 = 1_700_000_000_000;
    const t = new Throughput(t0);
    t.add('succeeded', t0 + 10);
    t.add('succeeded', t0 + 20);
    expect(t.since(t0 / 1000 - 1, t0 + 999)).toEqual([]);
    t.add('failed', t0 + 1500);
    expect(t.since(t0 / 1000 - 1, t0 + 2000)).toEqual([
      { at: t0, succeeded: 2, failed: 0 },
      { at: t0 + 1000, succeeded: 0, failed: 1 },
    ]);
    const history = t.history(t0 + 2000);
    expect(history.succeeded).toHaveLength(THROUGHPUT_WINDOW_S - 1);
    expect(history.succeeded.at(-2)).toBe(2);
    expect(history.failed.at(-1)).toBe(1);
    expect(history.start + (THROUGHPUT_WINDOW_S - 2) * 1000).toBe(t0 + 1000);
    const later = t.history(t0 + (THROUGHPUT_WINDOW_S + 5) * 1000);
    expect(later.succeeded.every((n) => n === 0) && later.failed.every((n) => n === 0)).toBe(true);
  });
});

describe('summarizeReport', () => {
  it('keeps a report small: no result, no stack, a short message, small progress only', () => {
    const base = { jobId: 'j', task: 't', queue: 'q', attempt: 1, at: 5 };
    const failed = summarizeReport({
      ...base,
      status: 'failed',
      result: 'x'.repeat(10_000),
      error: { name: 'Error', message: 'm'.repeat(10_000), stack: 's'.repeat(10_000), code: 'E_X' },
    });
    expect(JSON.stringify(failed).length).toBeLessThan(600);
    expect(failed.error).toMatchObject({ name: 'Error', code: 'E_X' });
    expect(failed).not.toHaveProperty('result');
    expect(summarizeReport({ ...base, status: 'progress', progress: { done: 1 } }).progress).toEqual({ done: 1 });
    expect(summarizeReport({ ...base, status: 'progress', progress: 'p'.repeat(1000) })).not.toHaveProperty('progress');
  });
});
