import type { NextTicket, ResultBackend } from './backend.js';
import type { HeldLeases } from './held-leases.js';
import type { Inbox } from './inbox.js';
import type { LiveNote, ReportHub } from './report-hub.js';
import { freshToken } from './tokens.js';
import type { WorkQueues } from './work-queues.js';

/** Expired leases handled per sweep; more wait for the next one. */
const SWEEP_LIMIT = 200;
/** Finished jobs pruned per sweep. */
const PRUNE_LIMIT = 1000;

/** What the timers need from the broker. */
export interface SweeperHost {
  backend: ResultBackend;
  work: WorkQueues;
  held: HeldLeases;
  hub: ReportHub;
  inbox: Inbox;
  sweepInterval: number;
  pollInterval: number;
  publish: (notes: readonly LiveNote[]) => void;
  cancelled: (id: string) => void;
  wake: () => void;
}

/**
 * Two timers (unref'd), in every process — whichever gets there first wins:
 * - the sweeper (every `sweepInterval`): an expired lease gets a new ticket
 *   (published and confirmed first) and goes back to `queued` with a
 *   `retrying` report, or fails for good once its attempts are spent; then
 *   finished jobs past `resultTtl` are pruned. A lease that expired here while
 *   its holder is alive (a handler blocking the loop, S09) is thereby moved
 *   on; its old delivery is acked when the holder notices.
 * - the poller (every `pollInterval`): held leases that moved on elsewhere
 *   (cancelled, expired, taken over) have their delivery acked and cancelled
 *   ones reach `onCancel`; watchers catch up with other processes' reports.
 * Returns a function that stops both.
 */
export function startSweeper(host: SweeperHost): () => void {
  let sweeping = false;
  let polling = false;
  let lastWarning = '';
  const warn = (what: string, error: unknown): void => {
    const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    if (message === lastWarning) return;
    lastWarning = message;
    process.emitWarning(`drover amqp broker: ${message} (will retry)`);
  };
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepOnce(host)
      .catch((error: unknown) => warn('sweeping expired leases failed', error))
      .finally(() => (sweeping = false));
  }, host.sweepInterval).unref();
  const pollTimer = setInterval(() => {
    if (polling) return;
    polling = true;
    pollOnce(host)
      .catch((error: unknown) => warn('checking held leases failed', error))
      .finally(() => (polling = false));
  }, host.pollInterval).unref();
  return () => {
    clearInterval(sweepTimer);
    clearInterval(pollTimer);
  };
}

async function sweepOnce(host: SweeperHost): Promise<void> {
  const { backend, work, held } = host;
  const expired = await backend.expired(SWEEP_LIMIT);
  let requeued = false;
  for (const lease of expired) {
    let next: NextTicket | undefined;
    if (!lease.spent) {
      const now = Date.now();
      next = { gen: lease.gen + 1, nonce: freshToken(), runAt: now, delayed: false };
      const ticket = { id: lease.id, gen: next.gen, nonce: next.nonce, priority: lease.priority, at: now, dueAt: now };
      await work.publish([{ queue: lease.queue, ticket }]);
    }
    const { value, notes } = await backend.expire(lease, next);
    host.publish(notes);
    requeued ||= value && next !== undefined;
    const mine = held.take(lease.id, lease.token);
    if (mine && !mine.delivery.settled) {
      mine.delivery.settled = true;
      work.ack(mine.delivery.msg, mine.delivery.epoch);
    }
  }
  await backend.prune(PRUNE_LIMIT);
  if (requeued) host.wake();
}

async function pollOnce(host: SweeperHost): Promise<void> {
  const { backend, held, work } = host;
  if (held.size > 0) {
    const ids = held.ids().slice(0, 1000);
    const states = await backend.leaseStates(ids);
    for (const id of ids) {
      const state = states.get(id);
      for (const [heldId, lease] of held.entries()) {
        if (heldId !== id) continue;
        if (state?.status === 'active' && state.token === lease.token) continue;
        // Moved on elsewhere (a cancel, an expiry, a takeover): this delivery is stale.
        held.take(id, lease.token);
        if (!lease.delivery.settled) {
          lease.delivery.settled = true;
          work.ack(lease.delivery.msg, lease.delivery.epoch);
        }
        if (state?.status === 'cancelled') host.cancelled(id);
      }
    }
  }
  await host.hub.poll();
}
