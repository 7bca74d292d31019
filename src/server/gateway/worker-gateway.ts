/**
 * The server's WebSocket endpoint for remote workers (`/v1/workers/ws`,
 * docs/protocol.md). The HTTP server hands it upgrade requests; it runs the
 * handshake, feeds authenticated workers through the {@link JobDispatcher},
 * drops workers that stop heartbeating, and lists who is connected.
 *
 * Gateway states: open ──close()──▶ draining (no new connections, no new
 * leases; outcomes still accepted for `grace` ms) ──▶ closed (every worker
 * closed with 1001, what they still hold handed back uncounted).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { WorkerEvent } from '../../core/events.js';
import { toErrorInfo } from '../../core/errors.js';
import { CloseCodes, Limits } from '../../protocol/index.js';
import { FailureLog } from '../failure-log.js';
import { loopbackOnlyRefusal } from '../loopback.js';
import { AuthThrottle } from './auth-throttle.js';
import { clientAddress } from './client-address.js';
import type { ResolvedGatewayOptions, WorkerGatewayOptions } from './gateway-options.js';
import { resolveGatewayOptions } from './gateway-options.js';
import { JobDispatcher } from './job-dispatcher.js';
import { LoopStalls } from './loop-stalls.js';
import { SessionRegistry } from './session-registry.js';
import type { ConnectionHost } from './worker-connection.js';
import { WorkerConnection } from './worker-connection.js';
import type { SessionHost, WorkerSession } from './worker-session.js';

/** A connected worker, as `GET /v1/workers` lists it. */
export interface WorkerInfo {
  id: string;
  name: string;
  /** The queues it takes jobs from (task names unless a task sets `queue`). */
  tasks: string[];
  concurrency: number;
  /** Jobs it holds now. */
  active: number;
  /** Epoch ms of its last frame. */
  lastSeen: number;
  /** Epoch ms when it authenticated. */
  connectedAt: number;
  address: string;
}

/** Options of {@link WorkerGateway.close}. */
export interface GatewayCloseOptions {
  /** How long workers may still finish what they hold before it is handed back (ms). @default 0 */
  grace?: number;
}

/** The gateway the HTTP server mounts (see {@link createWorkerGateway}). */
export interface WorkerGateway {
  /** Takes over an HTTP upgrade request for the worker endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Authenticated workers now. */
  workers(): WorkerInfo[];
  /** Stops taking connections and leasing, then closes every worker. Idempotent. */
  close(options?: GatewayCloseOptions): Promise<void>;
}

/**
 * Creates the worker gateway over a connected broker.
 * @example
 * const gateway = createWorkerGateway({ app, broker, secret, logger });
 * server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
 */
export function createWorkerGateway(options: WorkerGatewayOptions): WorkerGateway {
  return new Gateway(resolveGatewayOptions(options));
}

const TOO_MANY = 'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n';

