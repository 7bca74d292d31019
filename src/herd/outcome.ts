import type { LeasedJob, NackOutcome } from '../core/contract/index.js';
import { backoffDelay } from '../core/backoff.js';
import { toErrorInfo } from '../core/errors.js';
import { Fail, Retry } from '../core/signals.js';

/**
 * gofherd's three outcomes of an attempt that threw: retry (with the
 * backoff or the delay `Retry` asked for) while attempts remain, otherwise
 * failure; `Fail` fails at once.
 */
export function failureOutcome(job: LeasedJob, error: unknown): NackOutcome {
  const info = toErrorInfo(error);
  if (error instanceof Fail) return { error: info };
  const attemptsLeft = job.attempt <= job.options.retries;
  if (!attemptsLeft) return { error: info };
  const delay =
    error instanceof Retry && error.delay !== undefined ? error.delay : backoffDelay(job.options.backoff, job.attempt);
  return { error: info, retryInMs: delay };
}
