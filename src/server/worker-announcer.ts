/**
 * Announces the workers of this process in the broker's worker directory
 * (core/contract/worker-directory.ts) and keeps the latest list of every
 * other process's, so `GET /v1/workers` and the dashboard on any server
 * show the workers of all servers and `drover worker`s sharing the broker.
 * One announcement and one listing per interval, whatever the traffic.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { WorkerDirectory, WorkerPresence } from '../core/contract/index.js';

/** Options of {@link WorkerAnnouncer}. */
export interface WorkerAnnouncerOptions {
  directory: WorkerDirectory;
  /** This process's workers now. */
  local: () => WorkerPresence[];
  /** This process's name in the directory. @default host:pid:random */
  instance?: string | undefined;
  /** Time between announcements (ms); an announcement lives three of them. @default 2000 */
  intervalMs?: number | undefined;
  logger: Logger;
}

/** A name for this process in the worker directory: host, pid and a random part (pids repeat across machines). */
export function instanceName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** See the file's header. */
export class WorkerAnnouncer {
  /** This process's name in the directory. */
  readonly instance: string;
  readonly #o: WorkerAnnouncerOptions;
  readonly #intervalMs: number;
  #others: readonly WorkerPresence[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #failing = false;

  constructor(options: WorkerAnnouncerOptions) {
    this.#o = options;
    this.instance = options.instance ?? instanceName();
    this.#intervalMs = options.intervalMs ?? 2000;
  }

  /** The other processes' workers, as of the last listing. */
  others(): readonly WorkerPresence[] {
    return this.#others;
  }

  /** Announces now, then every interval (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#run(), this.#intervalMs).unref();
    this.#run();
  }

  /** Stops announcing and withdraws this process's entry (best effort: it expires anyway). */
  async stop(): Promise<void> {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tick;
    await this.#o.directory.announceWorkers(this.instance, [], this.#intervalMs).catch(() => undefined);
  }

  #run(): void {
    if (this.#tick) return;
    this.#tick = this.#announce().finally(() => (this.#tick = undefined));
  }

  async #announce(): Promise<void> {
    try {
      await this.#o.directory.announceWorkers(this.instance, this.#o.local(), this.#intervalMs * 3);
      const all = await this.#o.directory.listWorkers();
      this.#others = all.filter((w) => w.instance !== this.instance);
      if (this.#failing) this.#o.logger.info('worker directory reachable again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#o.logger.warn({ err: error }, 'announcing workers failed; retrying');
      this.#failing = true;
    }
  }
}
