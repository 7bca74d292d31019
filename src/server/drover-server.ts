import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { Drover } from '../core/app.js';
import { ClosedError } from '../core/errors.js';
import { checkMs } from '../core/validate.js';
import type { Worker as Herd } from '../core/worker.js';
import type { WorkerOptions } from '../herd/options.js';
import type { Broker } from '../core/contract/index.js';
import { WORKER_PATH } from '../protocol/constants.js';
import type { RouteAccess } from './auth.js';
import { ConnectionTracker } from './connection-tracker.js';
import { attachEventLog } from './event-log.js';
import { EventHub } from './events/event-hub.js';
import { createWorkerGateway } from './gateway/index.js';
import { WorkerAnnouncer, instanceName } from './worker-announcer.js';
import type { LocalWorkers, WorkersView } from './events/workers-view.js';
import { localPresence, workersView } from './events/workers-view.js';
import type { WorkerGateway } from './gateway/index.js';
import { HttpError, HttpErrorCodes } from './http-error.js';
import { installHttpHooks } from './http-hooks.js';
import { JobEnqueuer } from './job-enqueuer.js';
import { Timeouts } from './limits.js';
import { isLoopbackHost } from './loopback.js';
import type { RouteContext } from './route-context.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerEventsRoute } from './routes/events.js';
import { registerHerdRoutes } from './routes/herd.js';
import { registerJobLogsRoute } from './routes/job-logs.js';
import { registerJobEventsRoute } from './routes/job-events.js';
import { registerJobResultRoute } from './routes/job-result.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerFlowRoutes } from './routes/flows.js';
import { registerOpenApiRoute } from './routes/openapi.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerQueueRoutes } from './routes/queues.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerQueueControlRoutes } from './routes/queue-control.js';
import { registerWorkerRoutes } from './routes/workers.js';
import type { ResolvedServerOptions, ServerOptions } from './server-options.js';
import { resolveServerOptions } from './server-options.js';

/** Where a listening server can be reached. */
export interface ServerAddress {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
}

/** One route of the server and who may call it (S18: tests check every route's auth). */
export interface RouteInfo {
  method: string;
  url: string;
  access: RouteAccess;
}

/** Options of {@link DroverServer.close}. */
export interface ServerCloseOptions {
  /** How long in-flight jobs may finish before they are handed back (ms). @default the server's `grace` */
  grace?: number;
  /**
   * Work that must finish before the HTTP server goes away (a herd run
   * beside it); meanwhile new requests get 503 and `/herd` still answers.
   */
  drain?: Promise<unknown>;
}

/** Longest path parameter (a job id) the router accepts; longer is a 400. */
const MAX_PARAM_LENGTH = 256;

/** How long close() waits for clients to hang up before it closes their connections (ms). */
const CLOSE_CONNECTIONS_AFTER_MS = 500;

type ServerState = 'created' | 'starting' | 'listening' | 'closing' | 'closed';

/**
 * `drover server`: the HTTP API of docs/operations.md, `/metrics`, `/herd`, the
 * dashboard and the WebSocket endpoint of remote workers, over the app's
 * broker; optionally a herd running the app's tasks in the same process.
 *
 * States: created ──listen()──▶ starting ──▶ listening ──close()──▶ closing
 * (new requests get 503; streams and long-polls end; workers and the herd
 * finish or hand back their jobs within `grace`; the store closes) ──▶ closed.
 */
export class DroverServer {
  readonly #options: ResolvedServerOptions;
  readonly #fastify: FastifyInstance;
  readonly #routes: RouteInfo[] = [];
  readonly #closing = new AbortController();
  readonly #streams: ConnectionTracker;
  readonly #waiters: ConnectionTracker;
  readonly #releasers: (() => void | Promise<void>)[] = [];
  readonly #hub: EventHub;
  #state: ServerState = 'created';
  #herd: Herd | undefined;
  #ownsHerd = false;
  #gateway: WorkerGateway | undefined;
  #address: ServerAddress | undefined;
  #closed: Promise<void> | undefined;
  /** This server's name in the broker's worker directory. */
  readonly #instance = instanceName();
  readonly #startedAt = Date.now();
  #announcer: WorkerAnnouncer | undefined;

