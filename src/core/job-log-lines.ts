/**
 * Stored job log lines (core/contract/job-logs.ts): how brokers keep them —
 * one JSON line per entry, newline-joined, the last MAX_JOB_LOG_LINES kept —
 * and how they are read back, checked: the store is shared with other
 * processes, so a malformed line is skipped, never trusted.
 */
import { z } from 'zod';
import type { JobLogLine } from './contract/job-logs.js';
import { MAX_JOB_LOG_LINES, MAX_JOB_LOG_LINE_CHARS } from './contract/job-logs.js';

const lineSchema = z.object({
  at: z.number(),
  attempt: z.number().int().nonnegative(),
  level: z.enum(['info', 'warn', 'error', 'fatal']),
  msg: z.string().max(MAX_JOB_LOG_LINE_CHARS),
});

/** Appends `lines` to a stored text (`''` for none) and keeps the last {@link MAX_JOB_LOG_LINES}. */
export function appendLogText(stored: string, lines: readonly JobLogLine[]): string {
  const all = stored === '' ? [] : stored.split('\n');
  for (const line of lines) all.push(JSON.stringify(line));
  return all.slice(-MAX_JOB_LOG_LINES).join('\n');
}

/** Parses a stored text back into lines, skipping malformed ones. */
export function parseLogText(stored: string | null | undefined): JobLogLine[] {
  if (!stored) return [];
  const out: JobLogLine[] = [];
  for (const text of stored.split('\n')) {
    try {
      const parsed = lineSchema.safeParse(JSON.parse(text));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // skipped: not JSON
    }
  }
  return out;
}
