import { EventEmitter } from 'node:events';
import type { ErrorInfo } from './errors.js';
import type { BrokerReport } from './report.js';

/** Payload of every `job:*` event: one report, with task and queue. */
export type JobEvent = BrokerReport;

/** Payload of the `worker:*` events (remote workers on a server). */
export interface WorkerEvent {
  workerId: string;
  name?: string | undefined;
  address?: string | undefined;
  reason?: string | undefined;
}

/** The typed event map of an app and of a server (docs/architecture.md). */
export interface DroverEvents {
  'job:queued': JobEvent;
  'job:active': JobEvent;
  'job:progress': JobEvent;
  'job:retrying': JobEvent;
  /** A lease expired: the worker died or hung. Also reported as `job:retrying` or `job:failed`. */
  'job:stalled': JobEvent;
  'job:succeeded': JobEvent;
  'job:failed': JobEvent;
  'job:cancelled': JobEvent;
  /** An attempt ran past its timeout (this process's herd). */
  'job:timeout': { jobId: string; task: string; attempt: number; timeoutMs: number };
  /** This process's herd found nothing to lease and has nothing running. */
  'queue:empty': { queues: readonly string[] };
  'worker:registered': WorkerEvent;
  'worker:verified': WorkerEvent;
  'worker:verify-failed': WorkerEvent;
  'worker:disconnected': WorkerEvent;
  /** Something went wrong off the caller's path: a broker hiccup, a listener that threw. */
  error: { error: unknown; context: string; jobId?: string | undefined; info?: ErrorInfo | undefined };
}

/** Event names of {@link DroverEvents}. */
export type DroverEventName = keyof DroverEvents;

/**
 * A typed emitter whose listeners cannot break the emitter: a listener that
 * throws is reported on `error` (and one that throws on `error` is dropped).
 */
export class DroverEmitter {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #onFirstListener: (name: DroverEventName) => void;

  constructor(onFirstListener: (name: DroverEventName) => void = () => {}) {
    this.#emitter.setMaxListeners(100);
    this.#onFirstListener = onFirstListener;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends DroverEventName>(name: K, listener: (event: DroverEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    this.#onFirstListener(name);
    return () => this.#emitter.off(name, listener);
  }

  /** Removes a listener. */
  off<K extends DroverEventName>(name: K, listener: (event: DroverEvents[K]) => void): void {
    this.#emitter.off(name, listener);
  }

  /** True if anyone listens to `name` (lets hot paths skip building payloads). */
  has(name: DroverEventName): boolean {
    return this.#emitter.listenerCount(name) > 0;
  }

  /** Emits to every listener, isolating each one's failure. */
  emit<K extends DroverEventName>(name: K, event: DroverEvents[K]): void {
    const listeners = this.#emitter.listeners(name) as ((e: DroverEvents[K]) => unknown)[];
    for (const listener of listeners) {
      try {
        const out = listener(event);
        if (out instanceof Promise) out.catch((error: unknown) => this.#listenerFailed(name, error));
      } catch (error) {
        this.#listenerFailed(name, error);
      }
    }
  }

  #listenerFailed(name: DroverEventName, error: unknown): void {
    if (name === 'error') return;
    this.emit('error', { error, context: `a listener of '${name}' threw` });
  }
}
