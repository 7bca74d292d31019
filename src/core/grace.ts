import { checkMs } from './validate.js';

/**
 * How long in-flight jobs may finish on a graceful close before they are
 * aborted and handed back (ms): the one default of the app, the herd and
 * the server.
 */
export const DEFAULT_GRACE_MS = 30_000;

/** Checks a `grace` option (undefined: the default). */
export function resolveGrace(grace: unknown): number {
  return checkMs('grace', grace ?? DEFAULT_GRACE_MS);
}
