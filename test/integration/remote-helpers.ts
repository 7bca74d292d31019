/**
 * Shared helpers of the remote-worker integration tests: real `drover
 * server` and `drover worker` processes (dist/, built by the global setup),
 * a small HTTP client, a raw WebSocket client that speaks the protocol by
 * hand, and the ledger the test tasks write.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createClientNonce, serverProof, verifyProof, workerProof } from '../../src/protocol/index.js';
import type { WorkerInfo } from '../../src/server/gateway/index.js';

export const SECRET = 'remote-tests-secret-0123456789abcdef-0123';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const TASKS = join(ROOT, 'test/fixtures/remote/tasks.ts');

const children = new Set<ChildProcess>();

/** Kills every process a test started (call in afterAll). */
export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something truthy. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs: number,
  what: string,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A child process and what it printed. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Exit code (or null when killed by a signal). */
  exit: Promise<number | null>;
  output(): string;
}

function start(args: string[], env: Record<string, string | undefined>): Child {
  const proc = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, DROVER_LOG_LEVEL: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, pid: proc.pid!, exit, output: () => out };
}

/** A running `drover server`. */
export interface ServerChild extends Child {
  port: number;
  api: Api;
}

/** Starts `drover server` (fast profile: lease 2 s, so heartbeat 1 s) and waits for /healthz. */
export async function startServer(
  options: { store?: string; port?: number; secret?: string; leaseMs?: number; args?: string[] } = {},
): Promise<ServerChild> {
  const port = options.port ?? (await freePort());
  const secret = options.secret ?? SECRET;
  const args = [
    'server',
    '--store',
    options.store ?? 'memory:',
    '--port',
    String(port),
    '--lease-ms',
    String(options.leaseMs ?? 2000),
    '--grace',
    '1000',
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ];
  const child = start(args, { DROVER_SECRET: secret });
  const api = new Api(port, secret);
  await waitFor(
    async () =>
      child.proc.exitCode === null ? api.healthy() : Promise.reject(new Error(`server exited: ${child.output()}`)),
    15_000,
    'the server to listen',
  );
  return { ...child, port, api };
}

/** Starts `drover worker` on the test tasks (reconnect backoff 250 ms → 5 s, as the fast profile). */
export function startWorker(
  port: number,
  options: { concurrency?: number; ledger?: string; secret?: string; args?: string[] } = {},
): Child {
  const args = [
    'worker',
    TASKS,
    '--server',
    `ws://127.0.0.1:${port}`,
    '--concurrency',
    String(options.concurrency ?? 10),
    '--reconnect-max-ms',
    '5000',
    '--grace',
    '2000',
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ];
  return start(args, { DROVER_SECRET: options.secret ?? SECRET, LEDGER: options.ledger });
}

/** One line of a ledger. */
export interface LedgerLine {
  event: 'start' | 'end';
  id: string;
  attempt: number;
  pid: number;
  at: number;
}

export function readLedger(file: string): LedgerLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LedgerLine);
}

/** A job as `GET /v1/jobs/:id` shows it. */
export interface JobJson {
  id: string;
  status: string;
  attempt: number;
  result: unknown;
  progress: unknown;
  error: { name: string; message: string } | null;
  workerId: string | null;
}

/** Counts of one queue. */
export interface QueueJson {
  waiting: number;
  active: number;
  delayed: number;
  succeeded: number;
  failed: number;
}

/** The server's HTTP API. */
export class Api {
  readonly base: string;
  readonly #headers: Record<string, string>;

