/**
 * The `drover` command line against a real server: the README quickstart
 * (`drover call add 2 3 --wait` prints 5 with the example tasks), the
 * client commands, and one-line failures with a non-zero exit on bad input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliRun, ServerProcess } from './server-harness.js';
import { ROOT, SECRET, http, runCli, startServer, stopAll, tempDir, uniq } from './server-harness.js';

let server: ServerProcess;
let guarded: ServerProcess;

beforeAll(async () => {
  [server, guarded] = await Promise.all([
    startServer({ concurrency: 4, tasks: join(ROOT, 'examples/tasks.ts') }),
    startServer({ concurrency: 2, secret: SECRET }),
  ]);
});

afterAll(async () => {
  await stopAll();
});

/** Expects a failure: exit code 1 and exactly one line on stderr, no stack trace. */
function expectOneLineFailure(run: CliRun, mentions: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('drover call', () => {
  it('drover call add 2 3 --wait - prints 5 (the README quickstart, with examples/tasks.ts)', async () => {
    const run = await runCli(['call', 'add', '2', '3', '--wait', '--server', server.url]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('5\n');
    expect(run.code).toBe(0);
  });

  it('drover call <task> [args…] - without --wait prints the job id; args are JSON values', async () => {
    const tag = uniq();
    const run = await runCli([
      'call',
      'nobody-runs-this',
      '1',
      `"${tag}"`,
      '{"a":[true,null]}',
      '--server',
      server.url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const job = await http(server, 'GET', `/v1/jobs/${id}`);
    expect(job.body).toMatchObject({ task: 'nobody-runs-this', args: [1, tag, { a: [true, null] }], status: 'queued' });
  });

  it('drover call --wait - a failed job exits 1 with its error; --timeout gives up with a one-line reason', async () => {
    const failed = await runCli([
      'call',
      'broken',
      '"on purpose"',
      '--wait',
      '--options',
      '{"retries":0}',
      '--server',
      server.url,
    ]);
    expectOneLineFailure(failed, /failed after 1 attempt: .*on purpose/);
    const slow = await runCli(['call', 'sleepy', '5000', '--wait', '--timeout', '300', '--server', guarded.url], {
      env: { DROVER_SECRET: SECRET },
    });
    expectOneLineFailure(slow, /timed out after 300 ms waiting for job \S+ \(still (queued|active)\)/);
  });

  it('drover call - bad input exits 1 with one line', async () => {
    expectOneLineFailure(await runCli(['call', 'add', 'two', '--server', server.url]), /argument 1 is not JSON: "two"/);
    expectOneLineFailure(await runCli(['call', 'add', '1', '--server', 'ftp://x']), /--server/);
    expectOneLineFailure(await runCli(['call', 'add', '1', '--options', '{bad', '--server', server.url]), /--options/);
    expectOneLineFailure(
      await runCli(['call', 'add', '1', '--options', '{"tries":1}', '--server', server.url]),
      /tries/,
    );
    expectOneLineFailure(await runCli(['call', 'add', '1', '--timeout', 'soon', '--server', server.url]), /--timeout/);
    expectOneLineFailure(await runCli(['call', '--server', server.url]), /missing required argument 'task'/);
    expectOneLineFailure(
      await runCli(['call', 'add', '1', '--server', 'http://127.0.0.1:1']),
      /cannot reach the drover server at http:\/\/127\.0\.0\.1:1/,
    );
  });
});

describe('drover status, herd, retry', () => {
  it('drover status - queues and workers as tables; --json as JSON', async () => {
    await runCli(['call', 'add', '1', '1', '--wait', '--server', server.url]);
    const run = await runCli(['status', '--server', server.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/QUEUE\s+WAITING\s+ACTIVE\s+DELAYED\s+SUCCEEDED\s+FAILED/);
    expect(run.stdout).toMatch(/^add\s+\d+\s+\d+\s+\d+\s+[1-9]\d*\s+\d+$/m);
    expect(run.stdout).toMatch(/\(in-server herd\)\s+\S+\s+add,broken,flaky,slow\s+4\s+\d+/);
    const json = await runCli(['status', '--json', '--server', server.url]);
    expect(JSON.parse(json.stdout)).toMatchObject({ queues: expect.any(Array), workers: [], herd: { concurrency: 4 } });
  });

  it('drover herd [N] - prints the herd size, sets it; a bad size exits 1', async () => {
    expect((await runCli(['herd', '--server', guarded.url], { env: { DROVER_SECRET: SECRET } })).stdout).toBe('2\n');
    expect((await runCli(['herd', '5', '--server', guarded.url], { env: { DROVER_SECRET: SECRET } })).stdout).toBe(
      '5\n',
    );
    expect((await http(guarded, 'GET', '/herd', { token: SECRET })).body).toEqual({ num: 5 });
    expectOneLineFailure(await runCli(['herd', 'many', '--server', guarded.url]), /size/);
    expectOneLineFailure(await runCli(['herd', '-1', '--server', guarded.url]), /./);
    await runCli(['herd', '2', '--server', guarded.url], { env: { DROVER_SECRET: SECRET } });
  });

  it('drover retry <id> - re-runs a dead letter; an unknown id exits 1', async () => {
    const res = await http(guarded, 'POST', '/v1/jobs', {
      token: SECRET,
      body: { task: 'flakyOnce', args: [uniq()], options: { retries: 0 } },
    });
    const id = res.body.id as string;
    expect((await http(guarded, 'GET', `/v1/jobs/${id}/result?timeout=10000`, { token: SECRET })).body.status).toBe(
      'failed',
    );
    const run = await runCli(['retry', id, '--server', guarded.url], { env: { DROVER_SECRET: SECRET } });
    expect(run.stdout).toBe(`${id} queued\n`);
    expect((await http(guarded, 'GET', `/v1/jobs/${id}/result?timeout=10000`, { token: SECRET })).body.status).toBe(
      'succeeded',
    );
    expectOneLineFailure(
      await runCli(['retry', uniq('missing'), '--server', guarded.url], { env: { DROVER_SECRET: SECRET } }),
      /No job with id/,
    );
  });

  it('client commands - read DROVER_SECRET or --secret-file; without it the 401 names the fix', async () => {
    expectOneLineFailure(
      await runCli(['status', '--server', guarded.url]),
      /bearer token.*DROVER_SECRET or --secret-file/,
    );
    const file = join(tempDir(), 'secret');
    writeFileSync(file, `${SECRET}\n`);
    expect((await runCli(['status', '--server', guarded.url, '--secret-file', file])).code).toBe(0);
    expect((await runCli(['status', '--server', guarded.url], { env: { DROVER_SECRET: SECRET } })).code).toBe(0);
    expectOneLineFailure(
      await runCli(['status', '--server', guarded.url, '--secret-file', join(tempDir(), 'none')]),
      /cannot read --secret-file/,
    );
  });
});

describe('drover secret and drover server refusals', () => {
  it('drover secret - prints a new secret of at least 32 bytes (base64url or hex)', async () => {
    const a = await runCli(['secret']);
    const b = await runCli(['secret']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(Buffer.from(a.stdout.trim(), 'base64url')).toHaveLength(32);
    expect(a.stdout).not.toBe(b.stdout);
    expect((await runCli(['secret', '--format', 'hex'])).stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await runCli(['secret', '--bytes', '48'])).stdout.trim()).toHaveLength(64);
    expectOneLineFailure(await runCli(['secret', '--bytes', '16']), /--bytes/);
    expectOneLineFailure(await runCli(['secret', '--format', 'pem']), /--format/);
  });

  it('drover server - refuses a short secret, a public host without a secret and bad options, in one line', async () => {
    const db = `sqlite:${join(tempDir(), 'x.db')}`;
    expectOneLineFailure(
      await runCli(['server', '--store', db, '--port', '0'], { env: { DROVER_SECRET: 'short' } }),
      /at least 32 bytes, got 5/,
    );
    expectOneLineFailure(
      await runCli(['server', '--store', db, '--port', '0', '--host', '0.0.0.0']),
      /Refusing to listen on 0\.0\.0\.0 without a secret/,
    );
    expectOneLineFailure(await runCli(['server', '--store', db, '--port', '99999']), /--port/);
    expectOneLineFailure(await runCli(['server', '--store', db, '--port', '0', '--concurrency', '2']), /needs --tasks/);
    expectOneLineFailure(
      await runCli(['server', '--store', db, '--port', '0', '--tasks', './no/such/tasks.ts']),
      /tasks module not found/,
    );
    expectOneLineFailure(await runCli(['server', '--store', 'nosuch://x', '--port', '0']), /Unknown broker URL/);
    expectOneLineFailure(await runCli(['server', '--store', db, '--port', String(server.port)]), /already in use/);
  });

  it('drover --help, --version and every command --help exit 0; an unknown command exits 1', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['server', 'call', 'status', 'herd', 'secret', 'retry', 'queue', 'worker', 'run'])
      expect(help.stdout).toContain(name);
    for (const name of ['server', 'call', 'status', 'herd', 'secret', 'retry']) {
      const run = await runCli([name, '--help']);
      expect(run.code, name).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: drover ${name}`));
    }
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expectOneLineFailure(await runCli(['serve']), /unknown command 'serve'/);
  });
});
