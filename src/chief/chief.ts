import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import { checkName, checkObject, fail } from '../core/validate.js';
import { ChiefEmitter } from './chief-events.js';
import type { ChiefEventName, ChiefEvents, ServiceCrash } from './chief-events.js';
import { resolveChiefOptions } from './options.js';
import type { ChiefOptions, ResolvedChiefOptions } from './options.js';
import { RestartPolicy } from './restart-policy.js';
import type { ServiceDefinition } from './service.js';
import { validateService } from './service.js';
import { serviceFailureCounter } from './service-failure-counter.js';
import { ServiceRunner } from './service-runner.js';
import { canTransition } from './service-state.js';
import type { ServiceState } from './service-state.js';
import { onShutdownSignals, SHUTDOWN_SIGNALS } from './shutdown-signals.js';

/** How a Chief run ended: what `start()`, `stop()` and `runAll()` resolve to. */
export interface ChiefSummary {
  /** The final state of every service. */
  readonly states: Readonly<Record<string, ServiceState>>;
  /** Services that crashed for good (`failed`, not counting the abandoned ones). */
  readonly failed: readonly string[];
  /** Services that did not stop in time and were left behind (also `failed`). */
  readonly abandoned: readonly string[];
  /** True if the stop was forced (second signal, `stop({ force: true })`). */
  readonly forced: boolean;
}

/** Options of {@link Chief.stop}. */
export interface StopOptions {
  /** Abandon every service that has not stopped yet, now, instead of waiting up to `forceStopTimeout`. @default false */
  force?: boolean | undefined;
}

/** Options of {@link Chief.runAll}. */
export interface RunAllOptions {
  /** Signals that stop the Chief: the first gracefully, the next by force. @default ['SIGINT', 'SIGTERM'] */
  signals?: readonly NodeJS.Signals[] | undefined;
}

interface ServiceEntry {
  readonly name: string;
  readonly definition: ServiceDefinition;
  state: ServiceState;
  runner: ServiceRunner | undefined;
}

type Phase = 'idle' | 'running' | 'done';

const CHIEF_BRAND: unique symbol = Symbol.for('drover.chief');

/**
 * Supervises named long-running services in one process (docs/architecture.md, "Chief", the
 * routines Chief): add them, enable a subset, start them with a logger in
 * their context, restart the crashing ones with backoff, and stop them all
 * gracefully — abandoning, after `forceStopTimeout`, those that ignore
 * their signal. States and moves: see `service-state.ts`. A Chief runs once.
 *
 * @example
 * const chief = new Chief({ logger });
 * chief.add('api', { run: ({ signal }) => serve(signal), restartOnFail: true });
 * chief.add('resizer', { run: ({ signal, logger }) => resizeLoop(signal, logger) });
 * chief.enable('api');
 * const summary = await chief.runAll();   // until SIGINT/SIGTERM
 */
export class Chief {
  readonly #options: ResolvedChiefOptions;
  readonly #logger: Logger;
  readonly #events: ChiefEmitter;
  readonly #failures: Counter<'service'> | undefined;
  readonly #services = new Map<string, ServiceEntry>();
  readonly #stop = new AbortController();
  readonly #abandoned: string[] = [];
  readonly #finished = deferred<ChiefSummary>();
  readonly #givenUp = deferred<void>();
  #enableCalled = false;
  #phase: Phase = 'idle';
  #forced = false;
  #forceTimer: NodeJS.Timeout | undefined;

  /** Marks Chiefs so {@link Chief.isChief} knows one from another copy of drover. */
  readonly [CHIEF_BRAND] = true;

