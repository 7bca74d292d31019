import type { Codec } from '../../core/codec.js';
import { jsonCodec } from '../../core/codec.js';
import { ConfigError } from '../../core/errors.js';
import { checkInt, checkObject, fail } from '../../core/validate.js';
import type { BrokerOptions } from '../contract.js';

/** Options of {@link createAmqpBroker}. */
export interface AmqpBrokerOptions extends BrokerOptions {
  /**
   * The RabbitMQ URL, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
   * Query options of drover (prefix, backend…) are not part of it.
   */
  url: string;
  /**
   * Namespace of every queue and exchange drover declares. Nothing outside
   * it is declared or deleted, so several apps (and test runs) share one vhost.
   * @default 'drover'
   */
  prefix?: string;
  /**
   * The result backend that keeps job state (reports, results, leases, keys):
   * `sqlite:./drover.db` or `redis://host:6379/0`.
   * @example 'sqlite:./drover.db'
   */
  backend: string;
  /** How arguments, results and progress are stored. @default jsonCodec */
  codec?: Codec;
  /**
   * `x-max-priority` of the work queues (1…255). drover's integer priorities
   * map onto 0…maxPriority, with priority 0 in the middle (see docs/brokers.md).
   * @default 10
   */
  maxPriority?: number;
  /**
   * RabbitMQ's `consumer_timeout` (ms): a delivery unacknowledged for longer
   * closes its channel. Leases and job timeouts longer than this are refused.
   * @default 1_800_000
   */
  consumerTimeout?: number;
  /** First reconnect backoff cap (ms); doubles per failed try, with full jitter. @default 250 */
  reconnectMinMs?: number;
  /** Largest reconnect backoff cap (ms). @default 10_000 */
  reconnectMaxMs?: number;
  /** How long a publish waits for a lost connection to come back before it fails (ms). @default 10_000 */
  publishTimeout?: number;
  /** How often watchers and held leases are checked for changes made by other processes (ms). @default 100 */
  pollInterval?: number;
}

/** {@link AmqpBrokerOptions} with every default filled in. */
export interface ResolvedAmqpOptions {
  url: string;
  prefix: string;
  backend: string;
  codec: Codec;
  maxPriority: number;
  consumerTimeout: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  publishTimeout: number;
  pollInterval: number;
  resultTtl: number;
  sweepInterval: number;
}

const DEFAULTS = {
  prefix: 'drover',
  maxPriority: 10,
  consumerTimeout: 1_800_000,
  reconnectMinMs: 250,
  reconnectMaxMs: 10_000,
  publishTimeout: 10_000,
  pollInterval: 100,
  resultTtl: 86_400_000,
  sweepInterval: 1000,
} as const;

const NUMERIC_KEYS = [
  'maxPriority',
  'consumerTimeout',
  'reconnectMinMs',
  'reconnectMaxMs',
  'publishTimeout',
  'pollInterval',
  'resultTtl',
  'sweepInterval',
] as const;
type NumericKey = (typeof NUMERIC_KEYS)[number];

/** Prefixes become parts of queue names: keep them to a safe alphabet. */
const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Validates options and fills in the defaults. */
export function resolveAmqpOptions(options: AmqpBrokerOptions): ResolvedAmqpOptions {
  const o = checkObject('options', options) as Partial<AmqpBrokerOptions>;
  if (typeof o.url !== 'string' || !/^amqps?:\/\//i.test(o.url)) fail('url', 'an amqp:// or amqps:// URL', o.url);
  if (typeof o.backend !== 'string' || !/^(sqlite:|rediss?:\/\/)/i.test(o.backend))
    fail('backend', 'a sqlite: or redis:// URL', o.backend);
  const prefix = o.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    fail('prefix', '1 to 64 characters of A-Z a-z 0-9 _ . : -', prefix);
  const numbers = {} as Record<NumericKey, number>;
  for (const key of NUMERIC_KEYS) {
    const max = key === 'maxPriority' ? 255 : 2 ** 31 - 1;
    numbers[key] = o[key] === undefined ? DEFAULTS[key] : checkInt(key, o[key], 1, max);
  }
  if (numbers.reconnectMaxMs < numbers.reconnectMinMs)
    fail('reconnectMaxMs', `at least reconnectMinMs (${numbers.reconnectMinMs})`, numbers.reconnectMaxMs);
  return { url: o.url, prefix, backend: o.backend, codec: o.codec ?? jsonCodec, ...numbers };
}

/**
 * Parses `amqp://user:pass@host:5672/vhost?prefix=app1&backend=sqlite:./drover.db`.
 * drover's own query options (`prefix`, `backend`, `maxPriority`, `consumerTimeout`,
 * `reconnectMinMs`, `reconnectMaxMs`, `publishTimeout`, `pollInterval`, `resultTtl`,
 * `sweepInterval`) are taken out; any other query option (`heartbeat`, `frameMax`…)
 * stays on the URL handed to amqplib. `backend` must be percent-encoded when it
 * has its own `?` or `&`.
 */
export function parseAmqpUrl(url: string): AmqpBrokerOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Bad amqp: URL ${JSON.stringify(redact(url))}: not a URL`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:')
    throw new ConfigError(`Expected an amqp:// or amqps:// URL, got ${JSON.stringify(redact(url))}`);
  const options: Partial<AmqpBrokerOptions> & Record<string, unknown> = {};
  const rest = new URLSearchParams();
  for (const [key, value] of parsed.searchParams) {
    if (key === 'prefix' || key === 'backend') options[key] = value;
    else if ((NUMERIC_KEYS as readonly string[]).includes(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new ConfigError(`amqp: option ${key} must be a positive integer, got ${JSON.stringify(value)}`);
      options[key] = n;
    } else rest.append(key, value);
  }
  if (options.backend === undefined) {
    throw new ConfigError(
      `The amqp: URL ${JSON.stringify(redact(url))} needs a result backend: add ?backend=sqlite:./drover.db or ?backend=redis://host:6379`,
    );
  }
  parsed.search = rest.toString();
  return { ...options, url: parsed.toString(), backend: options.backend };
}

/** The URL without its password, for errors and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/**
 * Folds a `--backend <url>` CLI option into an `amqp://` URL's `backend`
 * parameter (an explicit one in the URL is replaced). Other URLs refuse it.
 */
export function withBackend(url: string, backend: string | undefined): string {
  if (backend === undefined) return url;
  if (!/^amqps?:\/\//i.test(url)) {
    throw new ConfigError(`--backend applies to amqp:// brokers only, got ${JSON.stringify(redact(url))}`);
  }
  const parsed = new URL(url);
  parsed.searchParams.set('backend', backend);
  return parsed.toString();
}
