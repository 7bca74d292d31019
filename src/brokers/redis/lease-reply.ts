import { randomBytes } from 'node:crypto';
import type { BrokerReport } from '../../core/report.js';
import type { LeaseRequest, LeasedJob } from '../contract.js';
import type { LeaseBatch } from '../lease-ahead.js';
import type { RedisEngine } from './redis-engine.js';
import { decodeValue } from './stored-values.js';

/** What the broker does with a decoded lease besides handing the jobs out. */
export interface LeaseHooks {
  /** A queue held by a time-bound limit opens at this local time (ms). */
  wakeAt(at: number): void;
  report(report: BrokerReport): void;
}

/** Lease tokens are `TOKEN_BASE`, a counter per lease call, and the job's place in it: unique, and no random bytes per call. */
const TOKEN_BASE = randomBytes(8).toString('hex');
let leaseCalls = 0;

/** `lease.lua`'s arguments (after the prefix) for up to `max` jobs of `request`; a fresh token base each. */
export function leaseArgs(request: LeaseRequest, max: number): (string | number)[] {
  const token = `${TOKEN_BASE}${(leaseCalls++).toString(36)}.`;
  return [Math.min(max, 1000), Math.ceil(request.leaseMs), request.workerId ?? '', token, ...new Set(request.queues)];
}

/** The jobs of `lease.lua`'s reply (their options resolved), each reported `active`. */
export async function decodeLeases(
  engine: RedisEngine,
  request: LeaseRequest,
  reply: unknown[],
  hooks: LeaseHooks,
): Promise<LeaseBatch> {
  const now = Number(reply[0]);
  const wakeAt = Number(reply[1]);
  const plain = Number(reply[2]) === 1;
  if (wakeAt > 0) hooks.wakeAt(Date.now() + (wakeAt - now));
  if (reply.length <= 3) return { jobs: [], plain };
  const expiresAt = now + Math.ceil(request.leaseMs);
  const refs: string[] = [];
  for (let i = 3; i < reply.length; i += 8) refs.push(String(reply[i + 6]));
  await engine.resolveOptions(refs);
  const jobs: LeasedJob[] = [];
  for (let i = 3; i < reply.length; i += 8) {
    const job: LeasedJob = {
      id: String(reply[i]),
      token: String(reply[i + 1]),
      task: String(reply[i + 2]),
      queue: String(reply[i + 3]),
      args: (decodeValue(engine.options.codec, reply[i + 4] as string) as unknown[] | undefined) ?? [],
      attempt: Number(reply[i + 5]),
      options: engine.optionsOf(String(reply[i + 6])),
      expiresAt,
    };
    jobs.push(job);
    engine.recent.caused(job.id, Number(reply[i + 7]));
    hooks.report({ jobId: job.id, status: 'active', attempt: job.attempt, at: now, task: job.task, queue: job.queue });
  }
  return { jobs, plain };
}
