/**
 * One WebSocket on the gateway, from upgrade to close: the handshake of
 * docs/protocol.md, then frames routed to its {@link WorkerSession}.
 *
 * States:
 *
 *   awaiting_hello ──hello──▶ challenged ──auth ok──▶ authenticated ──▶ closed
 *         │                       │
 *         └──── auth deadline, bad auth, auth out of order ──▶ closed (error auth_failed, 4401)
 *   any ──frame over the limit──▶ closed (1009);  any ──too many bad frames──▶ closed (4400)
 *
 * Before `authenticated` frames are limited to 4 KiB and nothing about jobs
 * is accepted (`not_authenticated`). The nonce is single use: whatever the
 * first `auth` says, the challenge is spent. Every auth failure gets the
 * same answer. A frame handler that throws closes only this connection.
 */
import type { WebSocket } from 'ws';
import type {
  ClientMessage,
  FrameProblem,
  FrameWriter,
  HelloMessage,
  RawFrame,
  ServerMessage,
} from '../../protocol/index.js';
import {
  CloseCodes,
  Limits,
  PROTOCOL_VERSION,
  WireErrorCodes,
  createFrameWriter,
  createNonce,
  createWorkerId,
  parseClientFrame,
  serialize,
  serverProof,
  verifyProof,
  workerProof,
} from '../../protocol/index.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { ResolvedGatewayOptions } from './gateway-options.js';
import type { RecentIds } from './recent-ids.js';
import type { SessionRegistry } from './session-registry.js';
import type { EndMode, SessionHost } from './worker-session.js';
import { WorkerSession } from './worker-session.js';

/** Connection states (see the file's header). */
export type ConnectionState = 'awaiting_hello' | 'challenged' | 'authenticated' | 'closed';

/** What a connection needs from its gateway. */
export interface ConnectionHost {
  readonly options: ResolvedGatewayOptions;
  readonly throttle: AuthThrottle;
  readonly sessions: SessionRegistry;
  readonly sessionHost: SessionHost;
  /** A `hello` was answered with a challenge. */
  registered(connection: WorkerConnection, workerId: string, name: string): void;
  /** The handshake failed (the reason is for logs and events only, never sent). */
  verifyFailed(connection: WorkerConnection, reason: string, workerId?: string, name?: string): void;
  /** The handshake succeeded; the welcome is sent. */
  authenticated(connection: WorkerConnection, session: WorkerSession): void;
  /** The connection is over (called once). */
  ended(connection: WorkerConnection, reason: string): void;
}

interface Challenge {
  workerId: string;
  nonce: string;
  hello: HelloMessage;
  resumed: { key: string; recent: RecentIds } | undefined;
}

const AUTH_FAILED_FRAME = serialize({ type: 'error', code: WireErrorCodes.AUTH_FAILED, message: 'auth failed' });
const TERMINATE_AFTER_MS = 1_000;

/** See the file's header. */
export class WorkerConnection {
  readonly address: string;
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  readonly #write: FrameWriter;
  #state: ConnectionState = 'awaiting_hello';
  #badFrames = 0;
  #authTimer: NodeJS.Timeout | undefined;
  #challenge: Challenge | undefined;
  #session: WorkerSession | undefined;

