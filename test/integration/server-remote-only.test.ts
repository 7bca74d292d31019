/**
 * docs/operations.md (item 15): `drover server --concurrency 0` without
 * `--tasks` is a remote-only server, the same as leaving both out; a
 * positive concurrency without tasks is still refused in one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { http, runCli, startServer, stopAll, stopServer, tempDir } from './server-harness.js';

afterAll(async () => {
  await stopAll();
});

describe('drover server for remote workers only', () => {
  it('--concurrency 0 alone starts a server without a herd (GET /herd is {"num":0}) and stops cleanly', async () => {
    const server = await startServer({ args: ['--concurrency', '0'] });
    expect((await http(server, 'GET', '/herd')).body).toEqual({ num: 0 });
    expect((await http(server, 'GET', '/v1/workers')).body).toMatchObject({ workers: [], herd: null });
    expect(await stopServer(server)).toBe(0);
  });

  it('--concurrency 2 without --tasks is refused with one line naming --tasks', async () => {
    const run = await runCli(['server', '--store', `sqlite:${tempDir()}/x.db`, '--port', '0', '--concurrency', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/needs --tasks/);
  });
});
