import type { Codec } from '../../core/codec.js';
import type { JobSnapshot } from '../contract.js';
import type { JobRecord } from './backend.js';
import { decode } from './report-hub.js';

/** A backend record as the contract's snapshot (values decoded with the codec). */
export function toSnapshot(r: JobRecord, codec: Codec): JobSnapshot {
  const s: JobSnapshot = {
    id: r.id,
    task: r.task,
    queue: r.queue,
    args: decode(codec, r.args) as unknown[],
    status: r.status,
    attempt: r.attempt,
    priority: r.priority,
    options: r.options,
    createdAt: r.createdAt,
    runAt: r.runAt,
  };
  if (r.key !== undefined) s.key = r.key;
  if (r.progress !== null) s.progress = decode(codec, r.progress);
  if (r.result !== null) s.result = decode(codec, r.result);
  if (r.error) s.error = r.error;
  if (r.startedAt !== undefined) s.startedAt = r.startedAt;
  if (r.finishedAt !== undefined) s.finishedAt = r.finishedAt;
  if (r.workerId !== undefined) s.workerId = r.workerId;
  if (r.flowId !== undefined) s.flowId = r.flowId;
  return s;
}
