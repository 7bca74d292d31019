/**
 * A reader of Server-Sent Events (the `text/event-stream` format), shared
 * by everything that follows a drover server's event streams: the `ws://`
 * broker's `watch()` and the CLI's progress bar.
 */

/** One item of an event stream: an event with its data, or a comment line. */
export type StreamItem =
  | { kind: 'event'; id: number | undefined; event: string | undefined; data: string }
  | { kind: 'comment'; text: string };

/**
 * The comment a drover server writes after a job's past reports and before
 * live ones (`: history-end`), so a reader can tell history from news. A
 * stream that ends before it carried only history (the job was over).
 */
export const HISTORY_END_COMMENT = 'history-end';

/** Reads a stream until it ends, yielding events (id parsed as an integer) and comments. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamItem, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let id: number | undefined;
  let event: string | undefined;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { kind: 'event', id, event, data: data.join('\n') };
        data = [];
        id = undefined;
        event = undefined;
      } else if (line.startsWith(':')) yield { kind: 'comment', text: line.slice(1).trim() };
      else if (line.startsWith('data:')) data.push(fieldValue(line, 5));
      else if (line.startsWith('event:')) event = fieldValue(line, 6);
      else if (line.startsWith('id:')) {
        const n = Number(fieldValue(line, 3));
        if (Number.isInteger(n)) id = n;
      }
    }
  }
}

function fieldValue(line: string, nameLength: number): string {
  return line.slice(line[nameLength] === ' ' ? nameLength + 1 : nameLength);
}
