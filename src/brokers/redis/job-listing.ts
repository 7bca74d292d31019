import { InvalidArgumentError } from '../../core/errors.js';
import { JOB_STATUSES } from '../../core/report.js';
import type { JobStatus } from '../../core/report.js';
import type { JobPage, JobSnapshot, ListJobsQuery } from '../contract.js';
import type { RedisClient } from './redis-clients.js';

const STATUSES: ReadonlySet<string> = new Set<JobStatus>(JOB_STATUSES);
const MAX_LIST = 1000;
/** Ids looked at per round when filtering a global set by queue. */
const SCAN_CHUNK = 500;
/** Most ids looked at for one page of a global set filtered by queue. */
const SCAN_LIMIT = 20_000;

/** What listing needs from the broker. */
export interface ListingContext {
  client: RedisClient;
  /** The key prefix, `{prefix}:`. */
  kp: string;
  /** Snapshots of jobs by id, in order (missing ones left out). */
  snapshots(ids: readonly string[]): Promise<JobSnapshot[]>;
}

/** Validates a query; the limit is capped at 1,000. */
function check(query: ListJobsQuery): number {
  if (!STATUSES.has(query.status)) {
    const expected = [...STATUSES].join(', ');
    throw new InvalidArgumentError(`Expected \`status\` to be one of ${expected}, got ${JSON.stringify(query.status)}`);
  }
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new InvalidArgumentError(`Expected \`limit\` to be a positive integer, got ${String(query.limit)}`);
  return Math.min(query.limit, MAX_LIST);
}

function badCursor(cursor: string): never {
  throw new InvalidArgumentError(`Bad \`cursor\` ${JSON.stringify(cursor)}: pass back the \`next\` of a previous page`);
}

/**
 * Lists jobs of one status, newest first. Finished jobs page by keyset
 * (finish time and id, so a page never repeats or skips under new finishes);
 * waiting, active and delayed jobs page by offset (a job that moves between
 * pages may be seen twice or not at all).
 */
export async function listJobs(ctx: ListingContext, query: ListJobsQuery): Promise<JobPage> {
  const limit = check(query);
  const queues = query.queue !== undefined ? [query.queue] : await ctx.client.smembers(`${ctx.kp}queues`);
  if (query.status === 'succeeded' || query.status === 'failed' || query.status === 'cancelled')
    return listFinished(ctx, queues, query.status, limit, query.cursor);
  let offset = 0;
  if (query.cursor !== undefined) {
    if (!/^o\d{1,9}$/.test(query.cursor)) badCursor(query.cursor);
    offset = Number(query.cursor.slice(1));
  }
  const ids =
    query.status === 'queued'
      ? await waitingIds(ctx, queues, offset, limit + 1)
      : await globalIds(ctx, query.status === 'active' ? 'active' : 'delayed', query.queue, offset, limit + 1);
  const jobs = await ctx.snapshots(ids.slice(0, limit));
  return ids.length > limit ? { jobs, next: `o${offset + limit}` } : { jobs };
}

async function listFinished(
  ctx: ListingContext,
  queues: string[],
  status: string,
  limit: number,
  cursor: string | undefined,
): Promise<JobPage> {
  let maxScore = '+inf';
  let afterId = '';
  if (cursor !== undefined) {
    const match = /^(\d{1,15}):(.+)$/.exec(cursor);
    if (!match) badCursor(cursor);
    maxScore = match[1]!;
    afterId = match[2]!;
  }
  const found: { score: number; id: string }[] = [];
  for (const queue of queues) {
    const key = `${ctx.kp}f:${queue}:${status}`;
    const ties = afterId === '' ? 0 : await ctx.client.zcount(key, maxScore, maxScore);
    const flat = await ctx.client.zrevrangebyscore(key, maxScore, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1 + ties);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i]!;
      const score = Number(flat[i + 1]);
      if (afterId !== '' && score === Number(maxScore) && id >= afterId) continue;
      found.push({ score, id });
    }
  }
  found.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = found.slice(0, limit);
  const jobs = await ctx.snapshots(page.map((e) => e.id));
  const last = page.at(-1);
  return found.length > limit && last ? { jobs, next: `${last.score}:${last.id}` } : { jobs };
}

/** Waiting ids, newest first per queue: the FIFO list from its end, then the priority set from its end. */
async function waitingIds(ctx: ListingContext, queues: string[], offset: number, want: number): Promise<string[]> {
  const out: string[] = [];
  let skip = offset;
  for (const queue of queues) {
    if (out.length >= want) break;
    const listKey = `${ctx.kp}w:${queue}`;
    const setKey = `${ctx.kp}z:${queue}`;
    const [listLen, setLen] = await Promise.all([ctx.client.llen(listKey), ctx.client.zcard(setKey)]);
    if (skip >= listLen + setLen) {
      skip -= listLen + setLen;
      continue;
    }
    if (skip < listLen) {
      const need = Math.min(want - out.length, listLen - skip);
      const ids = await ctx.client.lrange(listKey, -(skip + need), -(skip + 1));
      out.push(...ids.reverse());
      skip = 0;
    } else {
      skip -= listLen;
    }
    if (out.length < want && setLen > 0) {
      const members = await ctx.client.zrevrange(setKey, skip, skip + want - out.length - 1);
      out.push(...members.map((m) => m.slice(16)));
      skip = 0;
    }
  }
  return out;
}

/** Ids of the global active or delayed set, newest first, filtered by queue when asked. */
async function globalIds(
  ctx: ListingContext,
  set: 'active' | 'delayed',
  queue: string | undefined,
  offset: number,
  want: number,
): Promise<string[]> {
  const key = `${ctx.kp}${set}`;
  if (queue === undefined) return ctx.client.zrevrange(key, offset, offset + want - 1);
  const out: string[] = [];
  let skip = offset;
  for (let start = 0; start < SCAN_LIMIT && out.length < want; start += SCAN_CHUNK) {
    const ids = await ctx.client.zrevrange(key, start, start + SCAN_CHUNK - 1);
    if (ids.length === 0) break;
    const pipeline = ctx.client.pipeline();
    for (const id of ids) pipeline.hget(`${ctx.kp}j:${id}`, 'q');
    const queues = (await pipeline.exec()) ?? [];
    for (let i = 0; i < ids.length && out.length < want; i++) {
      if (queues[i]?.[1] !== queue) continue;
      if (skip > 0) skip--;
      else out.push(ids[i]!);
    }
  }
  return out;
}
