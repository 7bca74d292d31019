import type { ServerResponse } from 'node:http';

/**
 * One client of the server-wide event stream: a hijacked response that
 * frames are written to. A client that stops reading is dropped (its socket
 * destroyed, so the unsent bytes are freed at once) as soon as more than
 * `maxBuffered` bytes wait for it: one slow dashboard cannot grow the
 * server's memory. It reconnects with `Last-Event-ID` and resumes.
 *
 * States: open ──write beyond maxBuffered──▶ dropped ──▶ closed
 *         open ──client hangs up / end()──▶ closed
 */
export class EventClient {
  readonly #raw: ServerResponse;
  readonly #maxBuffered: number;
  readonly #onClose: (dropped: boolean) => void;
  #closed = false;
  #dropped = false;

  constructor(raw: ServerResponse, maxBuffered: number, onClose: (dropped: boolean) => void) {
    this.#raw = raw;
    this.#maxBuffered = maxBuffered;
    this.#onClose = onClose;
    raw.on('close', () => this.#finish());
  }

  /** True once the stream ended, for whatever reason. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes one frame; drops the client when too much is waiting. */
  write(frame: string): void {
    if (this.#closed) return;
    this.#raw.write(frame);
    if (this.#raw.writableLength > this.#maxBuffered) {
      this.#dropped = true;
      this.#raw.destroy();
      this.#finish();
    }
  }

  /** Ends the stream cleanly (server shutting down). */
  end(): void {
    if (this.#closed) return;
    this.#raw.end();
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this.#dropped);
  }
}
