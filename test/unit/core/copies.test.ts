import { describe, expect, it } from 'vitest';
import { Fail, Retry } from '../../../src/index.js';
import { jobStorage } from '../../../src/core/current-job.js';

/** A task module may load another copy of drover than the herd (src/ vs dist/): they must agree. */
describe('two copies of drover in one process', () => {
  it('Retry and Fail are recognised by brand, not by class identity', () => {
    const foreignRetry = Object.assign(new Error('r'), { [Symbol.for('drover.Retry')]: true });
    const foreignFail = Object.assign(new Error('f'), { [Symbol.for('drover.Fail')]: true });
    expect(foreignRetry).toBeInstanceOf(Retry);
    expect(foreignFail).toBeInstanceOf(Fail);
    expect(new Retry()).not.toBeInstanceOf(Fail);
    expect(new Error('plain')).not.toBeInstanceOf(Retry);
  });

  it('currentJob() storage is one per process', () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('drover.jobStorage')]).toBe(jobStorage);
  });
});
