import type { Changed, Note } from '../backend.js';

/** Runs one `ack.lua` call with 4 values per ack; answers 1 or 0 per ack and the notes. */
export type AckBatch = (args: string[]) => Promise<{ value: boolean[]; notes: Note[] }>;

interface Waiting {
  args: [id: string, token: string, result: string, op: string];
  resolve: (changed: Changed<boolean>) => void;
  reject: (error: unknown) => void;
}

/** Most acks in one script call. */
const MAX_BATCH = 500;
/** Script calls in flight at once; acks that come meanwhile wait and go together. */
const MAX_IN_FLIGHT = 2;

/**
 * Acks handed in together (one run of microtasks, or while earlier calls are
 * in flight) go to Redis in one `ack.lua` call: one round trip and one script
 * setup per batch instead of per job. An idle batcher sends at once, so a
 * lone ack waits for nothing. A stale token answers only its own ack false.
 */
export class AckBatcher {
  readonly #run: AckBatch;
  #waiting: Waiting[] = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(run: AckBatch) {
    this.#run = run;
  }

  /** Records one success (`op`: the outcome id that recognises a resent call). */
  ack(id: string, token: string, result: string, op: string): Promise<Changed<boolean>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ args: [id, token, result, op], resolve, reject });
      if (!this.#scheduled && this.#inFlight < MAX_IN_FLIGHT) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#waiting.length > 0 && this.#inFlight < MAX_IN_FLIGHT) {
      const batch = this.#waiting.splice(0, MAX_BATCH);
      this.#inFlight++;
      this.#run(batch.flatMap((w) => w.args))
        .then(
          ({ value, notes }) => {
            const byId = new Map<string, Note[]>();
            for (const n of notes) byId.set(n.id, [...(byId.get(n.id) ?? []), n]);
            batch.forEach((w, i) => {
              w.resolve({ value: value[i] === true, notes: value[i] ? (byId.get(w.args[0]) ?? []) : [] });
            });
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          this.#inFlight--;
          if (this.#waiting.length > 0) this.#flush();
        });
    }
  }
}
