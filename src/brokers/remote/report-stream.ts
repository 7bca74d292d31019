/**
 * `watch()` over Server-Sent Events (`GET /v1/jobs/:id/events`): every
 * report of a job, past ones first, then live ones until the terminal one.
 * A stream cut before the end (server restart) is resumed with
 * `Last-Event-ID`, so no report is delivered twice or lost.
 *
 * States: opening ──200──▶ streaming ──terminal report / 204──▶ ended
 *   streaming ──cut──▶ waiting ──backoff──▶ opening;  any ──stop()──▶ ended
 */
import type { Report } from '../../core/report.js';
import { isTerminalReport } from '../../core/report.js';
import type { ReportWatch } from '../contract.js';
import type { ServerApi } from './server-api.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const MAX_RETRIES = 30;

/**
 * Opens the stream; resolves once the server answered: undefined for an
 * unknown job, otherwise a watch whose reports all reach `listener` (its
 * `history` is empty: past reports come through the listener too).
 */
export async function watchReports(
  api: ServerApi,
  id: string,
  listener: (report: Report) => void,
): Promise<ReportWatch | undefined> {
  const controller = new AbortController();
  let lastId = -1;
  let ended = false;
  const stop = (): void => {
    ended = true;
    controller.abort();
  };
  const first = await api.events(id, lastId, controller.signal);
  if (first.status === 404) {
    await first.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const onEvent = (eventId: number | undefined, data: string): void => {
    if (ended) return;
    if (eventId !== undefined) lastId = eventId;
    let report: Report;
    try {
      report = JSON.parse(data) as Report;
    } catch {
      return;
    }
    listener(report);
    if (isTerminalReport(report)) stop();
  };
  const run = async (response: Response | undefined): Promise<void> => {
    let attempt = 0;
    while (!ended) {
      if (response?.status === 200 && response.body) await readEvents(response.body, onEvent).catch(() => undefined);
      else if (response) break; // 204: everything was seen; 404: the job is gone
      if (ended || attempt >= MAX_RETRIES) break;
      // Cut before the terminal report: resume after a short, growing wait.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt++)).unref(),
      );
      if (ended) break;
      response = await api.events(id, lastId, controller.signal).catch(() => undefined);
    }
    ended = true;
  };
  void run(first);
  return { history: [], stop };
}

/**
 * Reads an event stream until it ends, calling `onEvent` per `data` event.
 */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (id: number | undefined, data: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let id: number | undefined;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) onEvent(id, data.join('\n'));
        data = [];
        id = undefined;
      } else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line.startsWith('id:')) {
        const n = Number(line.slice(3).trim());
        if (Number.isInteger(n)) id = n;
      }
    }
  }
}
