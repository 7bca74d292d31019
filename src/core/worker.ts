/**
 * What `app.worker()` returns, as core sees it. The herd (`herd/`) is the
 * implementation; `src/index.ts` registers it with {@link setWorkerFactory},
 * so core never imports the herd (docs/architecture.md, "Layers").
 */
import { ConfigError } from './errors.js';

/** Options of `app.worker()`. */
export interface WorkerOptions {
  /** How many jobs run at once; change it live with `worker.concurrency = n`. @default 10 */
  concurrency?: number;
  /** Queues to consume. @default the queue of every registered task (their names) */
  queues?: string[];
  /** Lease length in ms; renewed every third of it while the handler runs. @default 30000 */
  leaseMs?: number;
  /** How often to look for jobs when the broker gives no ready signal (ms). @default 1000 */
  pollInterval?: number;
  /** A name for this worker in listings and leases. @default `${hostname}:${pid}` */
  name?: string;
}

/** A running worker: a herd of bounded, live-resizable concurrency. */
export interface Worker {
  /** How many jobs may run at once; assign to resize live. */
  concurrency: number;
  /** Jobs whose handler is running now. */
  readonly active: number;
  /** The queues it consumes. */
  readonly queues: readonly string[];
  /** The name it leases under. */
  readonly name: string;
  /** Stops leasing, lets in-flight jobs finish for `grace` ms, then hands the rest back. Idempotent. */
  close(options?: { grace?: number }): Promise<void>;
  /** @internal called once the worker has closed. */
  onClosed(listener: () => void): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Makes a worker for an app (the app is the herd's host). */
export type WorkerFactory<Host> = (host: Host, options: WorkerOptions) => Worker;

let factory: WorkerFactory<never> | undefined;

/** Registers how `app.worker()` makes workers (`src/index.ts` registers the herd). */
export function setWorkerFactory<Host>(make: WorkerFactory<Host>): void {
  factory = make;
}

/** Makes a worker with the registered factory. */
export function createWorker<Host>(host: Host, options: WorkerOptions): Worker {
  if (!factory)
    throw new ConfigError("No worker implementation is registered: import the app from 'drover' (src/index.ts)");
  return (factory as WorkerFactory<Host>)(host, options);
}
