/**
 * The worker's side of one logical link to a drover server: connect, the
 * handshake of docs/protocol.md (the server's proof is checked before any job is
 * accepted), heartbeats, and reconnects with backoff and full jitter,
 * resuming with the session key the last `welcome` gave.
 *
 * States:
 *
 *   idle ──start()──▶ connecting ──open──▶ handshaking ──welcome ok──▶ ready
 *     ready ──socket lost / silent server──▶ waiting ──backoff──▶ connecting …
 *     connecting/handshaking ──error, timeout──▶ waiting
 *     any ──auth_failed, 4401, bad serverProof──▶ failed (no more reconnects)
 *     any ──close()──▶ stopped
 *
 * Every socket gets a new `epoch`: leases delivered on an earlier one are
 * void, because the server requeued them when that socket closed.
 */
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { AuthError, ErrorCodes } from '../core/errors.js';
import type { ClientMessage, FrameWriter, JobMessage, RawFrame, ServerMessage } from '../protocol/index.js';
import {
  CloseCodes,
  Limits,
  PROTOCOL_VERSION,
  WireErrorCodes,
  createClientNonce,
  createFrameWriter,
  parseServerFrame,
  serialize,
  serverProof,
  verifyProof,
  workerProof,
} from '../protocol/index.js';
import type { ReconnectBackoffOptions } from './reconnect-backoff.js';
import { ReconnectBackoff } from './reconnect-backoff.js';

/** Connection states (see the file's header). */
export type RemoteConnectionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'waiting' | 'failed' | 'stopped';

/** What the connection tells its owner. */
export interface RemoteConnectionEvents {
  /** A job arrived (only ever after a verified welcome). */
  job(message: JobMessage): void;
  /** The server asks to stop a job. */
  cancel(id: string): void;
  /** The server refused something (`stale_lease`, `unknown_job`…). */
  refused(code: string, message: string, id: string | undefined): void;
  /** A socket that was ready is gone: its leases are void. */
  lost(): void;
  /** Ready (again), after a verified welcome. */
  ready(): void;
  /** Authentication failed for good. */
  failed(error: AuthError): void;
}

/** Options of {@link RemoteConnection}. */
export interface RemoteConnectionOptions {
  /** The WebSocket endpoint, e.g. `ws://host:7400/v1/workers/ws`. */
  endpoint: string;
  /** The shared secret ('' for a server without one). Never logged. */
  secret: string;
  /** This worker's name in listings. */
  name: string;
  /** Queues to take jobs from. */
  queues: readonly string[];
  /** The concurrency to announce in `hello`. */
  concurrency: () => number;
  logger: Logger;
  backoff?: ReconnectBackoffOptions;
  /** Time from opening the socket to a verified welcome (ms). @default 10000 */
  handshakeTimeoutMs?: number;
  /** Extra WebSocket client options (TLS settings for wss://). */
  socketOptions?: Omit<WebSocket.ClientOptions, 'perMessageDeflate' | 'maxPayload'>;
}

