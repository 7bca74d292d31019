/** One item waiting in a {@link MicroBatcher}; the batch runner settles it. */
export interface Pending<T, R> {
  readonly item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** Sends one batch (one script call, one round trip) and settles each of its items. */
export type BatchRunner<T, R> = (batch: readonly Pending<T, R>[]) => Promise<void>;

/**
 * Group commit for round trips: items handed in together (one run of
 * microtasks, or while earlier batches are in flight) go out in one batch.
 * An idle batcher sends at once, so a lone item waits for nothing; at most
 * `maxInFlight` batches travel at once and what comes meanwhile waits and
 * goes together. A batch whose runner throws rejects every item it did not
 * settle.
 */
export class MicroBatcher<T, R> {
  readonly #run: BatchRunner<T, R>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #waiting: Pending<T, R>[] = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(run: BatchRunner<T, R>, maxBatch = 500, maxInFlight = 2) {
    this.#run = run;
    this.#maxBatch = maxBatch;
    this.#maxInFlight = maxInFlight;
  }

  /** Queues one item for the next batch; settles as the runner says. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#scheduled && this.#inFlight < this.#maxInFlight) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  /** Takes the items waiting for a batch: the caller sends them (another way) and settles each. */
  take(): Pending<T, R>[] {
    return this.#waiting.splice(0, this.#maxBatch);
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#waiting.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#inFlight++;
      this.#run(batch)
        .catch((error: unknown) => {
          for (const pending of batch) pending.reject(error);
        })
        .finally(() => {
          this.#inFlight--;
          if (this.#waiting.length > 0) this.#flush();
        });
    }
  }
}
