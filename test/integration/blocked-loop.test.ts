/**
 * docs/reliability.md S09 with real processes: a handler blocks its worker's event
 * loop past the lease. Pass: the job is re-leased once, by another worker;
 * the late completion is refused (one recorded outcome); a warning names the job.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-s09-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a handler that blocks the event loop past its lease (S09)', () => {
  it('is re-leased once elsewhere, its late completion is refused, and a warning names the job', async () => {
    const db = join(dir, 'drover.db');
    const log = join(dir, 'worker.log');
    const app = new Drover({ broker: `sqlite:${db}?sweepInterval=100` });
    const job = await app.call('block', [], { retries: 3 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/blocking-worker.ts', db, log, '1500'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await until(async () => (await job.status()).status === 'active', 15_000, 'the blocking worker to lease the job');
      // Only now a second worker joins: it can only get the job once the first one's lease expired.
      app.task('block', () => 'fast');
      app.worker({ concurrency: 1, leaseMs: 5000, pollInterval: 20 });
      expect(await job.result({ timeout: 10_000 })).toBe('fast');
      const snapshot = await job.status();
      expect(snapshot.attempt).toBe(2); // re-leased exactly once
      // The blocked worker wakes up, tries to record its outcome, is refused, and says so.
      await until(() => readFileSync(log, 'utf8').includes(job.id), 10_000, 'the warning');
      const warning = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: number; jobId?: string; msg: string })
        .find((entry) => entry.jobId === job.id);
      expect(warning?.level).toBe(40);
      expect(warning?.msg).toMatch(/refused: its lease expired/);
      const after = await job.status();
      expect(after.status).toBe('succeeded');
      expect(after.result).toBe('fast'); // one recorded outcome: the late one never replaced it
    } finally {
      child.kill('SIGKILL');
      await exited;
      await app.close({ grace: 0 });
    }
  }, 40_000);
});
