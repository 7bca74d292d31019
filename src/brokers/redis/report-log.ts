import type { Codec } from '../../core/codec.js';
import type { Report, ReportStatus } from '../../core/report.js';
import { decodeValue, parseErrorJson } from './stored-values.js';

/** A report with its number within the job (1 = `queued`). */
export interface NumberedReport {
  n: number;
  report: Report;
}

const STATUS: Record<string, ReportStatus> = {
  q: 'queued',
  a: 'active',
  p: 'progress',
  r: 'retrying',
  s: 'succeeded',
  f: 'failed',
  c: 'cancelled',
};

/**
 * Parses one report-log entry, `n|status|attempt|at|payload` (see
 * `lua/lib.lua`). The payload (everything after the fourth `|`) is the
 * encoded progress value or result, or the error JSON.
 */
export function parseEntry(jobId: string, entry: string, codec: Codec): NumberedReport | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const bar = entry.indexOf('|', start);
    if (bar === -1) return undefined;
    parts.push(entry.slice(start, bar));
    start = bar + 1;
  }
  const status = STATUS[parts[1]!];
  if (status === undefined) return undefined;
  const payload = entry.slice(start);
  const report: Report = { jobId, status, attempt: Number(parts[2]), at: Number(parts[3]) };
  if (status === 'progress') report.progress = decodeValue(codec, payload);
  else if (status === 'succeeded') report.result = decodeValue(codec, payload);
  else if (status === 'retrying' || status === 'failed') {
    const error = parseErrorJson(payload);
    if (error) report.error = error;
  }
  return { n: Number(parts[0]), report };
}

/**
 * Builds a job's history from what `watch.lua` returns: its creation time,
 * its report log, its result (tagged `v…`, '' for none) and its progress
 * entries (`n|attempt|at|value`), in report order.
 */
export function parseHistory(jobId: string, reply: string[], codec: Codec): NumberedReport[] {
  const [created, log, result, ...progress] = reply;
  const reports: NumberedReport[] = [];
  if (log) {
    for (const line of log.split('\n')) {
      const parsed = parseEntry(jobId, line, codec);
      if (parsed) reports.push(parsed);
    }
  }
  if (!reports.some((r) => r.n === 1))
    reports.push({ n: 1, report: { jobId, status: 'queued', attempt: 0, at: Number(created) } });
  for (const entry of progress) {
    const [n, attempt, at] = entry.split('|', 3);
    const value = entry.slice(n!.length + attempt!.length + at!.length + 3);
    reports.push({
      n: Number(n),
      report: {
        jobId,
        status: 'progress',
        attempt: Number(attempt),
        at: Number(at),
        progress: decodeValue(codec, value),
      },
    });
  }
  reports.sort((a, b) => a.n - b.n);
  const succeeded = reports.find((r) => r.report.status === 'succeeded');
  if (succeeded && result) succeeded.report.result = decodeValue(codec, result.slice(1));
  return reports;
}