  constructor(port: number, secret: string) {
    this.base = `http://127.0.0.1:${port}`;
    this.#headers = { authorization: `Bearer ${secret}` };
  }

  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.base}/healthz`)).ok;
    } catch {
      return false;
    }
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Enqueues jobs, returns their ids. */
  async enqueue(jobs: { task: string; args?: unknown[]; options?: Record<string, unknown> }[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < jobs.length; i += 1000) {
      const answer = await this.request<{ id: string }[]>('POST', '/v1/jobs', jobs.slice(i, i + 1000));
      if (answer.status !== 201) throw new Error(`enqueue: ${answer.status} ${JSON.stringify(answer.body)}`);
      ids.push(...answer.body.map((r) => r.id));
    }
    return ids;
  }

  async job(id: string): Promise<JobJson> {
    return (await this.request<JobJson>('GET', `/v1/jobs/${id}`)).body;
  }

  async queue(name: string): Promise<QueueJson> {
    const { body } = await this.request<{ queues: (QueueJson & { queue: string })[] }>('GET', '/v1/queues');
    return body.queues.find((q) => q.queue === name) ?? { waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 0 };
  }

  async workers(): Promise<WorkerInfo[]> {
    return (await this.request<{ workers: WorkerInfo[] }>('GET', '/v1/workers')).body.workers;
  }
}

/** A frame as a raw client receives it (the fields the tests read). */
export interface Frame {
  type: string;
  id?: string;
  lease?: string;
  code?: string;
  workerId?: string;
  nonce?: string;
  session?: string;
  serverProof?: string;
  attempt?: number;
  [key: string]: unknown;
}

/** What a raw client receives: a frame, or the close. */
export type Received = Frame | { closed: number };

/** A `job` frame. */
export type JobFrame = Frame & { id: string; lease: string; attempt: number };

/** A WebSocket client that speaks the protocol by hand. */
export class RawClient {
  readonly ws: WebSocket;
  readonly #queue: Received[] = [];
  #waiter: ((r: Received) => void) | undefined;
  #pinger: NodeJS.Timeout | undefined;
  closeCode: number | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary) =>
      this.#push(isBinary ? { type: '<binary>' } : (JSON.parse(data.toString('utf8')) as Received)),
    );
    ws.on('close', (code) => {
      clearInterval(this.#pinger);
      this.closeCode = code;
      this.#push({ closed: code });
    });
    ws.on('error', () => undefined);
  }

  static open(port: number, headers: Record<string, string> = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/workers/ws`, { perMessageDeflate: false, headers });
      const client = new RawClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown, binary = false): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (typeof frame === 'string' || Buffer.isBuffer(frame)) this.ws.send(frame, { binary });
    else this.ws.send(JSON.stringify(frame));
  }

  /** The next frame or the close, or undefined after `timeoutMs`. */
  next(timeoutMs = 1000): Promise<Received | undefined> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closeCode !== undefined) return Promise.resolve({ closed: this.closeCode });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  /** Frames received so far and not read. */
  drain(): Received[] {
    return this.#queue.splice(0);
  }

  /** The whole handshake with `secret`; checks the server's proof. */
  async handshake(secret = SECRET, hello: Record<string, unknown> = {}): Promise<{ workerId: string; welcome: Frame }> {
    this.send({ type: 'hello', protocol: 1, name: 'raw', tasks: ['work'], concurrency: 1, ...hello });
    const challenge = await this.next();
    if (!challenge || 'closed' in challenge || challenge.type !== 'challenge')
      throw new Error(`expected a challenge, got ${JSON.stringify(challenge)}`);
    const workerId = String(challenge.workerId);
    const nonce = String(challenge.nonce);
    const clientNonce = createClientNonce();
    this.send({ type: 'auth', workerId, clientNonce, proof: workerProof(secret, workerId, nonce, clientNonce) });
    const welcome = await this.next();
    if (!welcome || 'closed' in welcome || welcome.type !== 'welcome')
      throw new Error(`expected a welcome, got ${JSON.stringify(welcome)}`);
    if (!verifyProof(serverProof(secret, workerId, nonce, clientNonce), welcome.serverProof))
      throw new Error('bad server proof');
    return { workerId, welcome };
  }

  /** Pings every `everyMs` (a live worker) and hides the pongs. */
  keepAlive(everyMs = 300): this {
    this.#pinger = setInterval(() => this.send({ type: 'ping', t: -1 }), everyMs);
    return this;
  }

  /** Stops pinging: the server will think this worker is dead. */
  goSilent(): void {
    clearInterval(this.#pinger);
  }

  /** Jobs (frames of type `job`) received within `ms`, reading every frame. */
  async jobsWithin(ms: number): Promise<JobFrame[]> {
    const until = Date.now() + ms;
    const jobs: JobFrame[] = [];
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return jobs;
      const r = await this.next(left);
      if (r && !('closed' in r) && r.type === 'job') jobs.push(r as JobFrame);
    }
  }

  /** The next job frame within `ms`, reading every frame before it; throws if none comes. */
  async nextJob(ms: number): Promise<JobFrame> {
    const until = Date.now() + ms;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no job frame within ${ms} ms`);
      const r = await this.next(left);
      if (r && !('closed' in r) && r.type === 'job') return r as JobFrame;
    }
  }

  close(): void {
    clearInterval(this.#pinger);
    this.ws.terminate();
  }

  #push(r: Received): void {
    if (!('closed' in r) && r.type === 'pong' && r.t === -1) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(r);
    } else this.#queue.push(r);
  }
}
