import type { Logger } from 'pino';
import { checkName, fail } from '../core/validate.js';

/** What a service's `init` and `run` get from the {@link Chief}. */
export interface ServiceContext {
  /** The name the service was added under. */
  readonly name: string;
  /**
   * Aborts when the Chief stops (its `start()` signal aborted, `stop()`,
   * SIGINT/SIGTERM under `runAll()`). `run` should return soon after.
   */
  readonly signal: AbortSignal;
  /** The Chief's logger, as a child with `{ service: name }`. */
  readonly logger: Logger;
}

/**
 * A long-running service: what `chief.add(name, service)` takes.
 * May be a plain object or an instance of a class; its methods are called
 * on it (so `this` works).
 *
 * @example
 * chief.add('api', {
 *   async init({ logger }) { logger.info('warming up'); },
 *   async run({ signal }) { await serveUntil(signal); },
 *   restartOnFail: true,
 * });
 */
export interface ServiceDefinition {
  /**
   * Prepares the service. Runs before every `run`, restarts included, so
   * whatever a crash broke is set up again. A throw counts as a crash.
   */
  init?(context: ServiceContext): void | Promise<void>;
  /**
   * Does the work until `context.signal` aborts, then returns. Returning
   * earlier ends the service (`stopped`, not restarted); throwing or
   * rejecting before the stop is a crash.
   */
  run(context: ServiceContext): void | Promise<void>;
  /**
   * Restart after a crash, with backoff, until `maxCrashes` crashes within
   * `crashWindow`. Without it, the first crash makes the service `failed`.
   * @default false
   */
  restartOnFail?: boolean | undefined;
}

/**
 * Checks a name and service given to `add`, with messages that say what
 * was expected and what came. Returns the service, typed.
 */
export function validateService(name: unknown, service: unknown): ServiceDefinition {
  checkName('name', name);
  const label = `service ${JSON.stringify(name)}`;
  if (typeof service !== 'object' || service === null || Array.isArray(service)) {
    fail(label, 'an object with a `run` function', service);
  }
  const candidate = service as Record<string, unknown>;
  if (typeof candidate.run !== 'function') fail(`${label}.run`, 'a function', candidate.run);
  if (candidate.init !== undefined && typeof candidate.init !== 'function') {
    fail(`${label}.init`, 'a function or undefined', candidate.init);
  }
  if (candidate.restartOnFail !== undefined && typeof candidate.restartOnFail !== 'boolean') {
    fail(`${label}.restartOnFail`, 'a boolean or undefined', candidate.restartOnFail);
  }
  return service as ServiceDefinition;
}
