import type { Logger } from 'pino';
import type { Broker } from '../brokers/contract.js';
import type { Drover } from '../core/app.js';
import type { Worker as Herd } from '../core/worker.js';
import type { RouteAccess } from './auth.js';
import type { ConnectionTracker } from './connection-tracker.js';
import type { WorkerGateway } from './gateway/index.js';
import type { WorkersView } from './events/workers-view.js';
import type { JobEnqueuer } from './job-enqueuer.js';
import type { ServerLimits } from './limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; a route without it is `protected`. */
    access?: RouteAccess;
  }
}

/** What the routes of a server share. */
export interface RouteContext {
  readonly app: Drover;
  readonly logger: Logger;
  readonly limits: ServerLimits;
  readonly enqueuer: JobEnqueuer;
  /** Open event streams. */
  readonly streams: ConnectionTracker;
  /** Pending result long-polls. */
  readonly waiters: ConnectionTracker;
  /** The app's broker, connected. */
  broker(): Promise<Broker>;
  /** The in-server herd, if the server runs one. */
  herd(): Herd | undefined;
  /** The WebSocket gateway of remote workers, once listening. */
  gateway(): WorkerGateway | undefined;
  /** The workers of this server and, through the broker's worker directory, of every process sharing it. */
  workers(): WorkersView;
}
