import type { ApiError } from './api.js';
import { authHeaders, errorOf } from './api.js';
import type { SseMessage } from './sse-parser.js';
import { SseParser } from './sse-parser.js';
import { doublingDelay } from '../../core/backoff.js';

/** Reads an event-stream response to its end, calling `onMessage` per event. */
export async function readEvents(
  res: Response,
  onMessage: (m: SseMessage) => void,
  onBytes?: () => void,
): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onBytes?.();
    for (const message of parser.push(value)) onMessage(message);
  }
}

/** What a {@link LiveStream} tells its owner. */
export interface LiveStreamHandlers {
  /** One event (its data parsed). */
  message(event: string, data: unknown): void;
  /** The connection state changed, in words for the status line. */
  state(state: 'connecting' | 'live' | 'retrying' | 'refused', detail: string): void;
  /** The server refused the request (400, 401, 403, 404): no retry until {@link LiveStream.restart}. */
  refused(error: ApiError): void;
}

/** Nothing for this long (the server sends a `rate` event every second) means the connection is dead (ms). */
const SILENCE_MS = 8_000;
const MAX_BACKOFF_MS = 15_000;
/** Answers that retrying cannot change (a bad request, a refused or missing token). */
const REFUSED: ReadonlySet<number> = new Set([400, 401, 403, 404]);

/**
 * `GET /v1/events` read with fetch() (EventSource cannot send the token),
 * reconnecting with backoff and `Last-Event-ID` after a drop.
 *
 * States: connecting ──200──▶ live ──drop / silence──▶ retrying ──timer──▶ connecting
 *         connecting ──401/4xx──▶ refused (until restart());  any ──stop()──▶ stopped
 */
export class LiveStream {
  readonly #path: string;
  readonly #on: LiveStreamHandlers;
  #abort: AbortController | undefined;
  #lastId: string | undefined;
  #failures = 0;
  #retryTimer: number | undefined;
  #silenceTimer: number | undefined;

  constructor(path: string, handlers: LiveStreamHandlers) {
    this.#path = path;
    this.#on = handlers;
  }

  /** (Re)connects now, forgetting any backoff. */
  restart(): void {
    this.stop();
    this.#failures = 0;
    void this.#connect();
  }

  /** Disconnects and stays so. */
  stop(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#silenceTimer);
  }

  async #connect(): Promise<void> {
    const abort = (this.#abort = new AbortController());
    this.#on.state('connecting', 'connecting…');
    const headers = authHeaders({ accept: 'text/event-stream' });
    if (this.#lastId !== undefined) headers['last-event-id'] = this.#lastId;
    try {
      const res = await fetch(this.#path, { headers, signal: abort.signal, cache: 'no-store' });
      if (!res.ok) {
        const error = await errorOf(res);
        // A refused request stays refused until the token changes; 429 (too many streams) and 5xx are retried.
        if (REFUSED.has(res.status)) {
          this.#on.state('refused', error.message);
          this.#on.refused(error);
          return;
        }
        throw error;
      }
      this.#watch(abort);
      await readEvents(
        res,
        (m) => this.#dispatch(m),
        () => this.#watch(abort),
      );
    } catch {
      // network error, abort or a broken stream: retried below unless stopped
    }
    clearTimeout(this.#silenceTimer);
    if (abort.signal.aborted && this.#abort !== abort) return;
    this.#retry();
  }

  #dispatch(m: SseMessage): void {
    if (m.id !== undefined) this.#lastId = m.id;
    let data: unknown;
    try {
      data = JSON.parse(m.data);
    } catch {
      return;
    }
    if (m.event === 'hello') {
      this.#failures = 0;
      this.#on.state('live', 'live');
    }
    this.#on.message(m.event, data);
  }

  #watch(abort: AbortController): void {
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = window.setTimeout(() => abort.abort(), SILENCE_MS);
  }

  #retry(): void {
    this.#abort = undefined;
    const delay = doublingDelay(1000, MAX_BACKOFF_MS, ++this.#failures, 'equal');
    this.#on.state('retrying', `connection lost; retrying in ${Math.round(delay / 1000)} s`);
    this.#retryTimer = window.setTimeout(() => void this.#connect(), delay);
  }
}
