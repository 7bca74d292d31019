import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { checkInt, checkKnownKeys, checkMs, checkObject, fail } from '../core/validate.js';

/** How long a crashed service waits before it runs again. */
export interface RestartBackoffOptions {
  /** Wait after the first crash in a row (ms); doubles with each further crash. @default 1000 */
  initial?: number | undefined;
  /** Cap of the wait (ms). @default 60000 */
  max?: number | undefined;
}

/**
 * Options of {@link Chief}.
 * @example new Chief({ logger, forceStopTimeout: 10_000 })
 */
export interface ChiefOptions {
  /** pino logger; each service gets `logger.child({ service: name })`. @default a silent logger */
  logger?: Logger | undefined;
  /** How long services may take to stop before they are abandoned (ms). @default 45000 */
  forceStopTimeout?: number | undefined;
  /** Restart delays: 1, 2, 4 … 60 s by default, each picked in [½·d, d] (jitter). */
  restartBackoff?: RestartBackoffOptions | undefined;
  /** Window in which crashes are counted (ms); a run that lasted this long resets the backoff. @default 60000 */
  crashWindow?: number | undefined;
  /** Crashes within `crashWindow` after which a service is `failed` for good. @default 5 */
  maxCrashes?: number | undefined;
  /**
   * prom-client registry: when given, `drover_service_failures_total{service}`
   * counts services that ended `failed` (crashed for good or abandoned).
   */
  registry?: Registry | undefined;
}

/** {@link ChiefOptions} with every default filled in. */
export interface ResolvedChiefOptions {
  readonly logger: Logger;
  readonly forceStopTimeout: number;
  readonly restartBackoff: { readonly initial: number; readonly max: number };
  readonly crashWindow: number;
  readonly maxCrashes: number;
  readonly registry: Registry | undefined;
}

/** The defaults of {@link ChiefOptions} (docs/architecture.md, "Chief", docs/reliability.md S24). */
export const CHIEF_DEFAULTS = Object.freeze({
  forceStopTimeout: 45_000,
  restartBackoff: Object.freeze({ initial: 1_000, max: 60_000 }),
  crashWindow: 60_000,
  maxCrashes: 5,
});

const KNOWN = new Set(['logger', 'forceStopTimeout', 'restartBackoff', 'crashWindow', 'maxCrashes', 'registry']);
const KNOWN_BACKOFF = new Set(['initial', 'max']);

/** Validates `options` and fills in the defaults; throws `InvalidArgumentError` naming the bad option. */
export function resolveChiefOptions(options: unknown = {}): ResolvedChiefOptions {
  const o = checkObject('options', options);
  checkKnownKeys('Chief options', o, KNOWN);
  const backoff = o.restartBackoff === undefined ? {} : checkObject('restartBackoff', o.restartBackoff);
  checkKnownKeys('restartBackoff', backoff, KNOWN_BACKOFF);
  const initial = checkMs('restartBackoff.initial', given(backoff.initial, CHIEF_DEFAULTS.restartBackoff.initial));
  const max = checkMs('restartBackoff.max', given(backoff.max, Math.max(initial, CHIEF_DEFAULTS.restartBackoff.max)));
  if (max < initial) fail('restartBackoff.max', `at least restartBackoff.initial (${initial})`, max);
  return {
    logger: o.logger === undefined ? pino({ level: 'silent' }) : checkLogger(o.logger),
    forceStopTimeout: checkMs('forceStopTimeout', given(o.forceStopTimeout, CHIEF_DEFAULTS.forceStopTimeout)),
    restartBackoff: { initial, max },
    crashWindow: checkMs('crashWindow', given(o.crashWindow, CHIEF_DEFAULTS.crashWindow)),
    maxCrashes: checkInt('maxCrashes', given(o.maxCrashes, CHIEF_DEFAULTS.maxCrashes), 1),
    registry: o.registry === undefined ? undefined : checkRegistry(o.registry),
  };
}

/** `value`, or `fallback` when it is undefined (only: an explicit `null` is checked, and refused). */
function given(value: unknown, fallback: number): unknown {
  return value === undefined ? fallback : value;
}

function checkLogger(value: unknown): Logger {
  const l = value as Partial<Record<'child' | 'info' | 'warn' | 'error', unknown>> | null;
  const ok =
    typeof l === 'object' &&
    l !== null &&
    ['child', 'info', 'warn', 'error'].every((k) => typeof l[k as 'child'] === 'function');
  if (!ok) fail('logger', 'a pino Logger (with child, info, warn and error)', value);
  return value as Logger;
}

function checkRegistry(value: unknown): Registry {
  const r = value as Partial<Record<'registerMetric' | 'getSingleMetric', unknown>> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.registerMetric !== 'function' ||
    typeof r.getSingleMetric !== 'function'
  ) {
    fail('registry', 'a prom-client Registry', value);
  }
  return value as Registry;
}
