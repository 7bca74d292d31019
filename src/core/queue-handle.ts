/**
 * `app.queue(name)`: one queue's controls (docs/flow-control.md). Pause,
 * resume and the limits are queue settings in the broker, so they act on
 * every worker sharing it; drain and retryFailed go through the plain
 * contract (`queue-ops.ts`); purge needs the broker's flow-control part.
 */
import type { Broker, QueueControl, QueueLimits, QueueSettings, QueueSettingsPatch } from './contract/index.js';
import { ConfigError } from './errors.js';
import { MAX_NAME_LENGTH, validateQueueSettings } from './options-table.js';
import { drainQueue, retryFailedJobs } from './queue-ops.js';
import { checkMs, checkName, checkObject } from './validate.js';

/** Options of {@link QueueHandle.purge}. */
export interface PurgeOptions {
  /** Only jobs that finished at least this many ms ago. @default 0 (every finished job) */
  olderThan?: number;
}

/** What a queue handle needs from its app. */
export interface QueueHost {
  broker(): Promise<Broker>;
}

/** One queue's controls. Made by `app.queue(name)`. */
export class QueueHandle {
  /** The queue's name. */
  readonly name: string;
  readonly #host: QueueHost;

  /** @internal made by `app.queue()` */
  constructor(host: QueueHost, name: string) {
    checkName('queue', name, MAX_NAME_LENGTH);
    this.#host = host;
    this.name = name;
  }

  /** The queue's settings (stored over the defaults). */
  async settings(): Promise<QueueSettings> {
    const broker = await this.#settingsBroker();
    return broker.getQueueSettings(this.name);
  }

  /**
   * Changes the queue's settings (a key set to `undefined` goes back to its
   * default) and returns them; every worker on the broker follows at its next lease.
   * @example await app.queue('send').set({ rateLimit: { max: 50, per: 1000 } });
   */
  async set(patch: QueueSettingsPatch): Promise<QueueSettings> {
    validateQueueSettings(patch, 'settings');
    const broker = await this.#settingsBroker();
    return broker.setQueueSettings(this.name, patch);
  }

  /** Workers stop leasing from the queue (jobs stay queued; running ones finish). */
  async pause(): Promise<void> {
    await this.set({ paused: true });
  }

  /** Workers lease from the queue again. */
  async resume(): Promise<void> {
    await this.set({ paused: undefined });
  }

  /** The queue's flow state: paused, limited until, how many jobs a limit holds back. */
  async limits(): Promise<QueueLimits> {
    return (await this.#controlBroker()).queueLimits(this.name);
  }

  /** Cancels every job that waits (queued or delayed); returns how many. Running jobs are left alone. */
  async drain(): Promise<number> {
    return drainQueue(await this.#host.broker(), this.name);
  }

  /** Re-runs every failed job of the queue with a fresh attempt count; returns how many. */
  async retryFailed(): Promise<number> {
    return retryFailedJobs(await this.#host.broker(), this.name);
  }

  /**
   * Deletes finished jobs (succeeded, failed, cancelled) of the queue, with
   * their results and reports; returns how many.
   * @example await app.queue('send').purge({ olderThan: 3_600_000 }); // finished over an hour ago
   */
  async purge(options: PurgeOptions = {}): Promise<number> {
    checkObject('options', options);
    const olderThan =
      options.olderThan === undefined ? 0 : checkMs('options.olderThan', options.olderThan, 0, Number.MAX_SAFE_INTEGER);
    return (await this.#controlBroker()).purgeQueue(this.name, olderThan);
  }

  async #settingsBroker(): Promise<Broker & Pick<QueueControl, 'getQueueSettings' | 'setQueueSettings'>> {
    const broker = await this.#host.broker();
    if (!broker.getQueueSettings || !broker.setQueueSettings)
      throw new ConfigError(`The ${broker.name} broker has no queue settings: queue ${this.name} cannot be changed`);
    return broker as Broker & Pick<QueueControl, 'getQueueSettings' | 'setQueueSettings'>;
  }

  async #controlBroker(): Promise<Broker & QueueControl> {
    const broker = await this.#host.broker();
    if (!broker.queueLimits || !broker.purgeQueue || !broker.setQueueSettings)
      throw new ConfigError(`The ${broker.name} broker has no flow control (queue limits, purge)`);
    return broker as Broker & QueueControl;
  }
}
