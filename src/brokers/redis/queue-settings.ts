/**
 * Queue settings on Redis: one JSON value per queue in the `{prefix}:qset`
 * hash, shared by every process on the prefix. The merge follows the options
 * table; the write is a compare-and-set (`lua/qset.lua`), retried when
 * another process changed the queue's settings in between.
 */
import type { QueueSettings, QueueSettingsPatch } from '../../core/contract/index.js';
import { BrokerError } from '../../core/errors.js';
import { mergeQueueSettings, validateQueueSettings, withSettingsDefaults } from '../../core/options-table.js';
import type { RedisEngine } from './redis-engine.js';

/** The queue's settings over the defaults. */
export async function readQueueSettings(engine: RedisEngine, queue: string): Promise<QueueSettings> {
  return withSettingsDefaults(parse(await stored(engine, queue)));
}

/** Merges a validated patch into the queue's stored settings and returns the result. */
export async function writeQueueSettings(
  engine: RedisEngine,
  queue: string,
  patch: QueueSettingsPatch,
): Promise<QueueSettings> {
  validateQueueSettings(patch, 'settings');
  let current = await stored(engine, queue);
  for (let attempt = 0; attempt < 20; attempt++) {
    const merged = mergeQueueSettings(parse(current), patch);
    const next = Object.keys(merged).length === 0 ? '' : JSON.stringify(merged);
    const reply = (await engine.run('qset', [queue, current, next])) as number | string[];
    if (reply === 1) return withSettingsDefaults(merged);
    current = (reply as string[])[0] ?? '';
  }
  throw new BrokerError(`Could not update the settings of queue ${JSON.stringify(queue)}: too many concurrent changes`);
}

async function stored(engine: RedisEngine, queue: string): Promise<string> {
  return (await engine.guard.run(engine.client.hget(`${engine.kp}qset`, queue))) ?? '';
}

function parse(json: string): QueueSettings {
  return json === '' ? {} : (JSON.parse(json) as QueueSettings);
}
