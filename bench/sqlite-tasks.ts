/**
 * Tasks of `bench/sqlite.ts`, run by the in-server herd of a `drover
 * server` child process.
 */
import { task } from '../src/index.js';

/** High-resolution wall-clock time in ms, comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();

/** Does nothing: measures the queue, not the work. */
export const noop = task('noop', () => undefined);

/** Returns how long ago (ms) the caller stamped `sentAt`: the enqueue → start latency. */
export const latency = task('latency', (sentAt: number) => now() - sentAt);
