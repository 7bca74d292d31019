/**
 * Handlers' log lines on Redis: a list per job, `{prefix}:lg:<id>`, appended
 * by `lua/logs.lua` only while the lease holds, trimmed to the last
 * MAX_JOB_LOG_LINES, deleted with the job.
 */
import type { JobLogLine, LeaseRef } from '../../core/contract/index.js';
import { MAX_JOB_LOG_LINES } from '../../core/contract/index.js';
import { parseLogText } from '../../core/job-log-lines.js';
import type { RedisEngine } from './redis-engine.js';

/** Appends lines of the attempt holding `lease`; false when the lease is stale. */
export async function appendJobLogs(
  engine: RedisEngine,
  lease: LeaseRef,
  lines: readonly JobLogLine[],
): Promise<boolean> {
  if (lines.length === 0) return true;
  const json = lines.slice(-MAX_JOB_LOG_LINES).map((line) => JSON.stringify(line));
  return Number(await engine.run('logs', [lease.id, lease.token, MAX_JOB_LOG_LINES, ...json])) === 1;
}

/** The job's lines, oldest first; undefined for an unknown job. */
export async function readJobLogs(engine: RedisEngine, id: string): Promise<JobLogLine[] | undefined> {
  const reply = await engine.guard.run(
    engine.client.multi().exists(`${engine.kp}j:${id}`).lrange(`${engine.kp}lg:${id}`, 0, -1).exec(),
  );
  const [exists, lines] = (reply ?? []).map(([, value]) => value) as [number, string[]];
  if (!exists) return undefined;
  return parseLogText(lines.join('\n'));
}
