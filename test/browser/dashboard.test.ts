/**
 * The dashboard in a real browser (Debian's Chromium, driven by
 * playwright-core) against a real `drover server` (dist/cli/main.js) with a
 * secret and a herd: token handling, live counts, the job page, re-running
 * a dead letter, resizing the herd, accessible names and keyboard reach,
 * phone and desktop widths, safe rendering of hostile values, and no script
 * error in the console. Screenshots go to the test's temporary folder (or
 * to DROVER_SHOTS_DIR when set).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../integration/server-harness.js';
import { CLI, ROOT, SECRET, eventually, http, startServer, stopAll, tempDir } from '../integration/server-harness.js';
import type { WatchedPage } from './browser.js';
import { controls, hasChromium, launch, openPage, tabOrder } from './browser.js';

const TASKS = join(ROOT, 'test/browser/dashboard-tasks.ts');

let server: ServerProcess;
let browser: Browser;
let main: WatchedPage;
let shots: string;

async function enqueue(task: string, args: unknown[]): Promise<string> {
  const res = await http(server, 'POST', '/v1/jobs', { token: SECRET, body: { task, args } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The text of the cell `column` in the row of table body `tbody` whose first cell is `first`. */
async function cellText(page: Page, tbody: string, first: string, column: number): Promise<string> {
  return page.evaluate(
    ([body, key, col]) => {
      const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>(`#${body} tr`));
      const row = rows.find((r) => r.cells[0]?.textContent === key);
      return row?.cells[col]?.textContent ?? '';
    },
    [tbody, first, column] as const,
  );
}

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  beforeAll(async () => {
    // DROVER_SHOTS_DIR keeps the screenshots (docs/dashboard.png is made so); by default they go with the temp folder.
    shots = process.env.DROVER_SHOTS_DIR ?? tempDir();
    [server, browser] = await Promise.all([startServer({ secret: SECRET, concurrency: 2, tasks: TASKS }), launch()]);
    main = await openPage(browser);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await stopAll();
  });

  it('a wrong token says so', async () => {
    const { page } = await openPage(browser);
    await page.goto(server.url + '/');
    await expect.poll(() => page.locator('#alert').textContent()).toMatch(/needs a token \(401\)/);
    await page.getByLabel('Token').fill('not-the-secret-not-the-secret-000');
    await page.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => page.locator('#alert').textContent()).toMatch(/refused this token \(401\)/);
    expect(await page.locator('#alert').isVisible()).toBe(true);
    await page.context().close();
  });

  it('#token=… is taken, kept in sessionStorage and never sent in a URL; the page goes live', async () => {
    const { page, requests } = main;
    await page.goto(`${server.url}/#token=${encodeURIComponent(SECRET)}`);
    await expect.poll(() => page.locator('#connection').textContent()).toBe('Live');
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => sessionStorage.getItem('drover.token'))).toBe(SECRET);
    expect(requests.some((url) => url.includes(SECRET) || url.includes('token='))).toBe(false);
    expect(await page.locator('#herd-size').textContent()).toBe('2');
  });

  it('queue counts change live as jobs finish (no reload)', async () => {
    const { page } = main;
    const before = Number((await cellText(page, 'queues', 'add', 4)).replace(/,/g, '')) || 0;
    await Promise.all([enqueue('add', [1, 2]), enqueue('add', [3, 4]), enqueue('add', [5, 6])]);
    await expect.poll(() => cellText(page, 'queues', 'add', 4), { timeout: 10_000 }).toBe(String(before + 3));
    await expect.poll(() => page.locator('#recent tr', { hasText: 'add' }).count()).toBeGreaterThanOrEqual(3);
  });

  it('a job page shows task, arguments, result, every report in order and the handler’s log lines', async () => {
    const { page } = main;
    const id = await enqueue('slow', [3]);
    await expect.poll(() => page.locator('#recent a', { hasText: id }).count(), { timeout: 10_000 }).toBe(1);
    await page.locator('#recent a', { hasText: id }).click();
    expect(page.url()).toContain(`#/jobs/${id}`);
    await expect.poll(() => page.locator('#job-id').textContent()).toBe(id);
    await expect.poll(() => page.locator('#job-result').textContent(), { timeout: 10_000 }).toBe('"done 3 steps"');
    expect(await page.locator('#job-args').textContent()).toBe('[\n  3\n]');
    const statuses = await page.locator('#job-reports li .status').allTextContents();
    expect(statuses).toEqual(['queued', 'active', 'progress', 'progress', 'progress', 'succeeded']);
    await expect.poll(() => page.locator('#job-logs li').count(), { timeout: 10_000 }).toBe(3);
    expect((await page.locator('#job-logs li').allTextContents()).map((t) => t.replace(/^.* info /, ''))).toEqual([
      'step 1 of 3 done',
      'step 2 of 3 done',
      'step 3 of 3 done',
    ]);
    expect(await page.locator('#job-facts').textContent()).toMatch(/Tasksl?ow/);
    expect(await page.getByRole('button', { name: 'Cancel job' }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, 'job-1280.png'), fullPage: true });
    await page.getByRole('link', { name: '← All jobs' }).click();
    await expect.poll(() => page.locator('#overview').isVisible()).toBe(true);
  });

  it('a dead letter shows its error; Re-run runs it again and it succeeds', async () => {
    const { page } = main;
    const id = await enqueue('gate', ['k1']);
    const row = page.locator('#dead tr', { hasText: id });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('Fail: gate k1 is closed the first time');
    await page.getByRole('button', { name: `Re-run job ${id}` }).click();
    await expect.poll(() => row.count()).toBe(0);
    await eventually(
      async () => (await http(server, 'GET', `/v1/jobs/${id}`, { token: SECRET })).body.status === 'succeeded',
    );
    await expect
      .poll(() => page.locator('#recent tr', { hasText: id }).locator('.status').textContent(), { timeout: 10_000 })
      .toBe('succeeded');
  });

  it('a queue is paused and resumed from the page; its failed jobs are re-run and its finished ones purged', async () => {
    const { page } = main;
    await enqueue('add', [1, 1]);
    const pause = page.getByRole('button', { name: 'Pause queue add' });
    await expect.poll(() => pause.count(), { timeout: 10_000 }).toBe(1);
    await pause.click();
    await expect.poll(() => page.getByRole('button', { name: 'Resume queue add' }).count()).toBe(1);
    await expect.poll(() => cellText(page, 'queues', 'add', 6), { timeout: 10_000 }).toBe('paused');
    const held = await enqueue('add', [2, 3]);
    await new Promise((done) => setTimeout(done, 700));
    expect((await http(server, 'GET', `/v1/jobs/${held}`, { token: SECRET })).body.status).toBe('queued');
    await page.getByRole('button', { name: 'Resume queue add' }).click();
    await eventually(
      async () => (await http(server, 'GET', `/v1/jobs/${held}`, { token: SECRET })).body.status === 'succeeded',
    );
    await expect.poll(() => cellText(page, 'queues', 'add', 6), { timeout: 10_000 }).toBe('');
    // Re-run failed: a dead letter of queue gate runs again and succeeds.
    const dead = await enqueue('gate', ['k-queue']);
    await expect.poll(() => page.locator('#dead tr', { hasText: dead }).count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('button', { name: 'Re-run the failed jobs of queue gate' }).click();
    await eventually(
      async () => (await http(server, 'GET', `/v1/jobs/${dead}`, { token: SECRET })).body.status === 'succeeded',
    );
    // Purge: the finished jobs of queue add are gone.
    await page.getByRole('button', { name: 'Purge the finished jobs of queue add' }).click();
    await eventually(async () => (await http(server, 'GET', `/v1/jobs/${held}`, { token: SECRET })).status === 404);
  });

  it('schedules are listed with their timing and paused and resumed from the page', async () => {
    const { page } = main;
    const put = await http(server, 'PUT', '/v1/schedules/page-tick', {
      token: SECRET,
      body: { every: 3_600_000, task: 'add', args: [1, 2] },
    });
    expect(put.status, put.text).toBe(201);
    await expect.poll(() => cellText(page, 'schedules', 'page-tick', 1), { timeout: 10_000 }).toBe('every 3600000 ms');
    expect(await cellText(page, 'schedules', 'page-tick', 2)).toBe('add');
    await page.getByRole('button', { name: 'Pause schedule page-tick' }).click();
    await eventually(async () => {
      const list = await http(server, 'GET', '/v1/schedules', { token: SECRET });
      return list.body.schedules.find((x: { name: string }) => x.name === 'page-tick')?.paused === true;
    });
    await expect.poll(() => cellText(page, 'schedules', 'page-tick', 3)).toBe('paused');
    await page.getByRole('button', { name: 'Resume schedule page-tick' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Pause schedule page-tick' }).count()).toBe(1);
  });

  it('the herd is resized from the page, with the keyboard only: GET /herd follows', async () => {
    const { page } = main;
    await page.getByLabel('Herd size').focus();
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#herd-size').textContent()).toBe('5');
    expect((await http(server, 'GET', '/herd', { token: SECRET })).body).toEqual({ num: 5 });
    const herdRow = page.locator('#workers tr', { hasText: 'in-server herd' });
    await expect.poll(() => herdRow.locator('td').nth(2).textContent()).toBe('5');
  });

  it('a running job is cancelled from its page, then re-run', async () => {
    const { page } = main;
    const id = await enqueue('slow', [100]);
    await page.goto(`${server.url}/#/jobs/${id}`);
    await expect
      .poll(() => page.locator('#job-reports li .status').allTextContents(), { timeout: 10_000 })
      .toContain('progress');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => page.locator('#job-facts').textContent(), { timeout: 10_000 }).toContain('cancelled');
    expect((await http(server, 'GET', `/v1/jobs/${id}`, { token: SECRET })).body.status).toBe('cancelled');
    await page.getByRole('button', { name: 'Re-run job' }).click();
    await expect
      .poll(async () => (await http(server, 'GET', `/v1/jobs/${id}`, { token: SECRET })).body.status as string)
      .toBe('active');
    await expect.poll(() => page.locator('#job-reports li .status').allTextContents()).toContain('active');
    await http(server, 'DELETE', `/v1/jobs/${id}`, { token: SECRET });
    await page.goto(`${server.url}/#/`);
  });

  it('a remote worker appears with its concurrency when it connects and goes when it leaves', async () => {
    const { page } = main;
    const worker = spawn(
      process.execPath,
      [CLI, 'worker', TASKS, '--server', `ws://127.0.0.1:${server.port}`, '--concurrency', '3', '--name', 'remote-one'],
      { cwd: ROOT, env: { ...process.env, DROVER_SECRET: SECRET }, stdio: 'ignore' },
    );
    const exited = new Promise((done) => worker.once('exit', done));
    try {
      const row = page.locator('#workers tr', { hasText: 'remote-one' });
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
      expect(await row.locator('td').nth(2).textContent()).toBe('3');
      expect(await row.locator('td').nth(1).textContent()).toContain('gate');
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
    await expect
      .poll(() => page.locator('#workers tr', { hasText: 'remote-one' }).count(), { timeout: 10_000 })
      .toBe(0);
  });

  it('hostile arguments and results are shown as text, never run', async () => {
    const { page } = main;
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const id = await enqueue('echo', [hostile]);
    await page.goto(`${server.url}/#/jobs/${id}`);
    await expect
      .poll(() => page.locator('#job-result').textContent(), { timeout: 10_000 })
      .toBe(JSON.stringify(hostile));
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#job-view img').count()).toBe(0);
    await page.goto(`${server.url}/#/`);
  });

  it('every control has an accessible name and is reached with Tab', async () => {
    const { page } = main;
    const focusable = () =>
      page.evaluate(() =>
        Array.from(
          document.querySelectorAll<HTMLElement>(
            'a[href], button:not(:disabled), input:not(:disabled), [tabindex="0"]',
          ),
        )
          .filter((el) => el.offsetParent !== null)
          .map(
            (el) =>
              `${el.tagName.toLowerCase()}|${el.getAttribute('aria-label') ?? el.id ?? ''}|${(el.textContent ?? '').trim().slice(0, 40)}`,
          ),
      );
    // Let the lists settle (the last job's report batch), then walk the page with Tab.
    await eventually(async () => {
      const a = JSON.stringify(await focusable());
      await new Promise((done) => setTimeout(done, 700));
      return a === JSON.stringify(await focusable());
    });
    const all = await controls(page);
    expect(all.length).toBeGreaterThan(5);
    expect(all.filter((c) => c.name === '')).toEqual([]);
    const reached = await tabOrder(page);
    expect(reached).toEqual(await focusable());
    for (const name of ['input|token|', 'button||Use token', 'input|herd-input|', 'button||Resize herd'])
      expect(reached).toContain(name);
  });

  it('readable at 1280 px and 390 px: no sideways scrolling; screenshots', async () => {
    const { page } = main;
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `sideways overflow at ${width} px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shots, `dashboard-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('no script error in the console', () => {
    expect(main.errors).toEqual([]);
  });
});
