/**
 * Real processes for the AMQP fault tests: `drover worker --broker amqp://…`
 * children (dist/cli/main.js, built by the global setup), a ledger reader,
 * and a private RabbitMQ node that a test may stop and start (its own node
 * name, ports and data folder; the shared node is never touched).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const TASKS = join(ROOT, 'test/faults/amqp-fixture-tasks.ts');

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A worker child process. */
export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | string>;
  log: () => string;
}

/** Starts `drover worker` on `brokerUrl` with the fixture tasks. */
export function startWorker(brokerUrl: string, ledger: string, extra: string[] = []): WorkerProcess {
  const args = [CLI, 'worker', TASKS, '--broker', brokerUrl, '--concurrency', '16', '--lease-ms', '4000'];
  const child = spawn(process.execPath, [...args, '--grace', '1000', '--log-level', 'warn', ...extra], {
    cwd: ROOT,
    env: { ...process.env, DROVER_TEST_LEDGER: ledger },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { child, exited, log: () => stderr };
}

/** The ledger's lines, parsed. */
export function readLedger(file: string): { kind: string; tag: string; pid: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [kind, tag, pid] = line.split(' ');
      return { kind: kind!, tag: tag!, pid: Number(pid) };
    });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** True once something accepts connections on the port. */
async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * A private RabbitMQ node in `dir` (RABBITMQ_NODENAME, RABBITMQ_NODE_PORT,
 * RABBITMQ_DIST_PORT, RABBITMQ_MNESIA_BASE, RABBITMQ_LOG_BASE of its own;
 * no plugins, so no management listener). `stop()` and `start()` keep its data.
 */
export class PrivateRabbit {
  readonly dir: string;
  port = 0;
  #dist = 0;
  readonly #name: string;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.#name = `drover-fault-${process.pid}-${Date.now() % 100_000}@localhost`;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      this.#dist = await freePort();
      for (const sub of ['mnesia', 'log', 'home']) mkdirSync(join(this.dir, sub), { recursive: true });
      writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
      // guest may connect over 127.0.0.1 only by default; that is all this node needs.
      writeFileSync(join(this.dir, 'rabbitmq.conf'), 'log.console = false\n');
      chmodSync(this.dir, 0o777);
      for (const sub of ['mnesia', 'log', 'home']) chmodSync(join(this.dir, sub), 0o777);
    }
    const env = {
      ...process.env,
      HOME: join(this.dir, 'home'),
      RABBITMQ_NODENAME: this.#name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.#dist),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq'),
      RABBITMQ_PID_FILE: join(this.dir, 'rabbit.pid'),
    };
    const child = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env, detached: true, stdio: 'ignore' });
    this.#child = child;
    this.#exited = new Promise((done) => child.once('exit', done));
    const until = Date.now() + timeoutMs;
    while (!(await listening(this.port))) {
      if (Date.now() > until) throw new Error(`private RabbitMQ did not listen on ${this.port} within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** Stops the node (SIGTERM to its process group: a clean shutdown) and waits for it. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    this.#child = undefined;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 30_000);
    await this.#exited;
    clearTimeout(timer);
    while (await listening(this.port)) await sleep(100);
  }
}
