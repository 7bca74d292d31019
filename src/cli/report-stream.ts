import { readEventStream } from '../client/index.js';
import type { Report } from '../core/report.js';

/**
 * Reads the reports of a `GET /v1/jobs/:id/events` response (Server-Sent
 * Events, through the shared reader of `src/client`) until the stream ends.
 */
export async function* readReports(response: Response): AsyncGenerator<Report, void, undefined> {
  if (!response.body) return;
  for await (const item of readEventStream(response.body)) {
    if (item.kind === 'event') yield JSON.parse(item.data) as Report;
  }
}
