/**
 * A {@link FlowTx} that records what the shared flow logic
 * (`flow-driver.ts`) would change, for brokers that cannot run it inside
 * their storage's transaction: they read the flow, run the logic on a plan,
 * then apply the plan in one atomic write that first checks the flow did not
 * change meanwhile (optimistic concurrency; on a conflict they read again).
 */
import type { EnqueueRequest } from '../contract/jobs.js';
import type { FlowGraph, FlowOutcome, FlowTx, StoredFlow } from '../contract/flows.js';
import type { JobStatus } from '../report.js';

/** The shared flow logic's storage, recording what it would change. */
export class FlowPlan implements FlowTx {
  /** The graph to write back, if it changed. */
  graph: FlowGraph | undefined;
  /** How the flow ends, if it does. */
  ends: FlowOutcome | undefined;
  /** Re-open the failed or cancelled flow. */
  reopen = false;
  /** Steps to enqueue. */
  readonly enqueued: EnqueueRequest[] = [];
  /** Step jobs to re-run. */
  readonly reruns: string[] = [];
  /** Step jobs to cancel. */
  readonly cancels: string[] = [];
  readonly #flow: StoredFlow | undefined;
  readonly #statuses: ReadonlyMap<string, JobStatus>;

  /** @param statuses the statuses of step jobs, for `jobStatus` (what `retryFlow` asks) */
  constructor(flow: StoredFlow | undefined, statuses: ReadonlyMap<string, JobStatus> = new Map()) {
    this.#flow = flow;
    this.#statuses = statuses;
  }

  readFlow(): StoredFlow | undefined {
    return this.#flow;
  }
  writeGraph(_id: string, graph: FlowGraph): void {
    this.graph = graph;
  }
  finishFlow(_id: string, outcome: FlowOutcome): void {
    this.ends = outcome;
  }
  reopenFlow(): void {
    this.reopen = true;
  }
  enqueue(requests: EnqueueRequest[]): void {
    this.enqueued.push(...requests);
  }
  jobStatus(id: string): JobStatus | undefined {
    return this.#statuses.get(id);
  }
  rerun(id: string): void {
    this.reruns.push(id);
  }
  cancel(id: string): void {
    this.cancels.push(id);
  }
}
