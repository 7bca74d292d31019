/**
 * docs/reliability.md S27: big payloads in listings. Jobs with 1 MiB
 * results, listed 200 at a time by several clients at once: every answer is
 * bounded by bytes (big fields left out, flagged, full at GET /v1/jobs/:id),
 * paging still reaches every job once, and the server's memory stays flat.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.js';
import { request, startTestServer } from './helpers.js';

const MIB = 1024 * 1024;
const JOBS = 24;
let target: TestServer;
let dir: string;
const ids: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-listing-'));
  target = await startTestServer({
    broker: `sqlite:${join(dir, 'drover.db')}`,
    concurrency: 4,
    setup: (app) => app.task('big', (n: number) => `${n}:${'x'.repeat(MIB)}`),
  });
  for (let i = 0; i < JOBS; i++) {
    const res = await request(target, 'POST', '/v1/jobs', { body: { task: 'big', args: [i] } });
    ids.push(res.body.id as string);
  }
  for (const id of ids) {
    const res = await request(target, 'GET', `/v1/jobs/${id}/result?timeout=20000`);
    expect(res.body.status).toBe('succeeded');
  }
}, 60_000);

afterAll(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('listings bounded by bytes (S27)', () => {
  it('GET /v1/jobs?status=succeeded&limit=200 - big results left out and flagged; full at /v1/jobs/:id', async () => {
    const res = await request(target, 'GET', '/v1/jobs?status=succeeded&limit=200');
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text)).toBeLessThan(MIB + 64 * 1024);
    expect(res.body.jobs.length).toBe(JOBS);
    for (const job of res.body.jobs) {
      expect(job.result).toBeNull();
      expect(job.truncated).toEqual(['result']);
      expect(job.args).toHaveLength(1);
    }
    const full = await request(target, 'GET', `/v1/jobs/${ids[7]!}`);
    expect(full.body.result).toBe(`7:${'x'.repeat(MIB)}`);
    expect(full.body.truncated).toBeUndefined();
  });

  it('a page stops at limits.listBytes and `next` continues exactly after it: every job once', async () => {
    const small = await startTestServer({
      broker: `sqlite:${join(dir, 'drover.db')}`,
      limits: { listBytes: 4096, listFieldBytes: 64 },
    });
    try {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const path: string = `/v1/jobs?status=succeeded&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await request(small, 'GET', path);
        expect(res.status, res.text).toBe(200);
        expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(4096);
        seen.push(...res.body.jobs.map((j: { id: string }) => j.id));
        cursor = res.body.next as string | null;
        pages++;
      } while (cursor !== null && pages < 100);
      expect(pages).toBeGreaterThan(2);
      expect(seen.sort()).toEqual([...ids].sort());
    } finally {
      await small.close();
    }
  });

  it('4 such listings in parallel - memory stays flat (< 150 MiB growth), never a 500', async () => {
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    for (let round = 0; round < 1; round++) {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => request(target, 'GET', '/v1/jobs?status=succeeded&limit=200')),
      );
      for (const a of answers) expect(a.status).toBe(200);
    }
    clearInterval(sampler);
    expect((peak - before) / MIB).toBeLessThan(150);
  }, 90_000);
});
