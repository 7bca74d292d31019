/**
 * Queue counts with each queue's flow state: `paused`, and `limited` (its
 * waiting jobs a limit holds back), on a broker with flow control. Read by
 * `GET /v1/queues` and the `drover_queue_depth{state="limited"}` gauge.
 */
import type { Broker, QueueCounts } from './contract/index.js';

/** {@link QueueCounts} plus the flow state, where the broker has it. */
export interface QueueFlowCounts extends QueueCounts {
  paused?: boolean;
  limited?: number;
}

/** Adds the flow state to `counts` (one `queueLimits` per queue: pass only the queues shown). */
export async function withFlowState(broker: Broker, counts: readonly QueueCounts[]): Promise<QueueFlowCounts[]> {
  const limits = broker.queueLimits?.bind(broker);
  if (!limits) return [...counts];
  return Promise.all(
    counts.map(async (c) => {
      const { paused, limited } = await limits(c.queue);
      return { ...c, paused, limited };
    }),
  );
}
