import type { Changed, Note } from '../backend.js';
import { MicroBatcher } from '../../micro-batcher.js';
import type { Reply } from './records.js';

/** Runs one `ack.lua` call with 4 values per ack; answers its reply (see `lua/ack.lua`). */
export type AckBatch = (args: string[]) => Promise<Reply[]>;

type Args = [id: string, token: string, result: string, op: string];

/** Values per ack in `ack.lua`'s reply, after the time. */
const STRIDE = 5;

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
      const args: string[] = [];
      for (const w of batch) args.push(w.item[0], w.item[1], w.item[2], w.item[3]);
      const reply = await run(args);
      const at = Number(reply[0]);
      for (let i = 0; i < batch.length; i++) {
        const w = batch[i]!;
        const k = 1 + i * STRIDE;
        // Stale (0), or this call resent after it committed (1, no report now).
        if (reply[k] !== 1 || reply[k + 1] === '') {
          w.resolve({ value: reply[k] === 1, notes: [] });
          continue;
        }
        const note: Note = {
          id: w.item[0],
          task: reply[k + 1] as string,
          queue: reply[k + 2] as string,
          n: Number(reply[k + 3]),
          status: 'succeeded',
          attempt: Number(reply[k + 4]),
          at,
          error: undefined,
        };
        w.resolve({ value: true, notes: [note] });
      }
    });
  }

  /** Records one success (`op`: the outcome id that recognises a resent call). */
  ack(id: string, token: string, result: string, op: string): Promise<Changed<boolean>> {
    return this.#batcher.add([id, token, result, op]);
  }
}
