import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

/** The shared Redis the tests use (never flushed: every test uses a prefix of its own). */
export const redisUrl = process.env.DROVER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key of one prefix (`{prefix}:*`, hash-tagged) and nothing else. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** Starts `drover worker <tasks> --broker <url>` (dist/) with a ledger; the caller kills it. */
export function startBrokerWorker(
  url: string,
  options: { tasks: string; concurrency?: number; ledger?: string; args?: string[]; env?: Record<string, string> },
): BrokerWorker {
  const args = [
    CLI,
    'worker',
    options.tasks,
    '--broker',
    url,
    '--concurrency',
    String(options.concurrency ?? 10),
    '--grace',
    '1000',
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DROVER_LOG_LEVEL: undefined,
      DROVER_SECRET: undefined,
      LEDGER: options.ledger,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, pid: proc.pid!, exit, output: () => out };
}

/** A `drover worker` process on a broker URL. */
export interface BrokerWorker {
  proc: ChildProcess;
  pid: number;
  exit: Promise<number | null>;
  output(): string;
}

/** A redis-server the test started on a free port, with AOF `appendfsync always` in a private directory. */
export interface OwnRedis {
  port: number;
  url: string;
  dir: string;
  proc: ChildProcess;
  /** Stops it (SIGKILL when `hard`), waiting for the exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and directory (AOF replayed). */
  restart(): Promise<void>;
}

/** Starts a redis-server of its own (`--appendonly yes --appendfsync always`), for tests that stop Redis. */
export async function startOwnRedis(extra: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'drover-redis-'));
  const launch = (): ChildProcess =>
    spawn(
      'redis-server',
      ['--port', String(port), '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dir, ...extra],
      { stdio: 'ignore' },
    );
  const own: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    proc: launch(),
    async stop(hard = false) {
      const proc = own.proc;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
    async restart() {
      await own.stop();
      own.proc = launch();
      await waitForRedis(own.url);
    },
  };
  await waitForRedis(own.url);
  return own;
}

/** Resolves once Redis at `url` answers PING. */
export async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A `drover server --store <url>` with an in-server herd, started by {@link startHerdServer}. */
export interface HerdServer extends BrokerWorker {
  url: string;
}

/** Starts `drover server --store <url> --tasks <tasks>` (dist/) and waits (up to 60 s) until it listens. */
export async function startHerdServer(
  store: string,
  options: { tasks: string; concurrency: number; ledger?: string },
): Promise<HerdServer> {
  const args = [CLI, 'server', '--store', store, '--port', '0', '--lease-ms', '2000', '--log-level', 'info'];
  args.push('--tasks', options.tasks, '--concurrency', String(options.concurrency));
  const env = { ...process.env, DROVER_LOG_LEVEL: undefined, DROVER_SECRET: undefined, LEDGER: options.ledger };
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const until = Date.now() + 60_000;
  for (;;) {
    const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
    if (match) return { proc, pid: proc.pid!, exit, output: () => out, url: match[1]! };
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`drover server did not start:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
