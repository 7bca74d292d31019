import type { Logger } from 'pino';
import type { Broker } from '../../brokers/contract.js';
import type { Drover } from '../../core/app.js';
import { checkInt, checkMs, checkObject, fail } from '../../core/validate.js';
import { Limits } from '../../protocol/index.js';

/** Options of {@link createWorkerGateway}. */
export interface WorkerGatewayOptions {
  /** The server's app: events (`worker:*`) and metrics go there. */
  app: Drover;
  /** The broker jobs are leased from (the app's, connected). */
  broker: Broker;
  /**
   * The shared secret (≥ 32 bytes in production). `undefined` means a
   * loopback-only server without auth: the handshake still runs, with the
   * empty string as the HMAC key.
   */
  secret: string | undefined;
  logger: Logger;
  /** Lease length of jobs pushed to workers (ms); renewed every third of it while the worker heartbeats. @default 30000 */
  leaseMs?: number;
  /** How often workers ping (ms); one silent for two heartbeats is dropped. @default half the lease, at most 5000 */
  heartbeatMs?: number;
  /** Time from connection to a successful `auth` (ms). @default 5000 */
  authTimeoutMs?: number;
  /** Failed handshakes from one address before it is throttled. @default 5 */
  authFailuresBeforeThrottle?: number;
  /** Most connections still authenticating, from one address / in all. @default 16 / 512 */
  maxPendingPerAddress?: number;
  maxPending?: number;
  /** Most authenticated workers at once. @default 10000 */
  maxWorkers?: number;
  /** How often to look for work for idle workers when the broker gave no ready signal (ms). @default 1000 */
  pollInterval?: number;
  /** Reverse proxies whose `X-Forwarded-For` is believed (exact IP addresses). @default none */
  trustedProxies?: readonly string[];
}

/** {@link WorkerGatewayOptions} with every default filled in. */
export interface ResolvedGatewayOptions {
  app: Drover;
  broker: Broker;
  secret: string;
  /** No secret was set: only loopback `Host` names and origins may connect (DNS rebinding). */
  loopbackOnly: boolean;
  trustedProxies: ReadonlySet<string>;
  logger: Logger;
  leaseMs: number;
  renewMs: number;
  heartbeatMs: number;
  authTimeoutMs: number;
  authFailuresBeforeThrottle: number;
  maxPendingPerAddress: number;
  maxPending: number;
  maxWorkers: number;
  pollInterval: number;
}

/** Validates options and fills in defaults. */
export function resolveGatewayOptions(options: WorkerGatewayOptions): ResolvedGatewayOptions {
  const o = checkObject('options', options) as unknown as WorkerGatewayOptions;
  if (typeof o.app !== 'object' || o.app === null || typeof o.app.emit !== 'function')
    fail('app', 'a Drover app', o.app);
  if (typeof o.broker !== 'object' || o.broker === null || typeof o.broker.lease !== 'function')
    fail('broker', 'a Broker', o.broker);
  if (o.secret !== undefined && typeof o.secret !== 'string') fail('secret', 'a string or undefined', o.secret);
  const leaseMs = checkMs('leaseMs', o.leaseMs ?? 30_000, 100);
  return {
    app: o.app,
    broker: o.broker,
    secret: o.secret ?? '',
    loopbackOnly: o.secret === undefined,
    trustedProxies: new Set(o.trustedProxies ?? []),
    logger: o.logger,
    leaseMs,
    renewMs: Math.max(30, Math.floor(leaseMs / 3)),
    heartbeatMs: checkMs('heartbeatMs', o.heartbeatMs ?? Math.min(5_000, Math.floor(leaseMs / 2)), 10),
    authTimeoutMs: checkMs('authTimeoutMs', o.authTimeoutMs ?? Limits.AUTH_TIMEOUT_MS, 10),
    authFailuresBeforeThrottle: checkInt('authFailuresBeforeThrottle', o.authFailuresBeforeThrottle ?? 5, 1),
    maxPendingPerAddress: checkInt('maxPendingPerAddress', o.maxPendingPerAddress ?? 16, 1),
    maxPending: checkInt('maxPending', o.maxPending ?? 512, 1),
    maxWorkers: checkInt('maxWorkers', o.maxWorkers ?? 10_000, 1),
    pollInterval: checkMs('pollInterval', o.pollInterval ?? 1_000, 10),
  };
}
