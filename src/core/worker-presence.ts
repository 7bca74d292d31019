/**
 * The shape of a worker announcement as stored in a broker's worker
 * directory (core/contract/worker-directory.ts), checked on the way back
 * in: the store is shared with other processes (and other versions), so a
 * malformed entry is skipped, never trusted.
 */
import { z } from 'zod';
import type { WorkerPresence } from './contract/worker-directory.js';

const count = z.number().int().nonnegative();

/** One {@link WorkerPresence}, as a schema. */
export const workerPresenceSchema = z.object({
  id: z.string(),
  kind: z.enum(['remote', 'herd']),
  name: z.string(),
  instance: z.string(),
  tasks: z.array(z.string()),
  concurrency: count,
  active: count,
  lastSeen: count,
  connectedAt: count,
  address: z.string().optional(),
});

const workerListSchema = z.array(workerPresenceSchema);

/** Parses one stored announcement (a JSON array); a malformed one yields no workers. */
export function parseWorkerList(json: string): WorkerPresence[] {
  try {
    const parsed = workerListSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