class Gateway implements WorkerGateway, ConnectionHost {
  readonly options: ResolvedGatewayOptions;
  readonly throttle: AuthThrottle;
  readonly failures: FailureLog;
  readonly sessions = new SessionRegistry();
  readonly sessionHost: SessionHost;
  readonly #wss: WebSocketServer;
  readonly #dispatcher: JobDispatcher;
  readonly #connections = new Set<WorkerConnection>();
  readonly #pendingByAddress = new Map<string, number>();
  readonly #byWorkerId = new Map<string, WorkerConnection>();
  readonly #tracked = new Set<Promise<unknown>>();
  readonly #heartbeatTimer: NodeJS.Timeout;
  readonly #stalls = new LoopStalls();
  #pending = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedGatewayOptions) {
    this.options = options;
    this.throttle = new AuthThrottle({ threshold: options.authFailuresBeforeThrottle });
    this.failures = new FailureLog(options.logger, 'worker handshakes');
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: Limits.FRAME,
      clientTracking: false,
    });
    this.#dispatcher = new JobDispatcher(
      options,
      (error, context) => this.#reportError(error, context),
      () => this.#silentBefore(),
    );
    const { app, broker, logger } = options;
    this.sessionHost = {
      broker,
      metrics: app.metrics,
      logger,
      released: (session, id) => {
        this.#dispatcher.forget(session, id);
        this.#dispatcher.schedule(session);
      },
      wantsWork: (session) => this.#dispatcher.schedule(session),
      track: (work) => this.#track(work),
      reportError: (error, context, jobId) => this.#reportError(error, context, jobId),
    };
    const every = Math.max(10, Math.floor(options.heartbeatMs / 2));
    this.#heartbeatTimer = setInterval(() => {
      this.#stalls.tick(every);
      this.#dropSilent();
    }, every).unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const address = clientAddress(req, this.options.trustedProxies);
    const refusal = this.#refusal(req, address);
    if (refusal !== undefined) {
      socket.end(`${refusal}\r\n`);
      socket.destroy();
      return;
    }
    // Without `verifyClient`, ws completes the upgrade synchronously (or answers 400 and never calls back).
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.#pending++;
      this.#pendingByAddress.set(address, (this.#pendingByAddress.get(address) ?? 0) + 1);
      const connection = new WorkerConnection(ws, address, this);
      this.#connections.add(connection);
      if (this.#closing) connection.close(CloseCodes.GOING_AWAY, 'server shutting down', 'release');
    });
  }

  workers(): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const connection of this.#byWorkerId.values()) {
      const s = connection.session;
      if (!s || s.ended) continue;
      out.push({
        id: s.workerId,
        name: s.name,
        tasks: [...s.queues],
        concurrency: s.concurrency,
        active: s.active,
        lastSeen: s.lastSeen,
        connectedAt: s.connectedAt,
        address: s.address,
      });
    }
    return out;
  }

  close(options: GatewayCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.grace ?? 0);
    return this.#closing;
  }

  // ConnectionHost

  registered(connection: WorkerConnection, workerId: string, name: string): void {
    this.#emit('worker:registered', { workerId, name, address: connection.address });
  }

  verifyFailed(connection: WorkerConnection, reason: string, workerId?: string, name?: string): void {
    this.failures.note(connection.address, { workerId, name, reason }, 'remote worker failed to authenticate');
    this.#emit('worker:verify-failed', { workerId: workerId ?? '', name, address: connection.address, reason });
  }

  authenticated(connection: WorkerConnection, session: WorkerSession): void {
    this.#unpend(connection.address);
    const previous = this.#byWorkerId.get(session.workerId);
    // A resumed session replaces its old, probably half-open, connection; the worker is alive, so nothing is counted.
    previous?.close(CloseCodes.REPLACED, 'replaced by a newer connection', 'release');
    this.#byWorkerId.set(session.workerId, connection);
    this.#dispatcher.add(session);
    this.options.app.metrics.workersConnected(this.#byWorkerId.size);
    this.options.logger.info(
      {
        workerId: session.workerId,
        name: session.name,
        address: connection.address,
        tasks: session.queues,
        concurrency: session.concurrency,
      },
      'remote worker connected',
    );
    this.#emit('worker:verified', { workerId: session.workerId, name: session.name, address: connection.address });
  }

  ended(connection: WorkerConnection, reason: string): void {
    this.#connections.delete(connection);
    const session = connection.session;
    if (!session) {
      this.#unpend(connection.address);
      return;
    }
    this.#dispatcher.remove(session);
    if (this.#byWorkerId.get(session.workerId) === connection) this.#byWorkerId.delete(session.workerId);
    this.options.app.metrics.workersConnected(this.#byWorkerId.size);
    this.options.logger.info({ workerId: session.workerId, name: session.name, reason }, 'remote worker disconnected');
    this.#emit('worker:disconnected', {
      workerId: session.workerId,
      name: session.name,
      address: connection.address,
      reason,
    });
  }

  // internals

  #refusal(req: IncomingMessage, address: string): string | undefined {
    if (this.#closing) return 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n';
    const origin = req.headers.origin;
    const forbidden = 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n';
    if (origin !== undefined && !sameHost(origin, req.headers.host)) return forbidden;
    if (this.options.loopbackOnly && loopbackOnlyRefusal(req.headers.host, origin) !== undefined) return forbidden;
    // A throttled address is refused at `hello` (a worker resuming its session still gets in), not here.
    if ((this.#pendingByAddress.get(address) ?? 0) >= this.options.maxPendingPerAddress) return TOO_MANY;
    if (this.#pending >= this.options.maxPending || this.#byWorkerId.size >= this.options.maxWorkers) {
      return 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n';
    }
    return undefined;
  }

  #unpend(address: string): void {
    const n = this.#pendingByAddress.get(address);
    if (n === undefined) return;
    this.#pending--;
    if (n <= 1) this.#pendingByAddress.delete(address);
    else this.#pendingByAddress.set(address, n - 1);
  }

  /** A worker whose last frame is older than this is silent: two heartbeats, not counting the server's own stalls. */
  #silentBefore(): number {
    const window = 4 * this.options.heartbeatMs;
    return Date.now() - 2 * this.options.heartbeatMs - this.#stalls.credit(window);
  }

  #dropSilent(): void {
    const silentBefore = this.#silentBefore();
    for (const connection of this.#byWorkerId.values()) {
      const s = connection.session;
      if (s && !s.ended && s.lastSeen < silentBefore) connection.close(CloseCodes.HEARTBEAT, 'no heartbeat', 'requeue');
    }
  }

  #track(work: Promise<unknown>): void {
    this.#tracked.add(work);
    void work.finally(() => this.#tracked.delete(work));
  }

  #emit(
    name: 'worker:registered' | 'worker:verified' | 'worker:verify-failed' | 'worker:disconnected',
    event: WorkerEvent,
  ): void {
    if (this.options.app.listens(name)) this.options.app.emit(name, event);
  }

  #reportError(error: unknown, context: string, jobId?: string): void {
    this.options.logger.error({ err: error, jobId }, context);
    this.options.app.emit('error', { error, context, jobId, info: toErrorInfo(error) });
  }

  async #close(grace: number): Promise<void> {
    this.#dispatcher.pause();
    if (grace > 0 && this.#dispatcher.held() > 0) {
      const until = Date.now() + grace;
      while (Date.now() < until && this.#dispatcher.held() > 0) await sleep(20);
    }
    const connections = [...this.#connections];
    for (const connection of connections) connection.close(CloseCodes.GOING_AWAY, 'server shutting down', 'release');
    await Promise.race([Promise.all(connections.map((c) => c.closed())), sleep(1_500)]);
    clearInterval(this.#heartbeatTimer);
    this.#stalls.close();
    this.failures.close();
    this.#dispatcher.close();
    await Promise.race([Promise.allSettled([...this.#tracked]), sleep(5_000)]);
    this.#wss.close();
    this.sessions.clear();
    this.options.app.metrics.workersConnected(0);
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