  /** True for a Chief, even one made by another copy of this module (tsx namespaces, a second install). */
  static isChief(value: unknown): value is Chief {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CHIEF_BRAND] === true;
  }

  /** @throws InvalidArgumentError on a bad option, naming it. */
  constructor(options: ChiefOptions = {}) {
    this.#options = resolveChiefOptions(options);
    this.#logger = this.#options.logger;
    this.#failures = this.#options.registry && serviceFailureCounter(this.#options.registry);
    this.#events = new ChiefEmitter((event, error) => {
      this.#logger.error({ err: error, event }, `a listener of the Chief's '${event}' event threw`);
    });
  }

  /**
   * Adds a service under a unique name, in state `present` (or `disabled`
   * if `enable()` was already called).
   * @throws InvalidArgumentError on a bad or duplicate name, or a service without a `run` function.
   */
  add(name: string, service: ServiceDefinition): this {
    const definition = validateService(name, service);
    if (this.#services.has(name)) {
      throw new InvalidArgumentError(
        `Expected a new service name, got ${JSON.stringify(name)}, which is already added`,
      );
    }
    this.#assertIdle('add');
    this.#services.set(name, {
      name,
      definition,
      state: this.#enableCalled ? 'disabled' : 'present',
      runner: undefined,
    });
    return this;
  }

  /**
   * Enables services by name. By default every service runs; after the first
   * call only the enabled ones do (the rest become `disabled`).
   * @throws InvalidArgumentError on an unknown name, or no name at all.
   */
  enable(...names: string[]): this {
    const chosen = this.#checkNames('enable', names);
    this.#enableCalled = true;
    for (const entry of this.#services.values()) {
      if (chosen.has(entry.name)) this.#setState(entry, 'enabled');
      else if (entry.state === 'present') this.#setState(entry, 'disabled');
    }
    return this;
  }

  /**
   * Disables services by name: they do not run, whatever `enable()` said.
   * @throws InvalidArgumentError on an unknown name, or no name at all.
   */
  disable(...names: string[]): this {
    for (const name of this.#checkNames('disable', names)) this.#setState(this.#services.get(name)!, 'disabled');
    return this;
  }

  /** True if the service was added and is (or was, once started) set to run. */
  isEnabled(name: string): boolean {
    const state = this.#services.get(name)?.state;
    return state !== undefined && state !== 'disabled';
  }

  /** The state of every service, by name. */
  states(): Record<string, ServiceState> {
    // fromEntries defines own properties, so a service named "__proto__" is just a key.
    return Object.fromEntries([...this.#services.values()].map((e) => [e.name, e.state]));
  }

  /** Adds a listener (`state`, `crash`, `abandon`); returns a function that removes it. */
  on<K extends ChiefEventName>(name: K, listener: (event: ChiefEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Removes a listener. */
  off<K extends ChiefEventName>(name: K, listener: (event: ChiefEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  /**
   * Runs the enabled services until `signal` aborts (or `stop()`), then stops
   * them all. Resolves when every service has stopped or failed — or was
   * abandoned after `forceStopTimeout`. Never rejects once started.
   * @throws ConfigError if called twice; InvalidArgumentError if `signal` is not an AbortSignal.
   */
  async start(signal?: AbortSignal): Promise<ChiefSummary> {
    if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal or undefined', signal);
    if (this.#phase !== 'idle') throw new ConfigError('Chief.start() was already called: a Chief runs once');
    this.#phase = 'running';
    const onAbort = (): void => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      const runs = this.#launch().map((runner) => runner.start());
      await Promise.race([Promise.all(runs), this.#givenUp.promise]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.#forceTimer);
      this.#phase = 'done';
    }
    const summary = this.#summary();
    this.#logSummary(summary);
    this.#finished.resolve(summary);
    return summary;
  }

  /**
   * Stops every service: aborts their signal, waits for them up to
   * `forceStopTimeout`, then abandons the rest. `force` abandons them now.
   * Idempotent: every call resolves to the same summary.
   */
  stop(options: StopOptions = {}): Promise<ChiefSummary> {
    checkObject('options', options);
    if (!this.#stop.signal.aborted) {
      this.#stop.abort();
      if (this.#phase === 'running') this.#armForceTimer();
    }
    if (options.force === true && this.#phase === 'running') {
      this.#forced = true;
      this.#abandonLive('forced');
    }
    return this.#phase === 'idle' ? Promise.resolve(this.#summary()) : this.#finished.promise;
  }

  /**
   * The top-level entry: `start()`, stopping gracefully on the first SIGINT
   * or SIGTERM and by force on the second, and keeping the process alive
   * meanwhile; the signal handlers are removed when it resolves. It does
   * not exit the process: a caller that must not be kept alive by an
   * abandoned service exits after it (as `drover run` does).
   */
  async runAll(options: RunAllOptions = {}): Promise<ChiefSummary> {
    checkObject('options', options);
    const signals = options.signals === undefined ? SHUTDOWN_SIGNALS : options.signals;
    if (!Array.isArray(signals) || signals.some((s) => typeof s !== 'string'))
      fail('signals', 'an array of signal names', signals);
    const remove = onShutdownSignals(signals, (signal, count) => {
      if (count === 1) {
        this.#logger.info({ signal }, `received ${signal}: stopping services gracefully (send it again to force)`);
        void this.stop();
      } else {
        this.#logger.warn({ signal }, `received ${signal} again: forcing the stop`);
        void this.stop({ force: true });
      }
    });
    // Services that only wait for their signal hold no handle: keep the process up until the stop.
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    try {
      return await this.start();
    } finally {
      clearInterval(keepAlive);
      remove();
    }
  }

  /** `await using chief = new Chief()` stops it (gracefully) at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #launch(): ServiceRunner[] {
    const entries = [...this.#services.values()];
    for (const entry of entries) if (entry.state === 'present') this.#setState(entry, 'enabled');
    const runners: ServiceRunner[] = [];
    for (const entry of entries) {
      if (entry.state !== 'enabled') continue;
      entry.runner = this.#runnerFor(entry);
      runners.push(entry.runner);
    }
    if (runners.length === 0) this.#logger.warn('no service is enabled: nothing to run');
    else this.#logger.info({ services: entries.filter((e) => e.runner).map((e) => e.name) }, 'starting services');
    return runners;
  }

  #runnerFor(entry: ServiceEntry): ServiceRunner {
    const { restartBackoff, crashWindow, maxCrashes } = this.#options;
    const policy =
      entry.definition.restartOnFail === true
        ? new RestartPolicy({ ...restartBackoff, crashWindow, maxCrashes })
        : undefined;
    return new ServiceRunner({
      definition: entry.definition,
      context: Object.freeze({
        name: entry.name,
        signal: this.#stop.signal,
        logger: this.#logger.child({ service: entry.name }),
      }),
      policy,
      host: { transition: (to) => this.#setState(entry, to), crashed: (crash) => this.#crashed(crash) },
    });
  }

  #setState(entry: ServiceEntry, to: ServiceState): void {
    const from = entry.state;
    if (from === to) return;
    if (!canTransition(from, to))
      this.#logger.error({ service: entry.name, from, to }, 'illegal service state move (a drover bug)');
    entry.state = to;
    if (to === 'failed') this.#failures?.inc({ service: entry.name });
    this.#events.emit('state', { name: entry.name, from, to });
  }

  #crashed(crash: ServiceCrash): void {
    const { name, error, crashes, restartInMs } = crash;
    const { crashWindow, maxCrashes } = this.#options;
    const restartOnFail = this.#services.get(name)?.definition.restartOnFail === true;
    if (restartInMs !== undefined) {
      this.#logger.warn(
        { service: name, err: error, crashes, restartInMs },
        `service "${name}" crashed; restarting in ${restartInMs} ms`,
      );
    } else if (restartOnFail) {
      this.#logger.error(
        { service: name, err: error, crashes },
        `service "${name}" failed: ${crashes} crashes within ${crashWindow} ms (limit ${maxCrashes})`,
      );
    } else {
      this.#logger.error(
        { service: name, err: error },
        `service "${name}" failed: it crashed and has no restartOnFail`,
      );
    }
    this.#events.emit('crash', crash);
  }

  #armForceTimer(): void {
    const timeout = this.#options.forceStopTimeout;
    this.#logger.info({ forceStopTimeout: timeout }, 'stopping services');
    this.#forceTimer = setTimeout(() => this.#abandonLive('timeout'), timeout);
  }

  #abandonLive(reason: 'timeout' | 'forced'): void {
    for (const entry of this.#services.values()) {
      if (!entry.runner?.abandon()) continue;
      this.#abandoned.push(entry.name);
      const why =
        reason === 'timeout'
          ? `did not stop within ${this.#options.forceStopTimeout} ms`
          : 'had not stopped when the stop was forced';
      this.#logger.error(
        { service: entry.name, reason, state: entry.state },
        `service "${entry.name}" ${why}: abandoned`,
      );
      this.#setState(entry, 'failed');
      this.#events.emit('abandon', { name: entry.name, reason });
    }
    this.#givenUp.resolve();
  }

  #summary(): ChiefSummary {
    const states = this.states();
    const failed = Object.keys(states).filter((name) => states[name] === 'failed' && !this.#abandoned.includes(name));
    return { states, failed, abandoned: [...this.#abandoned], forced: this.#forced };
  }

  #logSummary(summary: ChiefSummary): void {
    const { failed, abandoned, forced } = summary;
    if (failed.length === 0 && abandoned.length === 0) this.#logger.info('all services stopped');
    else this.#logger.warn({ failed, abandoned, forced }, 'services stopped, some failed or were abandoned');
  }

  #checkNames(method: 'enable' | 'disable', names: unknown[]): Set<string> {
    this.#assertIdle(method);
    if (names.length === 0)
      throw new InvalidArgumentError(`Expected ${method}() to get at least one service name, got none`);
    for (const value of names) {
      const name = checkName(`${method}() name`, value);
      if (!this.#services.has(name)) {
        const known =
          [...this.#services.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none (no service was added yet)';
        throw new InvalidArgumentError(
          `Unknown service ${JSON.stringify(name)} in ${method}(): expected one of ${known}`,
        );
      }
    }
    return new Set(names as string[]);
  }

  #assertIdle(method: string): void {
    if (this.#phase !== 'idle')
      throw new ConfigError(
        `Cannot call ${method}() once the Chief has started: add and enable services before start()`,
      );
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
