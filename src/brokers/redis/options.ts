import type { Codec } from '../../core/codec.js';
import { jsonCodec } from '../../core/codec.js';
import { ConfigError } from '../../core/errors.js';
import { checkInt, checkObject, fail } from '../../core/validate.js';
import type { BrokerOptions } from '../contract.js';

/** Where the Redis is and how to reach it. */
export interface RedisEndpoint {
  host: string;
  port: number;
}

/** Options of {@link createRedisBroker}. */
export interface RedisBrokerOptions extends BrokerOptions {
  /**
   * The server, as a URL: `redis://[user:password@]host:port/db`, `rediss://…`
   * for TLS. Query options of {@link parseRedisUrl} are read from it too.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * Namespaces every key and channel: all keys are `{prefix}:…`, hash-tagged,
   * so one prefix lives in one Cluster slot and multi-key scripts stay atomic.
   * @default 'drover'
   */
  prefix?: string;
  /** How arguments, results and progress are stored. @default jsonCodec */
  codec?: Codec;
  /** Finished jobs kept per queue and status (the oldest are dropped first), besides `resultTtl`. @default 100_000 */
  keepFinished?: number;
  /** Progress reports kept per job (older ones are dropped). @default 100 */
  maxProgressReports?: number;
  /** How long a command may wait for Redis to come back before it fails with BrokerError (ms). @default 30_000 */
  outageTimeout?: number;
  /** How often the connections are checked for being up but not delivering (ms). @default 5_000 */
  watchdogInterval?: number;
  /** Start even if Redis may evict keys (`maxmemory-policy` other than `noeviction`). @default false */
  allowEviction?: boolean;
  /** Redis Cluster: the URL's host and `nodes` are startup nodes. @default false */
  cluster?: boolean;
  /** More startup nodes of a Cluster, or the Sentinels when `sentinelName` is set. */
  nodes?: RedisEndpoint[];
  /** Sentinel: the monitored master's name; `nodes` (or the URL's host) are the Sentinels. */
  sentinelName?: string;
}

/** {@link RedisBrokerOptions} with every default filled in. */
export interface ResolvedRedisOptions {
  url: string;
  prefix: string;
  codec: Codec;
  resultTtl: number;
  sweepInterval: number;
  keepFinished: number;
  maxProgressReports: number;
  outageTimeout: number;
  watchdogInterval: number;
  allowEviction: boolean;
  cluster: boolean;
  nodes: RedisEndpoint[];
  sentinelName: string | undefined;
}

const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'drover',
  resultTtl: 86_400_000,
  sweepInterval: 1000,
  keepFinished: 100_000,
  maxProgressReports: 100,
  outageTimeout: 30_000,
  watchdogInterval: 5_000,
} as const;

const NUMERIC_KEYS = [
  'resultTtl',
  'sweepInterval',
  'keepFinished',
  'maxProgressReports',
  'outageTimeout',
  'watchdogInterval',
] as const;
type NumericKey = (typeof NUMERIC_KEYS)[number];

/** Prefixes: letters, digits and `_ - . :`; no braces, so the hash tag stays ours. */
const PREFIX = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Validates options and fills in the defaults. */
export function resolveRedisOptions(options: RedisBrokerOptions = {}): ResolvedRedisOptions {
  const o = checkObject('options', options) as Partial<RedisBrokerOptions>;
  const url = o.url ?? DEFAULTS.url;
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url)) fail('url', 'a redis:// or rediss:// URL', url);
  const prefix = o.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    fail('prefix', 'letters, digits, _ - . or : (1 to 100 characters)', prefix);
  if (
    o.codec !== undefined &&
    (typeof o.codec !== 'object' || typeof o.codec.encode !== 'function' || typeof o.codec.decode !== 'function')
  ) {
    fail('codec', 'a codec object with encode and decode', o.codec);
  }
  const numbers = {} as Record<NumericKey, number>;
  for (const key of NUMERIC_KEYS)
    numbers[key] = o[key] === undefined ? DEFAULTS[key] : checkInt(key, o[key], 1, 2 ** 31 - 1);
  const nodes = o.nodes ?? [];
  for (const node of nodes) checkEndpoint(node);
  if (o.sentinelName !== undefined && (typeof o.sentinelName !== 'string' || o.sentinelName === ''))
    fail('sentinelName', 'a non-empty string', o.sentinelName);
  if (o.cluster === true && o.sentinelName !== undefined)
    throw new ConfigError('Redis options `cluster` and `sentinelName` exclude each other');
  return {
    url,
    prefix,
    codec: o.codec ?? jsonCodec,
    ...numbers,
    allowEviction: o.allowEviction === true,
    cluster: o.cluster === true,
    nodes: [...nodes],
    sentinelName: o.sentinelName,
  };
}

function checkEndpoint(node: unknown): void {
  const n = node as Partial<RedisEndpoint> | null;
  if (typeof n !== 'object' || n === null || typeof n.host !== 'string' || typeof n.port !== 'number')
    fail('nodes[]', 'an object { host, port }', node);
  checkInt('nodes[].port', n.port, 1, 65_535);
}

const FLAGS = ['allowEviction', 'cluster'] as const;
const KNOWN = [...NUMERIC_KEYS, ...FLAGS, 'prefix', 'nodes', 'sentinel'];

/**
 * Parses a `redis:` / `rediss:` URL into options.
 *
 * `redis://[user:password@]host:port/db?prefix=app1` plus query options:
 * `resultTtl`, `sweepInterval`, `keepFinished`, `maxProgressReports`,
 * `outageTimeout`, `watchdogInterval` (integers), `allowEviction=1`,
 * `cluster=1` (with `nodes=host:port,host:port` as more startup nodes),
 * `sentinel=mymaster` (with `nodes=` listing the Sentinels; the URL's host is one too).
 */
export function parseRedisUrl(url: string): RedisBrokerOptions {
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url))
    throw new ConfigError(`Expected a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Bad Redis URL ${JSON.stringify(redact(url))}: not a valid URL`);
  }
  const options: RedisBrokerOptions = {};
  for (const [key, value] of parsed.searchParams) {
    if ((NUMERIC_KEYS as readonly string[]).includes(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new ConfigError(`Redis option ${key} must be a positive integer, got ${JSON.stringify(value)}`);
      options[key as NumericKey] = n;
    } else if ((FLAGS as readonly string[]).includes(key)) {
      if (!['1', 'true', '0', 'false'].includes(value))
        throw new ConfigError(`Redis option ${key} must be 1, true, 0 or false, got ${JSON.stringify(value)}`);
      options[key as (typeof FLAGS)[number]] = value === '1' || value === 'true';
    } else if (key === 'prefix') options.prefix = value;
    else if (key === 'sentinel') options.sentinelName = value;
    else if (key === 'nodes') options.nodes = value.split(',').map((n) => parseEndpoint(n, url));
    else throw new ConfigError(`Unknown Redis option ${JSON.stringify(key)}; expected one of ${KNOWN.join(', ')}`);
  }
  parsed.search = '';
  options.url = parsed.toString();
  return options;
}

function parseEndpoint(text: string, url: string): RedisEndpoint {
  const match = /^([^:]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535)
    throw new ConfigError(`Bad node ${JSON.stringify(text)} in ${JSON.stringify(redact(url))}: expected host:port`);
  return { host: match[1]!, port };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}
