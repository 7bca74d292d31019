/**
 * `drover run` as a real process: signals, exit codes, `--only`, and the
 * examples/services module run as one process and as three. The CLI is
 * test/fixtures/chief-main.ts (just the `run` command), run under tsx.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = 'test/fixtures/chief-main.ts';
const SERVICES = 'test/fixtures/chief-services.ts';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout + stderr contain `text` (or match it). */
  waitFor(text: string | RegExp, ms?: number): Promise<string>;
  readonly exited: Promise<Exit>;
}

const children = new Set<ChildProcess>();

// Not afterEach: the tests run concurrently, and a finished one must not kill another's processes.
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

function drover(args: string[], env: NodeJS.ProcessEnv = {}): RunProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', ...args], {
    env: { ...process.env, DROVER_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const changed = (): void => waiters.forEach((w) => w());
  child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), changed()));
  child.stderr.on('data', (chunk: Buffer) => ((err += chunk.toString()), changed()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(text, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const find = (): string | undefined => {
          const all = out + err;
          return typeof text === 'string' ? (all.includes(text) ? text : undefined) : text.exec(all)?.[0];
        };
        const fail = (why: string): void => {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`${why} waiting for ${String(text)}\n--- stdout\n${out}\n--- stderr\n${err}`));
        };
        const check = (): void => {
          const found = find();
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => fail('timed out'), ms);
        waiters.add(check);
        check();
        void exited.then(() => setImmediate(() => find() === undefined && fail('exited')));
      });
    },
  };
}

/** The `url` the example's api logged, once it listens. */
async function apiUrl(run: RunProcess): Promise<string> {
  const found = await run.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return /http:\/\/127\.0\.0\.1:\d+/.exec(found)![0];
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.concurrent('drover run', () => {
  it('drover run - SIGTERM stops the services gracefully and exits 0; --only runs only the chosen', async () => {
    const run = drover([SERVICES, '--only', 'steady,other']);
    await run.waitFor('start steady');
    await run.waitFor('start other');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('stop steady');
    expect(run.stdout()).toContain('stop other');
    expect(run.stdout()).not.toContain('stubborn');
    expect(run.stderr()).toContain('all services stopped');
  });

  it('drover run - a second signal forces the exit past a service that ignores its signal', async () => {
    const run = drover([SERVICES, '--only', 'steady,stubborn']);
    await run.waitFor('start stubborn');
    await run.waitFor('start steady');
    run.child.kill('SIGTERM');
    await run.waitFor('stop steady');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(run.child.exitCode).toBe(null); // still waiting for stubborn (forceStopTimeout is 45 s)
    const t0 = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(run.stderr()).toMatch(/drover: run: stop forced; abandoned: stubborn\n/);
    expect(run.stderr()).toContain('service \\"stubborn\\" had not stopped when the stop was forced: abandoned');
  });

  it('drover run --force-stop-timeout - abandons a service that ignores its signal, by name, and exits 1', async () => {
    const run = drover([SERVICES, '--only', 'stubborn', '--force-stop-timeout', '300']);
    await run.waitFor('start stubborn');
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(run.stderr()).toMatch(/drover: run: abandoned: stubborn\n/);
  });

  it('drover run - runs every service of a module by default, and a module that exports its own Chief', async () => {
    const all = drover([SERVICES, '--force-stop-timeout', '200']);
    const own = drover(['test/fixtures/chief-module.ts', '--only', 'beta']);
    await Promise.all(['start steady', 'start other', 'start stubborn'].map((line) => all.waitFor(line)));
    await own.waitFor('start beta');
    all.child.kill('SIGTERM');
    own.child.kill('SIGTERM');
    expect((await all.exited).code).toBe(1); // stubborn was abandoned
    expect(await own.exited).toEqual({ code: 0, signal: null });
    expect(own.stdout()).toBe('start beta\nstop beta\n');
  });

  it('drover run --only - an unknown service exits 1 with a one-line reason', async () => {
    const run = drover([SERVICES, '--only', 'steady,nope']);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toBe('drover: unknown service "nope" in --only; the module has steady, other, stubborn\n');
    expect(run.stdout()).toBe('');
  });

  it('drover run - a missing module, or one without services, exits 1 with a one-line reason', async () => {
    const missing = drover(['test/fixtures/no-such-services.ts']);
    const empty = drover(['test/fixtures/chief-no-services.ts']);
    expect((await missing.exited).code).toBe(1);
    expect(missing.stderr()).toBe('drover: cannot find the services module test/fixtures/no-such-services.ts\n');
    expect((await empty.exited).code).toBe(1);
    expect(empty.stderr()).toMatch(
      /^drover: .*chief-no-services\.ts exports neither a Chief \(default or `chief`\) nor services/,
    );
  });
});

describe.concurrent('examples/services', () => {
  const EXAMPLE = 'examples/services/services.ts';
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function roundTrip(url: string, name: string): Promise<void> {
    const posted = await fetch(`${url}/images/${name}`, { method: 'POST', body: 'not really a png '.repeat(100) });
    expect(posted.status).toBe(202);
    const listing = await eventually(
      async () => (await (await fetch(`${url}/images`)).json()) as { uploaded: string[] },
      (l) => l.uploaded.includes(`${name}.gz`),
    );
    expect(listing).toEqual({ incoming: [], resized: [], uploaded: [`${name}.gz`] });
  }

  it('examples/services - one process: an image goes api → resizer → uploader', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'drover-services-'));
    dirs.push(dataDir);
    const run = drover([EXAMPLE], { DATA_DIR: dataDir, POLL_MS: '20' });
    await roundTrip(await apiUrl(run), 'cat.png');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  it('examples/services - three processes with --only: the same module, split', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'drover-services-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, POLL_MS: '20' };
    const runs = ['api', 'resizer', 'uploader'].map((name) => drover([EXAMPLE, '--only', name], env));
    const [api, resizer, uploader] = runs as [RunProcess, RunProcess, RunProcess];
    await Promise.all(runs.map((r) => r.waitFor('starting services')));
    await roundTrip(await apiUrl(api), 'dog.png');
    expect(resizer.stderr()).toContain('image resized');
    expect(uploader.stderr()).toContain('image uploaded');
    expect(api.stderr()).not.toContain('image resized');
    for (const r of runs) r.child.kill('SIGTERM');
    for (const r of runs) expect(await r.exited).toEqual({ code: 0, signal: null });
  });
});
