import type { Codec } from '../../core/codec.js';
import { jsonCodec } from '../../core/codec.js';
import { ConfigError } from '../../core/errors.js';
import { checkInt, checkObject, fail } from '../../core/validate.js';
import type { BrokerOptions } from '../../core/contract/index.js';
import { BROKER_DEFAULTS } from '../../core/contract/index.js';

/** Options of {@link createSqliteBroker}. */
export interface SqliteBrokerOptions extends BrokerOptions {
  /**
   * The database file (created if missing). `:memory:` gives a private,
   * non-durable database for tests.
   * @example { path: './drover.db' }
   */
  path: string;
  /** How arguments, results and progress are stored. @default jsonCodec */
  codec?: Codec;
  /**
   * `FULL` syncs the WAL on every commit: nothing acknowledged is lost even
   * on power loss. `NORMAL` may lose the last commits on power loss (not on
   * a process crash).
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How long writes wait for another process's write lock before failing
   * (ms). The wait is spent in short blocking tries (`busyBlock`) with the
   * event loop free in between, and counted in `SqliteBroker.contention`.
   * @default 5000
   */
  busyTimeout?: number;
  /** Longest one try blocks the event loop waiting for that lock (ms). @default 20 */
  busyBlock?: number;
  /**
   * Group commit: how long writes gather before they share one transaction
   * and one fsync (ms). 0 = the writes of one turn of the event loop.
   * @default 0
   */
  commitWindow?: number;
  /** How often to look for changes made by other processes, for `watch` and `onReady` (ms). @default 100 */
  pollInterval?: number;
  /** Progress reports kept per job (older ones are dropped). @default 100 */
  maxProgressReports?: number;
}

/** {@link SqliteBrokerOptions} with every default filled in. */
export interface ResolvedSqliteOptions {
  path: string;
  codec: Codec;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeout: number;
  busyBlock: number;
  commitWindow: number;
  pollInterval: number;
  resultTtl: number;
  sweepInterval: number;
  maxProgressReports: number;
}

/** The defaults of {@link SqliteBrokerOptions}. */
export const SQLITE_DEFAULTS = Object.freeze({
  ...BROKER_DEFAULTS,
  synchronous: 'FULL',
  busyTimeout: 5000,
  busyBlock: 20,
  commitWindow: 0,
  pollInterval: 100,
  maxProgressReports: 100,
} as const satisfies Omit<ResolvedSqliteOptions, 'path' | 'codec'>);
const DEFAULTS = SQLITE_DEFAULTS;

const NUMERIC_KEYS = [
  'busyTimeout',
  'busyBlock',
  'commitWindow',
  'pollInterval',
  'resultTtl',
  'sweepInterval',
  'maxProgressReports',
] as const;
/** Keys that may be 0. */
const ZERO_OK: ReadonlySet<string> = new Set(['commitWindow']);
/** Most ms a group commit may wait. */
const MAX_COMMIT_WINDOW = 1000;
type NumericKey = (typeof NUMERIC_KEYS)[number];

/** Validates options and fills in the defaults. */
export function resolveSqliteOptions(options: SqliteBrokerOptions): ResolvedSqliteOptions {
  const o = checkObject('options', options) as Partial<SqliteBrokerOptions>;
  if (typeof o.path !== 'string' || o.path.length === 0) fail('path', 'a non-empty file path', o.path);
  if (o.synchronous !== undefined && o.synchronous !== 'FULL' && o.synchronous !== 'NORMAL')
    fail('synchronous', "'FULL' or 'NORMAL'", o.synchronous);
  if (
    o.codec !== undefined &&
    (typeof o.codec !== 'object' || typeof o.codec.encode !== 'function' || typeof o.codec.decode !== 'function')
  ) {
    fail('codec', 'a codec object with encode and decode', o.codec);
  }
  const numbers = {} as Record<NumericKey, number>;
  for (const key of NUMERIC_KEYS) {
    const max = key === 'commitWindow' ? MAX_COMMIT_WINDOW : 2 ** 31 - 1;
    numbers[key] = o[key] === undefined ? DEFAULTS[key] : checkInt(key, o[key], ZERO_OK.has(key) ? 0 : 1, max);
  }
  return { path: o.path, codec: o.codec ?? jsonCodec, synchronous: o.synchronous ?? DEFAULTS.synchronous, ...numbers };
}

/**
 * Parses a `sqlite:` URL into options.
 *
 * `sqlite:./drover.db`, `sqlite:/var/lib/drover.db`, `sqlite:///var/lib/drover.db`,
 * `sqlite::memory:`, plus query options:
 * `?synchronous=NORMAL&busyTimeout=5000&busyBlock=20&commitWindow=0&resultTtl=…&sweepInterval=…&pollInterval=…&maxProgressReports=…`.
 */
export function parseSqliteUrl(url: string): SqliteBrokerOptions {
  if (typeof url !== 'string' || !/^sqlite:/i.test(url)) {
    throw new ConfigError(`Expected a sqlite: URL such as sqlite:./drover.db, got ${JSON.stringify(url)}`);
  }
  let rest = url.slice('sqlite:'.length);
  const q = rest.indexOf('?');
  const query = q === -1 ? '' : rest.slice(q + 1);
  if (q !== -1) rest = rest.slice(0, q);
  if (rest.startsWith('//')) rest = rest.slice(2);
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw new ConfigError(`Bad sqlite: URL ${JSON.stringify(url)}: the path is not valid percent-encoding`);
  }
  if (path.length === 0)
    throw new ConfigError(`Bad sqlite: URL ${JSON.stringify(url)}: expected a file path, as in sqlite:./drover.db`);
  const options: SqliteBrokerOptions = { path };
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'synchronous') {
      const mode = value.toUpperCase();
      if (mode !== 'FULL' && mode !== 'NORMAL')
        throw new ConfigError(`sqlite: option synchronous must be FULL or NORMAL, got ${JSON.stringify(value)}`);
      options.synchronous = mode;
    } else if ((NUMERIC_KEYS as readonly string[]).includes(key)) {
      const n = Number(value);
      const least = ZERO_OK.has(key) ? 0 : 1;
      if (value.trim() === '' || !Number.isInteger(n) || n < least)
        throw new ConfigError(
          `sqlite: option ${key} must be a ${least === 0 ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`,
        );
      options[key as NumericKey] = n;
    } else {
      throw new ConfigError(
        `Unknown sqlite: option ${JSON.stringify(key)}; expected one of synchronous, ${NUMERIC_KEYS.join(', ')}`,
      );
    }
  }
  return options;
}
