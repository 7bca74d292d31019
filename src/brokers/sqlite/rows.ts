import type { Codec } from '../../core/codec.js';
import type { JobStatus } from '../../core/report.js';
import type { JobSnapshot, StoredJobOptions } from '../../core/contract/index.js';
import { parseError, parseOptions } from '../stored-text.js';

export { parseError, parseOptions };

/** A value as stored: codec output, or NULL for `undefined`. */
export type Stored = string | Buffer | null;

/** A row of `drover_jobs`. */
export interface JobRow {
  seq: number;
  id: string;
  task: string;
  queue: string;
  args: Stored;
  status: JobStatus;
  priority: number;
  attempt: number;
  retries: number;
  options: string;
  key: string | null;
  run_at: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
  token: string | null;
  lease_until: number | null;
  worker_id: string | null;
  progress: Stored;
  result: Stored;
  error: string | null;
  rn: number;
  flow_id: string | null;
  flow_step: number | null;
  flow_graph: Stored;
}

/** What ack / nack / progress / cancel hand back to build their report. */
export interface OutcomeRow {
  task: string;
  queue: string;
  attempt: number;
  rn: number;
  /** Set on a step of a flow. */
  flow_id: string | null;
  flow_step: number | null;
}

/** Encodes a value with the codec; `undefined` is stored as NULL. */
export function encode(codec: Codec, value: unknown): Stored {
  if (value === undefined) return null;
  const data = codec.encode(value) as string | Uint8Array | undefined;
  if (data === undefined) return null;
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Decodes a stored value; NULL is `undefined`. */
export function decode(codec: Codec, data: Stored): unknown {
  return data === null ? undefined : codec.decode(data);
}

const serialized = new WeakMap<StoredJobOptions, string>();

/**
 * Job options as stored. Jobs of one call share one options object, so the
 * JSON is made once per object.
 */
export function serializeOptions(options: StoredJobOptions): string {
  let text = serialized.get(options);
  if (text === undefined) {
    text = JSON.stringify(options);
    serialized.set(options, text);
  }
  return text;
}

/** A row as the contract's snapshot. */
export function toSnapshot(row: JobRow, codec: Codec): JobSnapshot {
  const snapshot: JobSnapshot = {
    id: row.id,
    task: row.task,
    queue: row.queue,
    args: decode(codec, row.args) as unknown[],
    status: row.status,
    attempt: row.attempt,
    priority: row.priority,
    options: parseOptions(row.options),
    createdAt: row.created_at,
    runAt: row.run_at,
  };
  if (row.key !== null) snapshot.key = row.key;
  if (row.progress !== null) snapshot.progress = decode(codec, row.progress);
  if (row.result !== null) snapshot.result = decode(codec, row.result);
  if (row.error !== null) snapshot.error = parseError(row.error);
  if (row.started_at !== null) snapshot.startedAt = row.started_at;
  if (row.finished_at !== null) snapshot.finishedAt = row.finished_at;
  if (row.worker_id !== null) snapshot.workerId = row.worker_id;
  if (row.flow_id !== null) snapshot.flowId = row.flow_id;
  return snapshot;
}
