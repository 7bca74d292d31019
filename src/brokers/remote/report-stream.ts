/**
 * `watch()` over Server-Sent Events (`GET /v1/jobs/:id/events`): the
 * reports the server sends before its `: history-end` comment (or before the
 * stream ends, for a finished job) are the watch's `history`; the ones after
 * reach the listener live, until the terminal one. A stream cut before the
 * end (server restart) is resumed with `Last-Event-ID`, so no report is
 * delivered twice or lost.
 *
 * States: opening ──200──▶ history ──history-end──▶ live ──terminal report / end──▶ ended
 *   history | live ──cut──▶ waiting ──backoff──▶ opening;  any ──stop()──▶ ended
 * `watchReports` resolves when `live` (or `ended`) is reached.
 */
import { backoffDelay } from '../../core/backoff.js';
import type { ReportWatch } from '../../core/contract/index.js';
import type { Report } from '../../core/report.js';
import { isTerminalReport } from '../../core/report.js';
import { HISTORY_END_COMMENT, readEventStream } from '../../client/index.js';
import type { ServerApi } from './server-api.js';

/** Waits between attempts to resume a cut stream: 250 ms doubling to 5 s, no jitter. */
const RESUME_BACKOFF = { type: 'exponential', delay: 250, max: 5_000, jitter: false } as const;
const MAX_RESUMES = 30;

/** Opens the stream; resolves with the history once the server sent it, or undefined for an unknown job. */
export async function watchReports(
  api: ServerApi,
  id: string,
  listener: (report: Report) => void,
): Promise<ReportWatch | undefined> {
  const controller = new AbortController();
  const first = await api.events(id, -1, controller.signal);
  if (first.status === 404) {
    await first.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const history: Report[] = [];
  let live = false;
  let lastId = -1;
  let ended = false;
  let historyDone!: () => void;
  const historyRead = new Promise<void>((resolve) => (historyDone = resolve));
  const stop = (): void => {
    ended = true;
    controller.abort();
    historyDone();
  };
  const read = async (response: Response): Promise<void> => {
    if (response.status !== 200 || !response.body) return stop(); // 204: all seen; 404: the job is gone
    for await (const item of readEventStream(response.body)) {
      if (ended) return;
      if (item.kind === 'comment') {
        if (item.text === HISTORY_END_COMMENT && !live) {
          live = true;
          historyDone();
        }
        continue;
      }
      if (item.id !== undefined) lastId = item.id;
      const report = parseReport(item.data);
      if (!report) continue;
      if (live) listener(report);
      else history.push(report);
      if (isTerminalReport(report)) return stop();
    }
  };
  const run = async (): Promise<void> => {
    let response: Response | undefined = first;
    for (let attempt = 1; !ended && attempt <= MAX_RESUMES; attempt++) {
      if (response) await read(response).catch(() => undefined);
      if (ended) return;
      // Cut before the terminal report: resume after a short, growing wait.
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(RESUME_BACKOFF, attempt)).unref());
      if (ended) return;
      response = await api.events(id, lastId, controller.signal).catch(() => undefined);
    }
    stop();
  };
  void run();
  await historyRead;
  return { history, stop };
}

function parseReport(data: string): Report | undefined {
  try {
    return JSON.parse(data) as Report;
  } catch {
    return undefined;
  }
}
