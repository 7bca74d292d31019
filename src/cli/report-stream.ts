import type { Report } from '../core/report.js';

/**
 * Reads the reports of a `GET /v1/jobs/:id/events` response (Server-Sent
 * Events), one per `data:` event, until the stream ends.
 */
export async function* readReports(response: Response): AsyncGenerator<Report, void, undefined> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data.length > 0) yield JSON.parse(data) as Report;
    }
  }
}