  /** @internal made by {@link createServer} */
  constructor(options: ServerOptions) {
    const o = (this.#options = resolveServerOptions(options));
    this.#streams = new ConnectionTracker(o.limits.eventStreams, 'event streams');
    this.#waiters = new ConnectionTracker(o.limits.resultWaiters, 'result long-polls');
    this.#hub = new EventHub({
      app: o.app,
      logger: o.logger,
      herd: () => this.#herd,
      workers: () => this.#workers(),
    });
    // Typed as fastify's base logger so the instance is a plain FastifyInstance.
    const loggerInstance: FastifyBaseLogger = o.logger;
    this.#fastify = Fastify({
      loggerInstance,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: o.limits.bodyBytes,
      trustProxy: o.trustedProxies.length > 0 ? o.trustedProxies : false,
      onProtoPoisoning: 'error',
      onConstructorPoisoning: 'error',
      connectionTimeout: Timeouts.idle,
      keepAliveTimeout: Timeouts.keepAlive,
      requestTimeout: Timeouts.request,
      exposeHeadRoutes: false,
      routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
      frameworkErrors: (error, _request, reply) => {
        const message =
          error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`
            : 'Malformed URL';
        // The reply is typed per route generics here; the raw response is enough for a fixed answer.
        reply.raw.writeHead(400, {
          'content-type': 'application/json; charset=utf-8',
          'x-content-type-options': 'nosniff',
        });
        reply.raw.end(JSON.stringify(new HttpError(400, HttpErrorCodes.BAD_REQUEST, message).toBody()));
      },
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    });
    this.#fastify.server.headersTimeout = Timeouts.headers;
    this.#fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods)
        this.#routes.push({ method, url: route.url, access: route.config?.access ?? 'protected' });
    });
    this.#fastify.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(req, socket, head),
    );
    this.#releasers.push(
      installHttpHooks(this.#fastify, {
        logger: o.logger,
        secret: o.secret,
        protectMetrics: o.protectMetrics,
        bodyLimit: o.limits.bodyBytes,
        closing: this.#closing.signal,
        authFailuresBeforeThrottle: o.limits.authFailures,
      }),
    );
    this.#registerRoutes();
  }

  /** The app whose broker this server serves. */
  get app(): Drover {
    return this.#options.app;
  }

  /** Where the server listens, once it does. */
  get address(): ServerAddress | undefined {
    return this.#address;
  }

  /** The in-server herd, when the server runs one (after `listen()`). */
  get herd(): Herd | undefined {
    return this.#herd;
  }

  /**
   * Serves `/herd` and `/v1/workers` from a herd run outside the server (by
   * a Chief service, as `drover server` does), or from none (`undefined`).
   * The caller owns that herd: the server never closes it.
   */
  useHerd(herd: Herd | undefined): void {
    if (this.#ownsHerd)
      throw new ClosedError('drover server (it runs its own herd: no concurrency option with useHerd)');
    this.#herd = herd;
  }

  /** Every route with its access level (once every route plugin has loaded). */
  async routes(): Promise<RouteInfo[]> {
    await this.#fastify.ready();
    return this.#routes.map((r) => ({ ...r }));
  }

  /**
   * Connects the store, starts the gateway and the herd, and listens.
   * Rejects when the port is taken or the store cannot be opened.
   */
  async listen(): Promise<ServerAddress> {
    if (this.#state !== 'created')
      throw new ClosedError(
        this.#state === 'closed' || this.#state === 'closing' ? 'drover server' : 'drover server (already listening)',
      );
    this.#state = 'starting';
    const o = this.#options;
    try {
      const broker = await o.app.broker();
      this.#releasers.push(attachEventLog(o.app, o.logger));
      this.#releasers.push(this.#hub.start(broker));
      this.#gateway = createWorkerGateway({
        app: o.app,
        broker,
        secret: o.secret,
        logger: o.logger,
        trustedProxies: o.trustedProxies,
        authFailuresBeforeThrottle: o.limits.authFailures,
        ...(o.leaseMs === undefined ? {} : { leaseMs: o.leaseMs }),
        ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
      });
      if (o.concurrency !== undefined) {
        const options: WorkerOptions = { concurrency: o.concurrency };
        if (o.leaseMs !== undefined) options.leaseMs = o.leaseMs;
        this.#herd = o.app.worker(options);
        this.#ownsHerd = true;
      }
      this.#announce(broker);
      await this.#fastify.listen({ host: o.host, port: o.port });
    } catch (error) {
      // Undo what started, quietly: the caller reports the error.
      this.#closed ??= this.#close(0, false);
      await this.#closed.catch(() => undefined);
      throw error;
    }
    const bound = this.#fastify.server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : o.port;
    const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
    this.#address = { host: o.host, port, url: `http://${host}:${port}` };
    this.#state = 'listening';
    if (o.secret === undefined) {
      o.logger.warn(
        `no secret set: serving ${isLoopbackHost(o.host) ? 'this machine' : o.host} without authentication; set DROVER_SECRET or --secret-file before exposing it`,
      );
    }
    o.logger.info(
      { url: this.#address.url, herd: this.#herd?.concurrency ?? null },
      `drover server listening on ${this.#address.url}`,
    );
    return this.#address;
  }

  /**
   * Graceful shutdown, idempotent: new requests get 503 at once; event
   * streams and long-polls end; remote workers and the herd get `grace` ms
   * to finish, then hand their jobs back; the app (and its store) closes.
   */
  close(options: ServerCloseOptions = {}): Promise<void> {
    const grace = checkMs('grace', options.grace ?? this.#options.grace);
    this.#closed ??= this.#close(grace, true, options.drain);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(grace: number, log = true, drain?: Promise<unknown>): Promise<void> {
    const o = this.#options;
    this.#state = 'closing';
    this.#closing.abort();
    if (log) o.logger.info({ grace }, 'drover server shutting down');
    this.#streams.closeAll();
    this.#waiters.closeAll();
    for (const release of this.#releasers.splice(0).reverse()) await release();
    const failed = (what: string) => (error: unknown) => o.logger.error({ err: error }, `closing ${what} failed`);
    // Remote workers and the herd share one grace window; the store closes after both.
    await Promise.all([
      this.#gateway?.close({ grace }).catch(failed('the worker gateway')),
      this.#ownsHerd ? this.#herd?.close({ grace }).catch(failed('the herd')) : undefined,
      drain?.catch(failed('the work beside the server')),
    ]);
    if (o.closeApp) await o.app.close({ grace }).catch(failed('the app'));
    // Keep-alive connections a client leaves open (an event stream it stopped reading) would hold close() for seconds.
    const force = setTimeout(() => this.#fastify.server.closeAllConnections(), CLOSE_CONNECTIONS_AFTER_MS);
    await this.#fastify.close().catch(failed('the HTTP server'));
    clearTimeout(force);
    this.#state = 'closed';
    if (log) o.logger.info('drover server closed');
  }

  /** Starts announcing this server's workers when the broker keeps a worker directory. */
  #announce(broker: Broker): void {
    if (typeof broker.announceWorkers !== 'function' || typeof broker.listWorkers !== 'function') return;
    const directory = {
      announceWorkers: broker.announceWorkers.bind(broker),
      listWorkers: broker.listWorkers.bind(broker),
    };
    const announcer = new WorkerAnnouncer({
      directory,
      instance: this.#instance,
      local: () => localPresence(this.#localWorkers(), this.#startedAt),
      logger: this.#options.logger,
      ...(this.#options.announceMs === undefined ? {} : { intervalMs: this.#options.announceMs }),
    });
    announcer.start();
    this.#announcer = announcer;
    this.#releasers.push(() => announcer.stop());
  }

  #localWorkers(): LocalWorkers {
    return { instance: this.#instance, herd: this.#herd, gateway: this.#gateway };
  }

  #workers(): WorkersView {
    return workersView(this.#localWorkers(), this.#announcer?.others());
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    const gateway = this.#gateway;
    if (path !== WORKER_PATH || !gateway || this.#closing.signal.aborted) {
      const status = path === WORKER_PATH ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
      return;
    }
    gateway.handleUpgrade(req, socket, head);
  }

  #registerRoutes(): void {
    const context = this.#context();
    registerJobRoutes(this.#fastify, context);
    registerFlowRoutes(this.#fastify, context);
    registerJobResultRoute(this.#fastify, context);
    registerJobEventsRoute(this.#fastify, context);
    registerJobLogsRoute(this.#fastify, context);
    registerQueueRoutes(this.#fastify, context);
    registerScheduleRoutes(this.#fastify, context);
    registerQueueControlRoutes(this.#fastify, context);
    registerWorkerRoutes(this.#fastify, context);
    registerHerdRoutes(this.#fastify, context);
    registerOpsRoutes(this.#fastify, context);
    registerOpenApiRoute(this.#fastify, context);
    registerEventsRoute(this.#fastify, context, this.#hub);
    registerDashboardRoutes(this.#fastify);
  }

  #context(): RouteContext {
    const o = this.#options;
    return {
      app: o.app,
      logger: o.logger,
      limits: o.limits,
      enqueuer: new JobEnqueuer(o.app),
      streams: this.#streams,
      waiters: this.#waiters,
      broker: () => o.app.broker(),
      herd: () => this.#herd,
      gateway: () => this.#gateway,
      workers: () => this.#workers(),
    };
  }
}

/**
 * Creates a drover server over an app. Throws a ConfigError for a secret
 * shorter than 32 bytes, or a non-loopback host without a secret.
 * @example
 * const app = new Drover({ broker: 'sqlite:./drover.db' });
 * app.register(add);
 * const server = createServer({ app, port: 7400, concurrency: 4, secret: process.env.DROVER_SECRET });
 * await server.listen();
 */
export function createServer(options: ServerOptions): DroverServer {
  return new DroverServer(options);
}
