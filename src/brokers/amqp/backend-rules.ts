import { InvalidArgumentError, LeaseExpiredError } from '../../core/errors.js';
import type { ErrorInfo } from '../../core/errors.js';
import { JOB_STATUSES } from '../../core/report.js';
import type { ListJobsQuery } from '../contract.js';
export { parseError, parseOptions } from '../stored-text.js';

/** A delayed job may be claimed this early (ms): the delay queues' own timing slack. */
export const DELAY_SLACK_MS = 20;
/** Largest page of a listing. */
export const MAX_LIST = 1000;

const STATUSES: ReadonlySet<string> = new Set(JOB_STATUSES);

/** Validates a listing query; every backend pages the same way. */
export function checkListQuery(query: ListJobsQuery): { limit: number; cursor: string | undefined } {
  if (!STATUSES.has(query.status)) {
    throw new InvalidArgumentError(
      `Expected \`status\` to be one of ${[...STATUSES].join(', ')}, got ${JSON.stringify(query.status)}`,
    );
  }
  if (!Number.isInteger(query.limit) || query.limit < 1) {
    throw new InvalidArgumentError(`Expected \`limit\` to be a positive integer, got ${String(query.limit)}`);
  }
  if (query.cursor !== undefined && !/^\d{1,15}$/.test(query.cursor)) {
    throw new InvalidArgumentError(
      `Bad \`cursor\` ${JSON.stringify(query.cursor)}: pass back the \`next\` of a previous page`,
    );
  }
  return { limit: Math.min(query.limit, MAX_LIST), cursor: query.cursor };
}

/** An error as stored and as reported: only its serialisable fields. */
export function errorJson(error: ErrorInfo): { info: ErrorInfo; json: string } {
  const info: ErrorInfo = { name: String(error.name), message: String(error.message) };
  if (error.stack !== undefined) info.stack = String(error.stack);
  if (error.code !== undefined) info.code = String(error.code);
  return { info, json: JSON.stringify(info) };
}

/** The error of a lease taken over or expired, as stored and reported (no stack). */
export function leaseExpired(id: string): { info: ErrorInfo; json: string } {
  const error = new LeaseExpiredError(id);
  const info: ErrorInfo = { name: error.name, message: error.message, code: error.code };
  return { info, json: JSON.stringify(info) };
}
