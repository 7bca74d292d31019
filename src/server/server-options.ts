import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { Drover } from '../core/app.js';
import { ConfigError } from '../core/errors.js';
import { checkInt, checkKnownKeys, checkMs, checkObject, fail } from '../core/validate.js';
import { checkSecret } from './auth.js';
import type { ServerLimits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import { isLoopbackHost } from './loopback.js';
import { resolveGrace } from '../core/grace.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The app whose broker the server serves (and whose tasks its herd runs). */
  app: Drover;
  /** Host to bind. Without a secret only a loopback host is allowed. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 7400 */
  port?: number;
  /** Shared secret (≥ 32 bytes): `/v1/*`, `/herd` and the worker WebSocket need it. @default none (loopback only) */
  secret?: string | undefined;
  /** Also require the secret on `/metrics`. @default false */
  protectMetrics?: boolean;
  /**
   * Runs a herd inside the server, consuming the app's registered tasks with
   * this concurrency (0 allowed: resize it later with `PATCH /herd`).
   * @default no herd
   */
  concurrency?: number | undefined;
  /** Lease length of the in-server herd and of remote workers (ms). @default 30000 */
  leaseMs?: number | undefined;
  /** Heartbeat interval remote workers are told to keep (ms). @default the gateway's */
  heartbeatMs?: number | undefined;
  /** How often this server announces its workers in the broker's worker directory, when it keeps one (ms). @default 2000 */
  announceMs?: number | undefined;
  /** How long `close()` lets in-flight jobs finish before handing them back (ms). @default 30000 */
  grace?: number;
  /** Close the app (its herds and broker) when the server closes. @default true */
  closeApp?: boolean;
  /** Logger. @default the app's */
  logger?: Logger;
  /** Bounds on bodies, batches and long-lived connections. @default {@link DEFAULT_LIMITS} */
  limits?: Partial<ServerLimits>;
  /**
   * Addresses of reverse proxies whose `X-Forwarded-For` is believed: behind
   * them, the client's address (for throttling and logs) is the forwarded one.
   * @default none (the socket's address)
   */
  trustedProxies?: readonly string[];
}

/** {@link ServerOptions} with every default filled in. */
export interface ResolvedServerOptions {
  app: Drover;
  host: string;
  port: number;
  secret: string | undefined;
  protectMetrics: boolean;
  concurrency: number | undefined;
  leaseMs: number | undefined;
  heartbeatMs: number | undefined;
  announceMs: number | undefined;
  grace: number;
  closeApp: boolean;
  logger: Logger;
  limits: ServerLimits;
  trustedProxies: string[];
}

const KEYS: ReadonlySet<string> = new Set([
  'app',
  'host',
  'port',
  'secret',
  'protectMetrics',
  'concurrency',
  'leaseMs',
  'heartbeatMs',
  'announceMs',
  'grace',
  'closeApp',
  'logger',
  'limits',
  'trustedProxies',
]);
const LIMIT_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_LIMITS));

/**
 * Validates server options. Refuses a short secret, and a non-loopback host
 * without a secret: such a server would let anyone who reaches it run tasks.
 */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const o = checkObject('options', options);
  checkKnownKeys('options', o, KEYS);
  const app = options.app;
  if (typeof app !== 'object' || app === null || typeof app.broker !== 'function') fail('app', 'a Drover app', app);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) fail('host', 'a host name or IP address', host);
  const port = checkInt('port', options.port ?? 7400, 0, 65_535);
  const secret = options.secret;
  if (secret !== undefined) {
    if (typeof secret !== 'string') fail('secret', 'a string', secret);
    checkSecret(secret);
  } else if (!isLoopbackHost(host)) {
    throw new ConfigError(
      `Refusing to listen on ${host} without a secret: anyone who can reach it could run tasks. ` +
        'Set DROVER_SECRET or --secret-file (make one with `drover secret`), or bind 127.0.0.1',
    );
  }
  const limits = { ...DEFAULT_LIMITS };
  if (options.limits !== undefined) {
    const l = checkObject('limits', options.limits);
    checkKnownKeys('limits', l, LIMIT_KEYS);
    for (const [key, value] of Object.entries(l))
      limits[key as keyof ServerLimits] = checkInt(`limits.${key}`, value, 1);
  }
  const trustedProxies: unknown = options.trustedProxies ?? [];
  if (!Array.isArray(trustedProxies) || !trustedProxies.every((p) => typeof p === 'string' && isIP(p) !== 0))
    fail('trustedProxies', 'an array of IP addresses', trustedProxies);
  return {
    trustedProxies: [...(trustedProxies as string[])],
    app,
    host,
    port,
    secret,
    protectMetrics: options.protectMetrics ?? false,
    concurrency:
      options.concurrency === undefined ? undefined : checkInt('concurrency', options.concurrency, 0, 100_000),
    leaseMs: options.leaseMs === undefined ? undefined : checkMs('leaseMs', options.leaseMs, 100),
    heartbeatMs: options.heartbeatMs === undefined ? undefined : checkMs('heartbeatMs', options.heartbeatMs, 100),
    announceMs: options.announceMs === undefined ? undefined : checkMs('announceMs', options.announceMs, 50),
    grace: resolveGrace(options.grace),
    closeApp: options.closeApp ?? true,
    logger: options.logger ?? app.logger,
    limits,
  };
}
