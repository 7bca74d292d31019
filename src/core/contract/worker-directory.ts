/**
 * The optional worker-directory part of a broker: where every process that
 * shares the broker announces the workers it runs, so `GET /v1/workers` on
 * any `drover server` lists the workers of all of them (docs/architecture.md,
 * "Worker directory"). An announcement expires unless renewed, so a process
 * that dies disappears from the list by itself.
 */

/** One worker as the directory lists it. */
export interface WorkerPresence {
  /** Unique per worker (a remote worker's id, or a herd's instance-scoped id). */
  id: string;
  /** `remote`: connected to a server over the WebSocket; `herd`: leasing from the broker in its own process. */
  kind: 'remote' | 'herd';
  /** The worker's name in listings. */
  name: string;
  /** The process (server or worker) that announced it. */
  instance: string;
  /** The queues it takes jobs from. */
  tasks: string[];
  concurrency: number;
  /** Jobs it holds now. */
  active: number;
  /** Epoch ms of the last sign of life. */
  lastSeen: number;
  /** Epoch ms when it started or connected. */
  connectedAt: number;
  /** The remote worker's address, as the server saw it. */
  address?: string | undefined;
}

/** A broker that can hold the shared list of workers. */
export interface WorkerDirectory {
  /**
   * Replaces what `instance` announced before with `workers` (an empty list
   * withdraws it); the announcement expires `ttlMs` after it was made, on
   * the broker's clock, unless announced again.
   */
  announceWorkers(instance: string, workers: readonly WorkerPresence[], ttlMs: number): Promise<void>;
  /** Every unexpired announcement's workers, of every instance. */
  listWorkers(): Promise<WorkerPresence[]>;
}
