import { isTerminalReport } from '../core/report.js';
import type { JobView } from '../protocol/job-view.js';
import { CliError } from './cli-error.js';
import { JobProgressBar } from './job-progress-bar.js';
import { readReports } from './report-stream.js';
import type { ServerClient } from './server-client.js';

/** Longest long-poll the server allows. */
const POLL_MS = 60_000;

/** Options of {@link waitForJob}. */
export interface WaitOptions {
  /** Give up after this many ms. @default wait forever */
  timeoutMs?: number | undefined;
  /** Show a progress bar (on a terminal). */
  progress: boolean;
}

/**
 * Waits until the job is terminal and returns it: with a progress bar fed
 * by the job's event stream on a terminal, by long-polls otherwise.
 */
export async function waitForJob(client: ServerClient, id: string, options: WaitOptions): Promise<JobView> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const path = `/v1/jobs/${encodeURIComponent(id)}`;
  if (options.progress) await followEvents(client, path, id, deadline);
  for (;;) {
    const left = deadline - Date.now();
    const wait = Math.max(0, Math.min(POLL_MS, left));
    const { status, body } = await client.json<JobView>(
      'GET',
      `${path}/result?timeout=${Math.floor(wait)}`,
      undefined,
      { waitMs: wait },
    );
    if (status === 200) return body;
    if (Date.now() >= deadline)
      throw new CliError(`timed out after ${options.timeoutMs} ms waiting for job ${id} (still ${body.status})`);
  }
}

async function followEvents(client: ServerClient, path: string, id: string, deadline: number): Promise<void> {
  const bar = new JobProgressBar(id);
  const left = deadline - Date.now();
  const stop = new AbortController();
  const timer = Number.isFinite(left)
    ? setTimeout(() => stop.abort(new CliError('deadline')), Math.max(0, left))
    : undefined;
  try {
    const response = await client.fetch('GET', `${path}/events`, undefined, { waitMs: Infinity, signal: stop.signal });
    for await (const report of readReports(response)) {
      bar.update(report);
      if (isTerminalReport(report)) break;
    }
  } catch (error) {
    // A broken stream or the deadline: the long-poll that follows decides.
    if (!stop.signal.aborted && !(error instanceof Error && error.name === 'AbortError')) throw error;
  } finally {
    clearTimeout(timer);
    stop.abort();
    bar.stop();
  }
}
