import type { ErrorInfo } from '../../../core/errors.js';
import type { JobStatus, ReportStatus } from '../../../core/report.js';
import type { JobFields } from '../../redis/job-snapshot.js';
import { loadBytes } from '../../redis/stored-values.js';
import type { JobRecord, Note, ReportRecord, Stored } from '../backend.js';
import { parseError, parseOptions } from '../backend-rules.js';

/** A reply of one of the backend's scripts. */
export type Reply = null | number | string | Reply[];

/** A job hash (field names in `lua/lib.lua`) as a backend record. */
export function toRecord(id: string, f: JobFields): JobRecord {
  const record: JobRecord = {
    id,
    task: f.t!,
    queue: f.q!,
    args: loadBytes(f.a),
    status: f.s as JobStatus,
    attempt: Number(f.n),
    priority: Number(f.p),
    options: parseOptions(f.o!),
    progress: loadBytes(f.pr),
    result: loadBytes(f.rs),
    createdAt: Number(f.c),
    runAt: Number(f.r),
    gen: Number(f.g),
  };
  if (f.k !== undefined) record.key = f.k;
  if (f.e !== undefined) record.error = parseError(f.e);
  if (f.b !== undefined) record.startedAt = Number(f.b);
  if (f.f !== undefined) record.finishedAt = Number(f.f);
  if (f.wk !== undefined) record.workerId = f.wk;
  if (f.fl !== undefined) record.flowId = f.fl;
  return record;
}

/** The notes a write script returns: 8 values per report (see `lua/lib.lua`). */
export function toNotes(flat: readonly Reply[]): Note[] {
  const notes: Note[] = [];
  for (let i = 0; i + 7 < flat.length; i += 8) {
    const error = flat[i + 7] as string;
    notes.push({
      id: flat[i] as string,
      task: flat[i + 1] as string,
      queue: flat[i + 2] as string,
      n: Number(flat[i + 3]),
      status: flat[i + 4] as ReportStatus,
      attempt: Number(flat[i + 5]),
      at: Number(flat[i + 6]),
      error: error === '' ? undefined : parseError(error),
    });
  }
  return notes;
}

/** A stored report, JSON `[n, status, attempt, at, error, value]`; `result` is the job's, for `succeeded`. */
export function toReportRecord(member: string, result: Stored): ReportRecord {
  const [n, status, attempt, at, error, value] = JSON.parse(member) as [
    number,
    ReportStatus,
    number,
    number,
    string,
    string,
  ];
  const info: ErrorInfo | undefined = error === '' ? undefined : parseError(error);
  return {
    n,
    status,
    attempt,
    at,
    progress: loadBytes(value),
    result: status === 'succeeded' ? result : null,
    error: info,
  };
}
