/**
 * Queue settings on SQLite: one JSON row per queue in
 * `drover_queue_settings` (migration 0002). Rare writes, so the statements
 * are prepared on first use rather than with the hot-path ones.
 */
import type { QueueSettings, QueueSettingsPatch } from '../../core/contract/index.js';
import { mergeQueueSettings, validateQueueSettings, withSettingsDefaults } from '../../core/options-table.js';
import type { Engine } from './engine.js';
import type { Tx } from './write-queue.js';

/** The queue's settings over the defaults. */
export function readQueueSettings(engine: Engine, queue: string): QueueSettings {
  return withSettingsDefaults(storedSettings(engine, queue));
}

/** Merges a validated patch into the queue's row (inside the write transaction) and returns the result. */
export function writeQueueSettings(engine: Engine, _tx: Tx, queue: string, patch: QueueSettingsPatch): QueueSettings {
  validateQueueSettings(patch, 'settings');
  const merged = mergeQueueSettings(storedSettings(engine, queue), patch);
  if (Object.keys(merged).length === 0)
    engine.db.prepare('DELETE FROM drover_queue_settings WHERE queue = ?').run(queue);
  else
    engine.db
      .prepare(
        'INSERT INTO drover_queue_settings (queue, settings) VALUES (?, ?) ON CONFLICT (queue) DO UPDATE SET settings = excluded.settings',
      )
      .run(queue, JSON.stringify(merged));
  return withSettingsDefaults(merged);
}

function storedSettings(engine: Engine, queue: string): QueueSettings {
  const row = engine.db.prepare('SELECT settings FROM drover_queue_settings WHERE queue = ?').get(queue) as
    { settings: string } | undefined;
  return row ? (JSON.parse(row.settings) as QueueSettings) : {};
}
