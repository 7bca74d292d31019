/**
 * `GET /v1/jobs`: jobs of one status or of every status, newest first,
 * bounded by count and by bytes (docs/reliability.md S27).
 *
 * - Jobs are read from the broker a few at a time per status and merged by
 *   `createdAt` (newest first): {@link CHUNK} at first, doubling up to
 *   {@link MAX_CHUNK} while no field had to be left out, back to
 *   {@link CHUNK} after a big one — so a request holds few big jobs in
 *   memory, and small ones cost few broker calls.
 * - In a listing, `args`, `result`, `progress` or `error` larger than
 *   `limits.listFieldBytes` of JSON are replaced by `null` and named in
 *   `truncated`; `GET /v1/jobs/:id` gives the full job.
 * - The page stops before `limits.listBytes` of JSON (one job always fits),
 *   and `next` continues exactly after the last job sent.
 *
 * The cursor is opaque: base64url JSON `{status: [brokerCursor|null, skip] | 0}`
 * — for each status, the broker page to read and how many of it were sent;
 * `0` once a status is exhausted.
 */
import { z } from 'zod';
import type { Broker, JobSnapshot } from '../brokers/contract.js';
import type { JobStatus } from '../core/report.js';
import { JOB_STATUSES } from '../core/report.js';
import type { JobView } from '../protocol/job-view.js';
import { toJobView } from '../protocol/job-view.js';
import { HttpError, HttpErrorCodes } from './http-error.js';

/** Jobs read from the broker at a time, per status, at first and after a big job. */
const CHUNK = 4;
/** Most jobs read at a time: the read size doubles while jobs are small. */
const MAX_CHUNK = 64;

/** A job in a listing: its view, plus the names of fields left out for size. */
export type ListedJob = JobView & { truncated?: ('args' | 'result' | 'progress' | 'error')[] };

/** One page of a listing. */
export interface JobListPage {
  jobs: ListedJob[];
  next: string | null;
}

/** What to list and within which bounds. */
export interface JobListQuery {
  status: JobStatus | undefined;
  queue: string | undefined;
  limit: number;
  cursor: string | undefined;
  maxBytes: number;
  maxFieldBytes: number;
}

type Position = [cursor: string | null, skip: number] | 0;
const positionSchema = z.union([
  z.literal(0),
  z.tuple([z.string().max(500).nullable(), z.int().min(0).max(MAX_CHUNK)]),
]);
const cursorSchema = z.partialRecord(z.enum(JOB_STATUSES), positionSchema);

interface Stream {
  status: JobStatus;
  position: Position;
  buffer: JobSnapshot[];
  /** Broker cursor after the buffer, when the buffer is a whole chunk and more may follow. */
  after: string | null | undefined;
  /** Jobs to read next time. */
  chunk: number;
}

/** Lists one page (see the file's header). */
export async function listJobs(broker: Broker, query: JobListQuery): Promise<JobListPage> {
  const statuses = query.status === undefined ? JOB_STATUSES : [query.status];
  const start = decodeCursor(query.cursor, statuses);
  const streams: Stream[] = statuses.map((status) => ({
    status,
    position: start[status] ?? [null, 0],
    buffer: [],
    after: undefined,
    chunk: CHUNK,
  }));
  const jobs: ListedJob[] = [];
  let bytes = 2;
  while (jobs.length < query.limit) {
    await Promise.all(streams.map((s) => fill(broker, s, query.queue)));
    const next = newest(streams);
    if (!next) break;
    const view = boundView(next.buffer[0]!, query.maxFieldBytes);
    const size = Buffer.byteLength(JSON.stringify(view)) + 1;
    if (jobs.length > 0 && bytes + size > query.maxBytes) break;
    jobs.push(view);
    bytes += size;
    next.chunk = view.truncated ? CHUNK : next.chunk;
    consume(next);
  }
  await Promise.all(streams.map((s) => fill(broker, s, query.queue)));
  const more = streams.some((s) => s.buffer.length > 0);
  return { jobs, next: more ? encodeCursor(streams) : null };
}

async function fill(broker: Broker, s: Stream, queue: string | undefined): Promise<void> {
  if (s.buffer.length > 0 || s.position === 0) return;
  const [cursor, skip] = s.position;
  const page = await broker.listJobs({
    status: s.status,
    queue,
    limit: Math.max(s.chunk, skip + 1),
    ...(cursor === null ? {} : { cursor }),
  });
  s.chunk = Math.min(MAX_CHUNK, s.chunk * 2);
  s.buffer = page.jobs.slice(skip);
  s.after = page.next ?? null;
  if (s.buffer.length === 0) {
    if (page.next === undefined || page.jobs.length === 0) s.position = 0;
    else {
      s.position = [page.next, 0];
      return fill(broker, s, queue);
    }
  }
}

function newest(streams: Stream[]): Stream | undefined {
  let best: Stream | undefined;
  for (const s of streams) {
    const job = s.buffer[0];
    if (job && (!best || job.createdAt > best.buffer[0]!.createdAt)) best = s;
  }
  return best;
}

function consume(s: Stream): void {
  s.buffer.shift();
  if (s.position === 0) return;
  const [cursor, skip] = s.position;
  if (s.buffer.length > 0) s.position = [cursor, skip + 1];
  else s.position = s.after === null ? 0 : [s.after ?? null, 0];
}

/** The job's view with fields over `maxFieldBytes` of JSON left out (and named in `truncated`). */
export function boundView(job: JobSnapshot, maxFieldBytes: number): ListedJob {
  const view: ListedJob = toJobView(job);
  const truncated: NonNullable<ListedJob['truncated']> = [];
  for (const field of ['args', 'result', 'progress', 'error'] as const) {
    const value: unknown = view[field];
    if (value === null || value === undefined) continue;
    if (jsonBytesOver(value, maxFieldBytes)) {
      truncated.push(field);
      if (field === 'args') view.args = [];
      else view[field] = null;
    }
  }
  if (truncated.length > 0) view.truncated = truncated;
  return view;
}

function jsonBytesOver(value: unknown, max: number): boolean {
  if (typeof value === 'string') return value.length > max || Buffer.byteLength(value) + 2 > max;
  const text = JSON.stringify(value) ?? '';
  return text.length > max || Buffer.byteLength(text) > max;
}

function encodeCursor(streams: Stream[]): string {
  const out: Partial<Record<JobStatus, Position>> = {};
  for (const s of streams)
    out[s.status] = s.buffer.length === 0 && s.position !== 0 && s.after === null ? 0 : s.position;
  return Buffer.from(JSON.stringify(out)).toString('base64url');
}

function decodeCursor(
  cursor: string | undefined,
  statuses: readonly JobStatus[],
): Partial<Record<JobStatus, Position>> {
  if (cursor === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || Object.keys(result.data).some((k) => !statuses.includes(k as JobStatus)))
    throw new HttpError(
      400,
      HttpErrorCodes.BAD_REQUEST,
      'query.cursor: not a cursor of this listing; pass back the `next` of the previous page with the same status',
    );
  return result.data;
}
