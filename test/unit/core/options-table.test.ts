import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../../src/brokers/memory/index.js';
import { createSqliteBroker } from '../../../src/brokers/sqlite/index.js';
import {
  JOB_OPTIONS,
  MAX_RETRIES,
  jobOptionsFromJson,
  jobOptionsJsonSchema,
  jobOptionsToJson,
  queueSettingsJsonSchema,
  storedJobOptionsSchema,
  validateJobOptions,
  validateQueueSettings,
} from '../../../src/core/options-table.js';
import { wireJobOptionsSchema } from '../../../src/protocol/messages.js';
import { jobOptionsSchema } from '../../../src/server/schemas.js';

const stored = { retries: 0, backoff: { type: 'fixed', delay: 1, max: 1 } };

describe('options table', () => {
  it('retries - one bound (1,000) in the JS API, the HTTP body and the wire frame', () => {
    expect(validateJobOptions({ retries: MAX_RETRIES })).toEqual({ retries: 1000 });
    expect(() => validateJobOptions({ retries: MAX_RETRIES + 1 })).toThrow(
      'Expected `options.retries` to be an integer in [0, 1000], got 1001 (number)',
    );
    expect(jobOptionsSchema.safeParse({ retries: 1000 }).success).toBe(true);
    expect(jobOptionsSchema.safeParse({ retries: 1001 }).success).toBe(false);
    expect(wireJobOptionsSchema.safeParse({ ...stored, retries: 1000 }).success).toBe(true);
    expect(wireJobOptionsSchema.safeParse({ ...stored, retries: 1001 }).success).toBe(false);
  });

  it('every option of the table is accepted by the JS API and the HTTP body alike', () => {
    const sample = {
      retries: 2,
      timeout: 1500,
      backoff: { type: 'exponential', delay: 10, max: 100, jitter: false },
      delay: 5,
      runAt: new Date('2030-01-01T00:00:00.000Z'),
      priority: -3,
      key: 'order-42',
      queue: 'mail',
      group: 'tenant-1',
    } as const;
    expect(Object.keys(sample).sort()).toEqual(Object.keys(JOB_OPTIONS).sort());
    expect(validateJobOptions(sample)).toEqual(sample);
    const json = jobOptionsToJson(sample);
    expect(json.runAt).toBe('2030-01-01T00:00:00.000Z');
    expect(jobOptionsJsonSchema.parse(json)).toEqual(json);
    expect(jobOptionsFromJson(json)).toEqual(sample);
  });

  it('messages name the option, the expected value and the given one', () => {
    expect(() => validateJobOptions({ backoff: { type: 'linear' } })).toThrow(
      "Expected `options.backoff.type` to be 'fixed' or 'exponential', got \"linear\" (string)",
    );
    expect(() => validateJobOptions({ group: '' })).toThrow(/`options.group`.*non-empty string/);
    expect(() => validateJobOptions({ retry: 1 })).toThrow(/Unknown option `retry` in `options`/);
    expect(() => validateQueueSettings({ paused: 'yes' })).toThrow(
      'Expected `settings.paused` to be a boolean, got "yes" (string)',
    );
  });

  it('stored options - the wire and broker schema holds only what workers need, unknown keys ignored', () => {
    expect(Object.keys(storedJobOptionsSchema.shape).sort()).toEqual(['backoff', 'group', 'retries', 'timeout']);
    expect(storedJobOptionsSchema.parse({ ...stored, future: 1 })).toEqual(stored);
  });

  it('queue settings - JSON null puts a setting back; unknown keys refused', () => {
    expect(queueSettingsJsonSchema.safeParse({ groupConcurrency: null }).success).toBe(true);
    expect(queueSettingsJsonSchema.safeParse({ paused: 1 }).success).toBe(false);
    expect(queueSettingsJsonSchema.safeParse({ pause: true }).success).toBe(false);
  });
});

describe('broker factories validate their options', () => {
  it('createMemoryBroker() - a bad option is refused, naming it', () => {
    expect(() => createMemoryBroker({ maxQueued: 'abc' as never })).toThrow(
      'Expected `maxQueued` to be an integer ≥ 1, got "abc" (string)',
    );
    expect(() => createMemoryBroker({ sweepInterval: -5 })).toThrow(/`sweepInterval`.*got -5/);
    expect(() => createMemoryBroker({ maxQueue: 5 } as never)).toThrow(/Unknown option `maxQueue`/);
  });

  it('createSqliteBroker() - a bad option is refused, naming it', () => {
    expect(() => createSqliteBroker({ path: ':memory:', busyTimeout: 'x' as never })).toThrow(/`busyTimeout`/);
  });
});