/** See the file's header. */
export class RemoteConnection {
  readonly #options: RemoteConnectionOptions;
  readonly #events: RemoteConnectionEvents;
  readonly #backoff: ReconnectBackoff;
  #state: RemoteConnectionState = 'idle';
  #ws: WebSocket | undefined;
  #write: FrameWriter | undefined;
  #epoch = 0;
  #session: string | undefined;
  #expectedServerProof: string | undefined;
  #heartbeatMs = 5_000;
  #leaseMs = 30_000;
  #lastHeard = 0;
  #tasksAfterWelcome = false;
  #pingTimer: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: RemoteConnectionOptions, events: RemoteConnectionEvents) {
    this.#options = options;
    this.#events = events;
    this.#backoff = new ReconnectBackoff(options.backoff);
  }

  get state(): RemoteConnectionState {
    return this.#state;
  }

  /** Identifies the current socket; leases from an older one are void. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The lease length the server announced (ms). */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** Opens the first socket. */
  start(): void {
    if (this.#state === 'idle') this.#connect();
  }

  /** Sends a frame when ready; false otherwise (the frame is dropped). */
  send(message: ClientMessage): boolean {
    return this.sendRaw(this.#state === 'ready' ? serialize(message) : '');
  }

  /** Sends an already serialised frame when ready. */
  sendRaw(frame: string): boolean {
    const ws = this.#ws;
    if (this.#state !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN || frame === '' || !this.#write)
      return false;
    this.#write(frame);
    return true;
  }

  /** Writes the frames sent in this tick now instead of at its end. */
  flush(): void {
    this.#write?.flush();
  }

  /** Says goodbye (close 1000: the server hands back what is still held) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#clearTimers();
    clearTimeout(this.#retryTimer);
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2_000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(CloseCodes.NORMAL, 'worker closing');
    });
  }

  #connect(): void {
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = 'connecting';
    this.#epoch++;
    const epoch = this.#epoch;
    const ws = new WebSocket(this.#options.endpoint, {
      ...this.#options.socketOptions,
      perMessageDeflate: false,
      maxPayload: Limits.FRAME,
      handshakeTimeout: this.#options.handshakeTimeoutMs ?? 10_000,
    });
    this.#ws = ws;
    ws.on('open', () => this.#opened(ws));
    ws.on('message', (data: RawFrame, isBinary: boolean) => {
      if (this.#epoch === epoch) this.#receive(data, isBinary);
    });
    ws.on('error', (error: Error) =>
      this.#options.logger.debug({ err: error, endpoint: this.#options.endpoint }, 'worker socket error'),
    );
    ws.on('close', (code: number) => {
      if (this.#epoch === epoch) this.#closed(code);
    });
  }

  #opened(ws: WebSocket): void {
    if (this.#ws !== ws || this.#state !== 'connecting') return;
    this.#state = 'handshaking';
    this.#write = createFrameWriter(ws);
    this.#lastHeard = Date.now();
    this.#handshakeTimer = setTimeout(() => ws.terminate(), this.#options.handshakeTimeoutMs ?? 10_000);
    ws.send(this.#hello());
  }

  /**
   * The `hello` frame, within the 4 KiB limit before auth: when the queue
   * list does not fit, it carries the first queues that do, and the full
   * list follows in a `tasks` frame after the welcome.
   */
  #hello(): string {
    const queues = this.#options.queues;
    const make = (count: number): string =>
      serialize({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        name: this.#options.name,
        tasks: queues.slice(0, count),
        concurrency: this.#options.concurrency(),
        ...(this.#session === undefined ? {} : { session: this.#session }),
      });
    let size = Buffer.byteLength(make(0));
    let count = 0;
    for (const queue of queues) {
      const add = Buffer.byteLength(JSON.stringify(queue)) + (count > 0 ? 1 : 0);
      if (count > 0 && size + add > Limits.FRAME_BEFORE_AUTH) break;
      size += add;
      count++;
    }
    this.#tasksAfterWelcome = count < queues.length;
    return make(count);
  }

  #receive(data: RawFrame, isBinary: boolean): void {
    this.#lastHeard = Date.now();
    const parsed = parseServerFrame(data, isBinary);
    // A newer server may send frame types this worker does not know: ignore them.
    if (!parsed.ok && parsed.code === WireErrorCodes.UNKNOWN_TYPE) return;
    if (!parsed.ok && parsed.type === 'job' && parsed.id !== undefined && parsed.lease !== undefined) {
      // One job this worker cannot read must not cost the jobs it holds an attempt: fail that job, keep the socket.
      if (this.#state === 'ready') this.#refuseJob(parsed.id, parsed.lease, parsed.reason);
      return;
    }
    if (!parsed.ok) {
      this.#options.logger.warn(
        { code: parsed.code, reason: parsed.reason },
        'the server sent a frame this worker cannot read; reconnecting',
      );
      this.#ws?.terminate();
      return;
    }
    const message: ServerMessage = parsed.message;
    if (message.type === 'error' && message.code === WireErrorCodes.AUTH_FAILED) return this.#fail();
    if (this.#state === 'handshaking') return this.#handshake(message);
    if (this.#state !== 'ready') return;
    switch (message.type) {
      case 'job':
        return this.#events.job(message);
      case 'cancel':
        return this.#events.cancel(message.id);
      case 'error':
        return this.#events.refused(message.code, message.message, message.id);
      default:
        return; // pong (liveness is any frame), or a stray handshake frame
    }
  }

  #refuseJob(id: string, lease: string, reason: string): void {
    this.#options.logger.warn({ jobId: id, reason }, 'the server sent a job this worker cannot read; failing it');
    this.sendRaw(
      serialize({
        type: 'fail',
        id,
        lease,
        error: {
          name: 'ProtocolError',
          message: `the worker cannot read this job: ${reason}`,
          code: ErrorCodes.PROTOCOL,
        },
        retry: false,
      }),
    );
  }

  #handshake(message: ServerMessage): void {
    if (message.type === 'challenge') {
      const clientNonce = createClientNonce();
      const { secret } = this.#options;
      this.#expectedServerProof = serverProof(secret, message.workerId, message.nonce, clientNonce);
      const proof = workerProof(secret, message.workerId, message.nonce, clientNonce);
      this.#ws?.send(serialize({ type: 'auth', workerId: message.workerId, clientNonce, proof }));
      return;
    }
    if (message.type === 'welcome') {
      const expected = this.#expectedServerProof;
      this.#expectedServerProof = undefined;
      // Mutual authentication: a server that cannot prove the secret gets nothing, and sends nothing we accept.
      if (expected === undefined || !verifyProof(expected, message.serverProof)) return this.#fail();
      clearTimeout(this.#handshakeTimer);
      this.#session = message.session;
      this.#heartbeatMs = message.heartbeatMs;
      this.#leaseMs = message.leaseMs;
      this.#state = 'ready';
      this.#backoff.reset();
      this.#pingTimer = setInterval(() => this.#heartbeat(), this.#heartbeatMs).unref();
      if (this.#tasksAfterWelcome) this.sendRaw(serialize({ type: 'tasks', tasks: [...this.#options.queues] }));
      this.#events.ready();
      return;
    }
    // Anything else before a verified welcome (a job!) is a protocol violation.
    this.#options.logger.warn(
      { type: message.type },
      'the server sent a frame before the handshake finished; reconnecting',
    );
    this.#ws?.terminate();
  }

  #heartbeat(): void {
    const ws = this.#ws;
    if (!ws || this.#state !== 'ready') return;
    if (Date.now() - this.#lastHeard > 2 * this.#heartbeatMs + 500) {
      this.#options.logger.warn({ endpoint: this.#options.endpoint }, 'the server stopped answering; reconnecting');
      ws.terminate();
      return;
    }
    ws.send(serialize({ type: 'ping', t: Date.now() }));
  }

  #fail(): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    const wasReady = this.#state === 'ready';
    this.#state = 'failed';
    this.#clearTimers();
    this.#ws?.terminate();
    if (wasReady) this.#events.lost();
    this.#events.failed(
      new AuthError(
        `auth failed: the drover server at ${this.#options.endpoint} and this worker do not share the same secret`,
      ),
    );
  }

  #closed(code: number): void {
    this.#clearTimers();
    // Stopped by close() or failed for good: nothing to report, no reconnect.
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    const wasReady = this.#state === 'ready';
    if (code === CloseCodes.AUTH_FAILED) return this.#fail();
    this.#state = 'waiting';
    if (wasReady) this.#events.lost();
    const delay = this.#backoff.next();
    const level = this.#backoff.attempt > 3 ? 'warn' : 'info';
    this.#options.logger[level](
      { endpoint: this.#options.endpoint, code, retryInMs: delay, attempt: this.#backoff.attempt },
      'lost the drover server; reconnecting',
    );
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #clearTimers(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#handshakeTimer);
    this.#pingTimer = undefined;
  }
}
