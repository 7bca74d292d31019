/**
 * Tasks of `bench/remote.ts`, run by `drover worker` child processes.
 */
import { task } from '../src/index.js';

/** High-resolution wall-clock time in ms, comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();

/** Does nothing: measures the queue and the wire, not the work. */
export const noop = task('noop', () => undefined);

/** Returns how long ago (ms) the caller stamped `sentAt`: the enqueue → start latency. */
export const latency = task('latency', (sentAt: number) => now() - sentAt);
