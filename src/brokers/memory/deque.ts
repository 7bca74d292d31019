/** Smallest and largest chunk (slots): small queues stay small; big ones stay out of V8's large-object space. */
const MIN_CHUNK = 16;
const MAX_CHUNK = 4096;

/**
 * A FIFO queue with O(1) push and shift, kept in chunks: a growing queue
 * adds a chunk (sized to its length, up to MAX_CHUNK) instead of copying
 * itself into a bigger array, and a chunk is dropped once read, so memory
 * follows the live length. One emptied chunk is kept for reuse, so a queue
 * that stays short (a ready queue under a busy herd) allocates nothing.
 */
export class Deque<T> {
  /** Chunks from head to tail: the first is read at `#head`, the last written at `#tail`. */
  readonly #chunks: (T | undefined)[][] = [];
  #head = 0;
  #tail = 0;
  #length = 0;
  #spare: (T | undefined)[] | undefined;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    let last = this.#chunks[this.#chunks.length - 1];
    if (last === undefined || this.#tail === last.length) {
      last = this.#newChunk();
      this.#chunks.push(last);
      this.#tail = 0;
    }
    last[this.#tail++] = item;
    this.#length++;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#chunks[0]![this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const first = this.#chunks[0]!;
    const item = first[this.#head];
    first[this.#head++] = undefined;
    this.#length--;
    if (this.#head === first.length) {
      this.#chunks.shift();
      this.#spare = first;
      this.#head = 0;
      if (this.#chunks.length === 0) this.#tail = 0;
    } else if (this.#length === 0) {
      // Empty with one chunk left (a chunk before the last is full): start it over.
      this.#head = 0;
      this.#tail = 0;
    }
    return item;
  }

  #newChunk(): (T | undefined)[] {
    const spare = this.#spare;
    const size = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, this.#length));
    if (spare !== undefined && spare.length >= size) {
      this.#spare = undefined;
      return spare;
    }
    return new Array<T | undefined>(size);
  }
}
