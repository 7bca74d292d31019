import type { Codec } from '../../core/codec.js';
import type { JobStatus } from '../../core/report.js';
import type { JobSnapshot, StoredJobOptions } from '../contract.js';
import { decodeValue, parseErrorJson } from './stored-values.js';

/** A job hash as HGETALL returns it (field names in `lua/lib.lua`). */
export type JobFields = Record<string, string>;

/** Turns HGETALL's flat array reply into fields. */
export function fieldsOf(flat: readonly string[]): JobFields {
  const fields: JobFields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

const num = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

/** A job hash as the contract's snapshot; `options` resolved from its reference by the caller. */
export function toSnapshot(id: string, f: JobFields, codec: Codec, options: StoredJobOptions): JobSnapshot {
  const created = Number(f.c);
  const snapshot: JobSnapshot = {
    id,
    task: f.t ?? '',
    queue: f.q ?? '',
    args: (decodeValue(codec, f.a) as unknown[] | undefined) ?? [],
    status: (f.s ?? 'queued') as JobStatus,
    attempt: num(f.n) ?? 0,
    priority: num(f.p) ?? 0,
    options,
    createdAt: created,
    runAt: num(f.r) ?? created,
  };
  if (f.k !== undefined) snapshot.key = f.k;
  if (f.pr !== undefined) snapshot.progress = decodeValue(codec, f.pr);
  if (f.rs !== undefined) snapshot.result = decodeValue(codec, f.rs);
  const error = parseErrorJson(f.e);
  if (error) snapshot.error = error;
  if (f.b !== undefined) snapshot.startedAt = Number(f.b);
  if (f.f !== undefined) snapshot.finishedAt = Number(f.f);
  if (f.wk) snapshot.workerId = f.wk;
  if (f.fl) snapshot.flowId = f.fl;
  return snapshot;
}
