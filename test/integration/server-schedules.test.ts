/**
 * Schedules over HTTP (`/v1/schedules`) and the `drover schedules` command
 * against a real server on SQLite: the upsert, the listing, pause, resume,
 * removal, the fires of an every-second schedule run by the server's herd,
 * their metric, and bad input refused with a 400 (or a one-line CLI error)
 * naming what was wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from './server-harness.js';
import { eventually, http, metric, runCli, startServer, stopAll, uniq } from './server-harness.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ concurrency: 2 });
});

afterAll(async () => {
  await stopAll();
});

describe('/v1/schedules', () => {
  it('PUT stores (201), the same again is unchanged (200), a new spec replaces; the server fires it once per tick', async () => {
    const name = uniq('every-second');
    const body = { every: 1000, task: 'add', args: [2, 3], options: { priority: 4, retries: 1 } };
    const created = await http(server, 'PUT', `/v1/schedules/${name}`, { body });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ put: 'created', schedule: { name, every: 1000, task: 'add', paused: false } });
    expect(created.body.schedule.nextAt).toBeGreaterThan(Date.now() - 1000);
    expect((await http(server, 'PUT', `/v1/schedules/${name}`, { body })).body.put).toBe('unchanged');

    const done = await eventually(async () => {
      const page = await http(server, 'GET', '/v1/jobs?status=succeeded&queue=add&limit=1000');
      const jobs = (page.body.jobs as { id: string; result: unknown; priority: number }[]).filter((j) =>
        j.id.startsWith(`schedule:${name}:`),
      );
      return jobs.length >= 2 ? jobs : false;
    });
    for (const job of done) {
      expect(job.id).toMatch(new RegExp(`^schedule:${name}:\\d+000$`));
      expect(job).toMatchObject({ result: 5, priority: 4, options: { retries: 1 } });
    }
    const listed = (await http(server, 'GET', '/v1/schedules')).body.schedules.find(
      (s: { name: string }) => s.name === name,
    );
    expect(listed.lastAt).toBeGreaterThan(0);
    expect(
      metric((await http(server, 'GET', '/metrics')).text, `drover_schedule_fires_total{schedule="${name}"}`),
    ).toBeGreaterThanOrEqual(2);

    const replaced = await http(server, 'PUT', `/v1/schedules/${name}`, { body: { ...body, every: 60_000 } });
    expect(replaced.body).toMatchObject({ put: 'replaced', schedule: { every: 60_000 } });
    expect((await http(server, 'DELETE', `/v1/schedules/${name}`)).body).toEqual({ name, removed: true });
    expect((await http(server, 'DELETE', `/v1/schedules/${name}`)).status).toBe(404);
  });

  it('pause and resume: 200, then 404 for an unknown name; a paused schedule shows no nextAt', async () => {
    const name = uniq('pausing');
    await http(server, 'PUT', `/v1/schedules/${name}`, {
      body: { cron: '0 3 * * *', tz: 'Europe/Berlin', task: 'add' },
    });
    expect((await http(server, 'POST', `/v1/schedules/${name}/pause`)).body).toEqual({ name, paused: true });
    const paused = (await http(server, 'GET', '/v1/schedules')).body.schedules.find(
      (s: { name: string }) => s.name === name,
    );
    expect(paused).toMatchObject({ paused: true, nextAt: null, cron: '0 3 * * *', tz: 'Europe/Berlin' });
    expect((await http(server, 'POST', `/v1/schedules/${name}/resume`)).body).toEqual({ name, paused: false });
    expect((await http(server, 'POST', `/v1/schedules/${uniq('nobody')}/pause`)).status).toBe(404);
    await http(server, 'DELETE', `/v1/schedules/${name}`);
  });

  it('bad input is a 400 naming it: a bad cron, an unknown zone, both cron and every, an unknown field', async () => {
    const put = (body: unknown) => http(server, 'PUT', `/v1/schedules/${uniq('bad')}`, { body });
    const cases: [unknown, RegExp][] = [
      [{ cron: '61 * * * *', task: 'add' }, /bad cron expression "61 \* \* \* \*".*minute/],
      [{ cron: '* * *', task: 'add' }, /bad cron expression "\* \* \*"/],
      [{ cron: '0 3 * * *', tz: 'Mars/Olympus', task: 'add' }, /unknown time zone "Mars\/Olympus"/],
      [{ cron: '0 3 * * *', every: 1000, task: 'add' }, /exactly one of `cron` and `every`/],
      [{ every: 10, task: 'add' }, /body\.every/],
      [{ every: 1000, task: 'add', colour: 'red' }, /colour/],
      [{ every: 1000, task: 'add', options: { key: 'k' } }, /job option `key` does not apply/],
    ];
    for (const [body, message] of cases) {
      const res = await put(body);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
  });
});

describe('drover schedules', () => {
  it('add, list (table and --json), pause, remove; a bad cron is a one-line failure', async () => {
    const name = uniq('cli');
    const at = ['--server', server.url];
    const add = await runCli([
      'schedules',
      'add',
      name,
      'add',
      '1',
      '2',
      '--cron',
      '0 3 * * *',
      '--tz',
      'UTC',
      '--no-overlap',
      ...at,
    ]);
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(new RegExp(`^${name}: created; next at \\d{4}-\\d\\d-\\d\\dT03:00:00.000Z\\n$`));
    const table = await runCli(['schedules', ...at]);
    expect(table.stdout).toMatch(new RegExp(`${name}\\s+cron 0 3 \\* \\* \\* \\(UTC\\)\\s+add\\s+\\[1,2\\]`));
    expect((await runCli(['schedules', 'pause', name, ...at])).stdout).toBe(`${name}: paused\n`);
    const listed = JSON.parse((await runCli(['schedules', '--json', ...at])).stdout) as { name: string }[];
    expect(listed.find((s) => s.name === name)).toMatchObject({ paused: true, overlap: false, args: [1, 2] });
    expect((await runCli(['schedules', 'remove', name, ...at])).stdout).toBe(`${name}: removed\n`);
    const left = (await http(server, 'GET', '/v1/schedules')).body.schedules as { name: string }[];
    expect(left.find((s) => s.name === name)).toBeUndefined();

    const bad = await runCli(['schedules', 'add', uniq('bad'), 'add', '--cron', '99 * * * *', ...at]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/bad cron expression "99 \* \* \* \*"/);
  }, 90_000);
});
