import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as drover from '../../../src/index.js';
import { ErrorCodes, isDroverError, toErrorInfo } from '../../../src/core/errors.js';

describe('errors', () => {
  it('docs/errors.md lists exactly the codes in ErrorCodes', () => {
    const documented = [...readFileSync('docs/errors.md', 'utf8').matchAll(/`(ERR_DROVER_[A-Z_]+)`/g)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(Object.values(ErrorCodes)));
  });

  it('every error class is exported, carries its code and its name', () => {
    const made = [
      new drover.ConfigError('x'),
      new drover.InvalidArgumentError('x'),
      new drover.UnknownTaskError('t'),
      new drover.JobFailedError('j', { name: 'E', message: 'm' }),
      new drover.JobCancelledError('j'),
      new drover.JobNotFoundError('j'),
      new drover.TimeoutError('x'),
      new drover.JobTimeoutError('j', 5),
      new drover.StaleLeaseError('j'),
      new drover.LeaseExpiredError('j'),
      new drover.LeaseLostError('j'),
      new drover.BrokerError('x'),
      new drover.BrokerFullError('x'),
      new drover.ClosedError('x'),
      new drover.ProtocolError('x'),
      new drover.AuthError(),
      new drover.InvalidScheduleError('x'),
    ];
    expect(new Set(made.map((e) => e.code))).toEqual(new Set(Object.values(ErrorCodes)));
    for (const e of made) {
      expect(e).toBeInstanceOf(drover.DroverError);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it('isDroverError() - recognises errors rebuilt after crossing a boundary', () => {
    expect(isDroverError(new drover.StaleLeaseError('j'))).toBe(true);
    expect(isDroverError({ name: 'StaleLeaseError', code: 'ERR_DROVER_STALE_LEASE', message: 'x' })).toBe(true);
    expect(isDroverError(new Error('x'))).toBe(false);
    expect(isDroverError(null)).toBe(false);
  });

  it('toErrorInfo() - keeps name, message, stack and code; survives odd throwables', () => {
    const info = toErrorInfo(new drover.JobTimeoutError('j', 10));
    expect(info).toMatchObject({ name: 'JobTimeoutError', code: 'ERR_DROVER_JOB_TIMEOUT' });
    expect(info.stack).toContain('JobTimeoutError');
    expect(toErrorInfo('plain')).toEqual({ name: 'Error', message: 'plain' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toErrorInfo(circular).message).toBe('[object Object]');
  });
});
