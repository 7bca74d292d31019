import type { ServiceCrash } from './chief-events.js';
import type { RestartPolicy } from './restart-policy.js';
import type { ServiceContext, ServiceDefinition } from './service.js';
import type { ServiceState } from './service-state.js';

/** What a {@link ServiceRunner} reports to its Chief. */
export interface ServiceRunnerHost {
  /** The service moved to `to` (a move to the state it is in is ignored). */
  transition(to: ServiceState): void;
  /** The service crashed; `restartInMs` says whether and when it runs again. */
  crashed(crash: ServiceCrash): void;
}

/** What a {@link ServiceRunner} is made of. */
export interface ServiceRunnerInit {
  readonly definition: ServiceDefinition;
  readonly context: ServiceContext;
  /** `undefined` without `restartOnFail`: the first crash is final. */
  readonly policy: RestartPolicy | undefined;
  readonly host: ServiceRunnerHost;
  /** Monotonic clock in ms. @default performance.now */
  readonly now?: () => number;
}

/**
 * Supervises one service for one Chief run: init, run, and after a crash
 * either wait the backoff and go again, or give up. One loop, awaited step
 * by step, so there is never more than one instance of the service (S24).
 * The moves it makes are those of `service-state.ts`, from `enabled` on.
 */
export class ServiceRunner {
  readonly #definition: ServiceDefinition;
  readonly #context: ServiceContext;
  readonly #policy: RestartPolicy | undefined;
  readonly #host: ServiceRunnerHost;
  readonly #now: () => number;
  #done: Promise<void> | undefined;
  #settled = false;
  #abandoned = false;

  constructor(init: ServiceRunnerInit) {
    this.#definition = init.definition;
    this.#context = init.context;
    this.#policy = init.policy;
    this.#host = init.host;
    this.#now = init.now ?? (() => performance.now());
  }

  /** True between `start()` and the end of the loop, unless abandoned. */
  get live(): boolean {
    return this.#done !== undefined && !this.#settled && !this.#abandoned;
  }

  /** Starts the loop (once); resolves when it ends. Never rejects. */
  start(): Promise<void> {
    this.#done ??= this.#supervise().finally(() => {
      this.#settled = true;
    });
    return this.#done;
  }

  /**
   * Leaves a service that ignores its signal behind: from now on whatever
   * it does changes nothing. Returns false if it was not live.
   */
  abandon(): boolean {
    if (!this.live) return false;
    this.#abandoned = true;
    return true;
  }

  async #supervise(): Promise<void> {
    const { signal } = this.#context;
    for (;;) {
      if (signal.aborted) return this.#move('stopped');
      const startedAt = this.#now();
      try {
        await this.#definition.init?.(this.#context);
        this.#move('initialized');
        if (signal.aborted) return this.#move('stopped');
        this.#move('running');
        await this.#definition.run(this.#context);
        return this.#move('stopped');
      } catch (error) {
        if (this.#abandoned) return;
        // Throwing on the way out (an AbortError, say) is still stopping.
        if (signal.aborted) {
          this.#context.logger.warn({ err: error }, 'service threw while stopping');
          return this.#move('stopped');
        }
        if (!(await this.#afterCrash(error, this.#now() - startedAt))) return;
      }
    }
  }

  /** Reports a crash; waits the backoff and returns true to go again, or returns false (failed). */
  async #afterCrash(error: unknown, uptimeMs: number): Promise<boolean> {
    const decision = this.#policy?.recordCrash(this.#now(), uptimeMs) ?? { restart: false, crashes: 1, delayMs: 0 };
    const restartInMs = decision.restart ? decision.delayMs : undefined;
    this.#host.crashed({ name: this.#context.name, error, crashes: decision.crashes, restartInMs });
    if (!decision.restart) {
      this.#move('failed');
      return false;
    }
    this.#move('enabled');
    await sleep(decision.delayMs, this.#context.signal);
    return !this.#abandoned;
  }

  #move(to: ServiceState): void {
    if (!this.#abandoned) this.#host.transition(to);
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
