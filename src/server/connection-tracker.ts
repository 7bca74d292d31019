import { HttpError, HttpErrorCodes } from './http-error.js';

/**
 * Counts long-lived requests of one kind (event streams, result long-polls)
 * so there are never more than `max` at once, and ends them all when the
 * server shuts down.
 */
export class ConnectionTracker {
  readonly #max: number;
  readonly #what: string;
  readonly #open = new Set<() => void>();
  #closed = false;

  constructor(max: number, what: string) {
    this.#max = max;
    this.#what = what;
  }

  /** How many are open now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Takes a slot; `end` is called if the server shuts down first. Returns
   * the function that gives the slot back (idempotent). Throws a 429 when
   * every slot is taken, a 503 once closed.
   */
  acquire(end: () => void): () => void {
    if (this.#closed) throw new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
    if (this.#open.size >= this.#max) {
      throw new HttpError(
        429,
        HttpErrorCodes.TOO_MANY,
        `Too many open ${this.#what} (at most ${this.#max}); try again later`,
      );
    }
    const entry = (): void => end();
    this.#open.add(entry);
    return () => {
      this.#open.delete(entry);
    };
  }

  /** Ends every open one and refuses new ones. */
  closeAll(): void {
    this.#closed = true;
    for (const end of [...this.#open]) end();
  }
}
