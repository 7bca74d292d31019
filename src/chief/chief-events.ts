import { EventEmitter } from 'node:events';
import type { StateChange } from './service-state.js';

/** A service's `init` or `run` threw or rejected before the stop. */
export interface ServiceCrash {
  /** The service's name. */
  readonly name: string;
  /** What it threw. */
  readonly error: unknown;
  /** Crashes within the crash window, this one included. */
  readonly crashes: number;
  /** When it runs again (ms from now); `undefined` when it is given up (`failed`). */
  readonly restartInMs: number | undefined;
}

/** A service did not stop in time and was left behind (it may still be running). */
export interface ServiceAbandoned {
  /** The service's name. */
  readonly name: string;
  /** `timeout`: `forceStopTimeout` ran out; `forced`: the stop was forced (second signal, `stop({ force: true })`). */
  readonly reason: 'timeout' | 'forced';
}

/** The typed event map of a {@link Chief}. */
export interface ChiefEvents {
  /** A service moved between states (see `service-state.ts`). */
  state: StateChange;
  /** A service crashed; it restarts after `restartInMs`, or is `failed`. */
  crash: ServiceCrash;
  /** A service ignored its signal past the deadline and was abandoned (`failed`). */
  abandon: ServiceAbandoned;
}

/** Event names of {@link ChiefEvents}. */
export type ChiefEventName = keyof ChiefEvents;

/**
 * A typed emitter whose listeners cannot break the Chief: a listener that
 * throws (or rejects) is handed to `onListenerError` and the others still run.
 */
export class ChiefEmitter {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #onListenerError: (name: ChiefEventName, error: unknown) => void;

  constructor(onListenerError: (name: ChiefEventName, error: unknown) => void) {
    this.#emitter.setMaxListeners(100);
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends ChiefEventName>(name: K, listener: (event: ChiefEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  /** Removes a listener. */
  off<K extends ChiefEventName>(name: K, listener: (event: ChiefEvents[K]) => void): void {
    this.#emitter.off(name, listener);
  }

  /** Calls every listener of `name`, isolating each one's failure. */
  emit<K extends ChiefEventName>(name: K, event: ChiefEvents[K]): void {
    const listeners = this.#emitter.listeners(name) as ((e: ChiefEvents[K]) => unknown)[];
    for (const listener of listeners) {
      try {
        const out = listener(event);
        if (out instanceof Promise) out.catch((error: unknown) => this.#onListenerError(name, error));
      } catch (error) {
        this.#onListenerError(name, error);
      }
    }
  }
}
