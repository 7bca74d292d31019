import type { WorkerBroker } from '../core/contract/index.js';
import { LeaseLostError } from '../core/errors.js';
import type { RunningJob } from './running-job.js';

/** What a {@link LeaseKeeper} needs from its herd. */
export interface LeaseKeeperHost {
  readonly broker: WorkerBroker;
  /** The herd's running jobs (read at each renewal). */
  running(): readonly RunningJob[];
  /** Lease length asked for at each renewal (ms). */
  readonly leaseMs: number;
  /** Time between renewals (ms); well under `leaseMs`. */
  readonly renewMs: number;
  /** A renewal that failed as a whole (the broker was unreachable). */
  onError(error: unknown): void;
}

/**
 * Keeps the leases of a herd's unsettled jobs alive: every `renewMs` it
 * extends them all in one call, and aborts with LeaseLostError any job whose
 * lease the broker says is gone (it may already run elsewhere, G2). A failed
 * renewal as a whole is reported and retried at the next tick: a short
 * outage does not abort anything while leases have time left.
 */
export class LeaseKeeper {
  readonly #host: LeaseKeeperHost;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: LeaseKeeperHost) {
    this.#host = host;
  }

  /** Starts renewing; the timer does not keep the process alive. */
  start(): void {
    this.#timer ??= setInterval(() => this.renew(), this.#host.renewMs).unref();
  }

  /** Stops renewing (the herd has handed back or settled every job). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Renews now. */
  renew(): void {
    const jobs = this.#host.running().filter((j) => !j.settled);
    if (jobs.length === 0) return;
    this.#host.broker
      .extend(
        jobs.map((j) => j.lease),
        this.#host.leaseMs,
      )
      .then(
        (held) => {
          held.forEach((ok, i) => {
            const job = jobs[i]!;
            if (!ok && !job.settled) {
              job.log.warn('lease lost: the job may run elsewhere; aborting this attempt');
              job.abort(new LeaseLostError(job.lease.id));
            }
          });
        },
        (error: unknown) => this.#host.onError(error),
      );
  }
}