  constructor(ws: WebSocket, address: string, host: ConnectionHost) {
    this.#ws = ws;
    this.address = address;
    this.#host = host;
    this.#write = createFrameWriter(ws);
    setReceiverLimit(ws, Limits.FRAME_BEFORE_AUTH);
    ws.on('message', (data: RawFrame, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', (code: number) => this.#onClose(code));
    ws.on('error', (error: Error) => host.options.logger.debug({ err: error, address }, 'worker socket error'));
    this.#authTimer = setTimeout(
      () => this.#authFailed('no successful auth before the deadline'),
      host.options.authTimeoutMs,
    );
    this.#authTimer.unref();
  }

  /** Where the connection is in its life. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The authenticated worker, once there is one. */
  get session(): WorkerSession | undefined {
    return this.#session;
  }

  /**
   * Closes from the server's side. `mode` says what happens to held jobs:
   * `release` (not the worker's fault) or `requeue` (counted as a crash).
   */
  close(code: number, reason: string, mode: EndMode): void {
    if (this.#state === 'closed') return;
    this.#finish(mode, reason);
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.terminate();
    }
    setTimeout(() => this.#ws.terminate(), TERMINATE_AFTER_MS).unref();
  }

  /** Resolves once the socket is closed. */
  closed(): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#ws.once('close', () => resolve()));
  }

  #finish(mode: EndMode, reason: string): void {
    this.#state = 'closed';
    clearTimeout(this.#authTimer);
    this.#challenge = undefined;
    this.#session?.end(mode);
    this.#host.ended(this, reason);
  }

  #onClose(code: number): void {
    if (this.#state === 'closed') return;
    // Only a worker that says goodbye (1000) hands its jobs back uncounted; anything else is a crash.
    this.#finish(code === CloseCodes.NORMAL ? 'release' : 'requeue', `closed by the worker (${code})`);
  }

  #send(message: ServerMessage): void {
    this.#sendFrame(serialize(message));
  }

  #sendFrame(frame: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#write(frame);
    // A peer that sends but never reads would make the server buffer answers without bound (S08).
    if (this.#ws.bufferedAmount > Limits.UNREAD) this.close(CloseCodes.POLICY, 'not reading its frames', 'requeue');
  }

