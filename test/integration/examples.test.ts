import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], { timeout: 30_000 });
  return stdout;
}

describe('examples/', () => {
  it('quick-demo - add with 2 workers prints 5', async () => {
    expect(await example('quick-demo')).toContain('add(2, 3) = 5');
  });

  it('murmur - 10 tasks, 5 workers', async () => {
    const out = await example('murmur');
    expect(out).toContain('10 tasks done, 30 lines spoken');
    for (let i = 0; i < 10; i++) expect(out).toContain(`this is ${i} speaking`);
  });

  it('flows - murmur as a chord, then a chain', async () => {
    const out = await example('flows');
    expect(out).toMatch(/the chord \S+ counted 120 words/);
    expect(out).toContain('the chain says: 12 words');
  });

  it('gofherd - success, retry and failure callbacks with max retries', async () => {
    const out = await example('gofherd');
    expect(out).toContain('8 succeeded, 2 failed after 2 retries');
    expect(out).toContain('workID:0, status: success, result:10');
    expect(out).toMatch(/workID:6, status: retry, attempt:1/);
    expect(out).toContain('workID:9, status: failure, error:item 9 is not ready');
  });

  it('schedules - two apps on one SQLite file fire each tick once; the second schedule() is unchanged', async () => {
    const out = await example('schedules');
    expect(out).toContain('second: unchanged');
    expect(out).toMatch(/two apps, 3\.5 s: [2-4] fires of [2-4] ticks, each once/);
    expect(out).toMatch(/nightly: next at \d{4}-\d\d-\d\dT0[12]:00:00\.000Z, last fired never/);
  });

  it('rate-limit - a rate limit, group concurrency, RateLimited and the queue controls', async () => {
    const out = await example('rate-limit');
    const ms = Number(/12 mails in (\d+) ms/.exec(out)?.[1]);
    expect(ms).toBeGreaterThanOrEqual(1000); // three windows of 500 ms
    expect(out).toContain('most jobs of one tenant at once: 1');
    expect(out).toContain('paused: true, waiting on a limit: 2');
    expect(out).toContain('drained: 2');
    expect(out).toContain('purged: 14');
  });
});
