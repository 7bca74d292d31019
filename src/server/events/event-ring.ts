/** Most frames kept for `Last-Event-ID` resumes. */
export const RING_MAX_FRAMES = 240;
/** Most bytes (UTF-16 code units, close enough) of frames kept for resumes. */
export const RING_MAX_CHARS = 4 * 1024 * 1024;

interface Entry {
  seq: number;
  frame: string;
}

/**
 * The last numbered frames of the server-wide stream, bounded by count and
 * size, so a client that reconnects with `Last-Event-ID` gets what it missed.
 * A gap (frames that were never kept, because nobody listened) is marked by
 * {@link EventRing.skip}: resuming from before it is refused, and the
 * client reloads instead of silently missing reports.
 */
export class EventRing {
  readonly #entries: Entry[] = [];
  #chars = 0;
  /** Sequence number of the newest frame (kept or skipped). */
  #head = 0;
  /** Resuming after any seq below this is impossible (frames lost). */
  #resumableFrom = 0;

  /** Sequence number of the newest frame. */
  get head(): number {
    return this.#head;
  }

  /** Stores a frame made by `make(seq)` under the next sequence number; returns the frame. */
  push(make: (seq: number) => string): string {
    const seq = ++this.#head;
    const frame = make(seq);
    this.#entries.push({ seq, frame });
    this.#chars += frame.length;
    while (this.#entries.length > RING_MAX_FRAMES || (this.#chars > RING_MAX_CHARS && this.#entries.length > 1)) {
      const dropped = this.#entries.shift()!;
      this.#chars -= dropped.frame.length;
      this.#resumableFrom = dropped.seq;
    }
    return frame;
  }

  /** Records that frames were produced but not kept: nothing before now can be resumed. */
  skip(): void {
    this.#head++;
    this.#entries.length = 0;
    this.#chars = 0;
    this.#resumableFrom = this.#head;
  }

  /** The frames after `seq`, or undefined when some of them are gone (or `seq` is from the future). */
  after(seq: number): string[] | undefined {
    if (seq < this.#resumableFrom || seq > this.#head) return undefined;
    return this.#entries.filter((e) => e.seq > seq).map((e) => e.frame);
  }
}