  #onMessage(data: RawFrame, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    try {
      this.#receive(data, isBinary);
    } catch (error) {
      this.#host.sessionHost.reportError(error, `handling a frame from ${this.address} failed`);
      this.close(1011, 'internal error', 'requeue');
    }
  }

  #receive(data: RawFrame, isBinary: boolean): void {
    const authenticated = this.#state === 'authenticated';
    const parsed = parseClientFrame(data, isBinary, authenticated ? Limits.FRAME : Limits.FRAME_BEFORE_AUTH);
    if (!parsed.ok) return this.#badFrame(parsed);
    const message: ClientMessage = parsed.message;
    if (authenticated) {
      if (message.type === 'hello' || message.type === 'auth')
        return this.#badFrame({ ok: false, code: WireErrorCodes.BAD_FRAME, reason: 'already authenticated' });
      return this.#session!.handle(message);
    }
    if (message.type === 'hello') {
      if (this.#state === 'awaiting_hello') return this.#hello(message);
      return this.#badFrame({
        ok: false,
        code: WireErrorCodes.BAD_FRAME,
        reason: 'hello was already sent; answer the challenge',
      });
    }
    if (message.type === 'auth') {
      if (this.#state === 'challenged') return this.#auth(message.workerId, message.clientNonce, message.proof);
      return this.#authFailed('auth before hello');
    }
    this.#badFrame({
      ok: false,
      code: WireErrorCodes.NOT_AUTHENTICATED,
      reason: 'authenticate first: hello, then auth',
    });
  }

  #badFrame(problem: FrameProblem): void {
    const authenticated = this.#state === 'authenticated';
    if (!authenticated && problem.type === 'auth' && problem.code !== WireErrorCodes.TOO_LARGE)
      return this.#authFailed('malformed auth frame');
    this.#send({
      type: 'error',
      code: problem.code,
      message: problem.reason,
      ...(problem.id === undefined ? {} : { id: problem.id }),
    });
    if (problem.code === WireErrorCodes.TOO_LARGE)
      return this.close(CloseCodes.TOO_LARGE, 'frame too large', 'requeue');
    if (
      authenticated &&
      (problem.type === 'done' || problem.type === 'fail') &&
      problem.id !== undefined &&
      problem.lease !== undefined
    ) {
      this.#session!.abandon(problem.id, problem.lease, problem.reason);
    }
    if (++this.#badFrames > Limits.BAD_FRAMES) this.close(CloseCodes.PROTOCOL, 'too many bad frames', 'requeue');
  }

  #hello(hello: HelloMessage): void {
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.#send({
        type: 'error',
        code: WireErrorCodes.BAD_FRAME,
        message: `unsupported protocol version; this server speaks ${PROTOCOL_VERSION}`,
      });
      return this.close(CloseCodes.PROTOCOL, 'unsupported protocol version', 'requeue');
    }
    const resumed = this.#host.sessions.resume(hello.session);
    // A throttled address may still resume a session (a worker that proved the secret before): others' failures do not lock it out.
    const blocked = resumed ? 0 : this.#host.throttle.blockedFor(this.address);
    if (blocked > 0) {
      const seconds = Math.ceil(blocked / 1000);
      this.#send({
        type: 'error',
        code: WireErrorCodes.THROTTLED,
        message: `too many failed handshakes from this address; retry in ${seconds} s`,
      });
      return this.close(CloseCodes.THROTTLED, `throttled; retry in ${seconds} s`, 'requeue');
    }
    const workerId = resumed?.workerId ?? createWorkerId();
    const nonce = createNonce();
    this.#challenge = {
      workerId,
      nonce,
      hello,
      resumed: resumed && hello.session !== undefined ? { key: hello.session, recent: resumed.recent } : undefined,
    };
    this.#state = 'challenged';
    this.#send({ type: 'challenge', workerId, nonce });
    this.#host.registered(this, workerId, hello.name);
  }

  #auth(workerId: string, clientNonce: string, proof: string): void {
    const challenge = this.#challenge!;
    this.#challenge = undefined; // single use, whatever happens next
    const { secret } = this.#host.options;
    const expected = workerProof(secret, challenge.workerId, challenge.nonce, clientNonce);
    const ok = workerId === challenge.workerId && clientNonce.length > 0 && verifyProof(expected, proof);
    if (!ok) return this.#authFailed('wrong proof', challenge.workerId, challenge.hello.name);
    clearTimeout(this.#authTimer);
    this.#state = 'authenticated';
    setReceiverLimit(this.#ws, Limits.FRAME);
    this.#host.throttle.success(this.address);
    const { hello } = challenge;
    const session = new WorkerSession(
      {
        workerId: challenge.workerId,
        name: hello.name,
        queues: [...new Set(hello.tasks)],
        concurrency: hello.concurrency,
        address: this.address,
        recent: challenge.resumed?.recent,
      },
      this.#host.sessionHost,
      { send: (frame) => this.#sendFrame(frame), flush: () => this.#write.flush() },
    );
    this.#session = session;
    const key = this.#host.sessions.issue(challenge.workerId, hello.name, session.recent, challenge.resumed?.key);
    const { heartbeatMs, leaseMs } = this.#host.options;
    this.#send({
      type: 'welcome',
      session: key,
      serverProof: serverProof(secret, challenge.workerId, challenge.nonce, clientNonce),
      heartbeatMs,
      leaseMs,
    });
    this.#host.authenticated(this, session);
  }

  #authFailed(reason: string, workerId?: string, name?: string): void {
    if (this.#state === 'closed' || this.#state === 'authenticated') return;
    this.#host.throttle.failure(this.address);
    this.#host.verifyFailed(this, reason, workerId ?? this.#challenge?.workerId, name ?? this.#challenge?.hello.name);
    if (this.#ws.readyState === this.#ws.OPEN) this.#write(AUTH_FAILED_FRAME);
    this.close(CloseCodes.AUTH_FAILED, 'auth failed', 'requeue');
  }
}

/**
 * Lowers or raises the frame limit of one socket. `ws` has one `maxPayload`
 * per server, so before auth the receiver's own limit is set to 4 KiB: an
 * oversized frame is then refused from its header, before it is buffered.
 * The parser checks the length too, so this is defence in depth.
 */
function setReceiverLimit(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}
