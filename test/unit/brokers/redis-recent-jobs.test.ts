import { describe, expect, test } from 'vitest';
import { RecentJobs } from '../../../src/brokers/redis/recent-jobs.js';
import type { NumberedReport } from '../../../src/brokers/redis/report-log.js';

const report = (n: number, status: NumberedReport['report']['status']): NumberedReport => ({
  n,
  report: { jobId: 'j', status, attempt: 1, at: n },
});

describe('RecentJobs', () => {
  test('a local report ahead of the echo of an earlier one is not trusted until the gap fills', async () => {
    const recent = new RecentJobs(60_000);
    recent.add('j');
    recent.queued('j', 1);
    recent.caused('j', 2); // this process leased it: `active` is report 2, its echo still on the way
    recent.caused('j', 3);
    recent.record('j', report(3, 'progress')); // recorded locally at once
    const started = Date.now();
    expect(await recent.history('j')).toBeUndefined(); // waited for the echo of 2, then: ask Redis
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    recent.record('j', report(2, 'active'));
    expect((await recent.history('j'))?.map((r) => r.report.status)).toEqual(['queued', 'active', 'progress']);
  });

  test('a gap beyond what this process caused (another process’s report lost on the way) means: ask Redis', async () => {
    const recent = new RecentJobs(60_000);
    recent.add('j');
    recent.queued('j', 1);
    recent.record('j', report(2, 'active'));
    recent.record('j', report(4, 'succeeded'));
    expect(await recent.history('j')).toBeUndefined();
  });

  test('a re-run (a new queued report) starts the history over', async () => {
    const recent = new RecentJobs(60_000);
    recent.add('j');
    recent.queued('j', 1);
    recent.record('j', report(2, 'active'));
    recent.record('j', { n: 1, report: { jobId: 'j', status: 'queued', attempt: 0, at: 9 } });
    expect((await recent.history('j'))?.map((r) => r.report.status)).toEqual(['queued']);
  });
});
