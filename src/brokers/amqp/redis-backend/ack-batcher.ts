import type { Changed, Note } from '../backend.js';
import { MicroBatcher } from '../../micro-batcher.js';

/** Runs one `ack.lua` call with 4 values per ack; answers 1 or 0 per ack and the notes. */
export type AckBatch = (args: string[]) => Promise<{ value: boolean[]; notes: Note[] }>;

type Args = [id: string, token: string, result: string, op: string];

/**
 * Acks handed in together (one run of microtasks, or while earlier calls are
 * in flight) go to Redis in one `ack.lua` call: one round trip and one script
 * setup per batch instead of per job. An idle batcher sends at once, so a
 * lone ack waits for nothing. A stale token answers only its own ack false.
 */
export class AckBatcher {
  readonly #batcher: MicroBatcher<Args, Changed<boolean>>;

  constructor(run: AckBatch) {
    this.#batcher = new MicroBatcher(async (batch) => {
      const { value, notes } = await run(batch.flatMap((w) => w.item));
      const byId = new Map<string, Note[]>();
      for (const n of notes) {
        const mine = byId.get(n.id);
        if (mine) mine.push(n);
        else byId.set(n.id, [n]);
      }
      batch.forEach((w, i) => {
        w.resolve({ value: value[i] === true, notes: value[i] ? (byId.get(w.item[0]) ?? []) : [] });
      });
    });
  }

  /** Records one success (`op`: the outcome id that recognises a resent call). */
  ack(id: string, token: string, result: string, op: string): Promise<Changed<boolean>> {
    return this.#batcher.add([id, token, result, op]);
  }
}
