/**
 * Per-queue settings stored in the broker, so every process that shares it
 * sees the same (docs/architecture.md, "Queue settings"). Which settings
 * exist, their bounds and defaults come from the options table
 * (`core/options-table.ts`).
 */
import type { QueueSettings, QueueSettingsPatch } from '../options-table.js';

/**
 * The optional queue-settings part of a broker. Optional for now (brokers
 * written before it still fit); a broker that has it declares it by having
 * both methods. Conformance tests of this part skip on brokers without it.
 */
export interface QueueSettingsStore {
  /** The queue's settings: what was set, over the defaults. */
  getQueueSettings(queue: string): Promise<QueueSettings>;
  /**
   * Merges `patch` into the queue's stored settings (a key set to
   * `undefined` goes back to its default) and returns the result. The patch
   * is validated by the caller ({@link QueueSettings} via the options table).
   */
  setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings>;
}

export type { QueueSettings, QueueSettingsPatch };
