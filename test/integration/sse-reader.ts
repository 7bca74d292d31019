/**
 * Reads a Server-Sent Events stream with fetch (as the dashboard does:
 * EventSource cannot send an Authorization header), for tests.
 */

/** One event of a stream. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read payloads loosely
  data: any;
}

/** An open stream: every event so far, and a way to wait for one. */
export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Resolves with the first event (already received or to come) that matches, or rejects after `ms`. */
  next(match: (e: SseEvent) => unknown, ms?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens `url` as an event stream with optional headers. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const stop = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: stop.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseBlock(block);
            if (event) {
              events.push(event);
              for (const wake of waiters) wake();
            }
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: res.status,
    events,
    next(match, ms = 10_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < events.length; seen++) {
            if (match(events[seen]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(events[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${ms} ms; got ${events.map((e) => e.event).join(',')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => stop.abort(),
  };
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, id, data: JSON.parse(data.join('\n')) };
}
