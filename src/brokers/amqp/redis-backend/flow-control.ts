/**
 * Flow control in the AMQP broker's Redis result backend
 * (docs/flow-control.md). The gate itself is in `lua/lib.lua` (`admit`),
 * run by `lua/claim.lua` in the claim's script; here are the other
 * operations of the contract's `QueueControl` part, each one script.
 */
import { BrokerError } from '../../../core/errors.js';
import { mergeQueueSettings, validateQueueSettings, withSettingsDefaults } from '../../../core/options-table.js';
import type { QueueLimits, QueueSettings, QueueSettingsPatch } from '../../contract.js';
import type { Reply } from './records.js';

/** Finished jobs deleted per purge script call. */
const PURGE_BATCH = 1000;

/** The flow-control scripts (names of `lua/*.lua`). */
export const FLOW_SCRIPTS = ['qset', 'qlimit', 'limits', 'qpurge'] as const;

/** What the flow-control operations need from the backend. */
export interface RedisFlowHost {
  run: (name: (typeof FLOW_SCRIPTS)[number], args: (string | number)[]) => Promise<Reply>;
  /** The queue's stored settings JSON ('' = none). */
  stored: (queue: string) => Promise<string>;
}

/** The `QueueControl` operations of the Redis result backend. */
export class RedisFlowControl {
  readonly #h: RedisFlowHost;

  constructor(host: RedisFlowHost) {
    this.#h = host;
  }

  /** The queue's settings over the defaults. */
  async settings(queue: string): Promise<QueueSettings> {
    return withSettingsDefaults(parse(await this.#h.stored(queue)));
  }

  /** Merges a validated patch into the stored settings (a compare-and-set, retried on a lost race). */
  async setSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    validateQueueSettings(patch, 'settings');
    let current = await this.#h.stored(queue);
    for (let attempt = 0; attempt < 20; attempt++) {
      const merged = mergeQueueSettings(parse(current), patch);
      const next = Object.keys(merged).length === 0 ? '' : JSON.stringify(merged);
      const reply = (await this.#h.run('qset', [queue, current, next])) as number | string[];
      if (reply === 1) return withSettingsDefaults(merged);
      current = (reply as string[])[0] ?? '';
    }
    throw new BrokerError(
      `Could not update the settings of queue ${JSON.stringify(queue)}: too many concurrent changes`,
    );
  }

  /** No job of `queue` is claimed for `ms` (a later limit wins). */
  async limit(queue: string, ms: number): Promise<void> {
    await this.#h.run('qlimit', [queue, Math.max(0, Math.ceil(ms))]);
  }

  /** The queue's flow state (limited-until on the local clock). */
  async limits(queue: string): Promise<QueueLimits> {
    const [paused, until, limited, now] = ((await this.#h.run('limits', [queue])) as number[]).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return { paused: paused === 1, limitedUntil: until < 0 ? undefined : Date.now() + (until - now), limited };
  }

  /** Deletes the queue's jobs that finished at least `olderThanMs` ago, batch by batch; returns how many. */
  async purge(queue: string, olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = Number(await this.#h.run('qpurge', [queue, Math.max(0, Math.ceil(olderThanMs)), PURGE_BATCH]));
      total += n;
      if (n < PURGE_BATCH) return total;
    }
  }
}

function parse(json: string): QueueSettings {
  return json === '' ? {} : (JSON.parse(json) as QueueSettings);
}
