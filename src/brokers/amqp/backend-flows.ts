/**
 * The flows part of the AMQP broker's result backend (contract/flows.ts).
 * A flow is a job of its own (queue `drover.flows`, `active`, never leased)
 * with its graph and a version bumped by every change; a step is a job that
 * carries its link (flow id, step index). Step ids are derived from the flow
 * (`<flowId>.<step>`), so starting a step is an insert-if-absent.
 *
 * The broker (`flows.ts`) reads a flow, runs the shared flow logic on it,
 * publishes (and confirms) the tickets of the steps it starts, and only then
 * commits the change in ONE backend write ({@link BackendFlows.commitFlow}):
 * the version must be unchanged (else `conflict`: read and compute again),
 * the step's lease still held (else `stale`), and a step job that exists
 * already is left as it is. A crash before the commit leaves tickets that
 * find no job (`future`, then dropped) and the step's lease, which expires
 * and runs the step again; a crash after it leaves the change whole. A step
 * that fails for good or is cancelled fails its flow inside the write that
 * ends it (no ticket is needed for that).
 */
import type { ErrorInfo } from '../../core/errors.js';
import type { FlowLink } from '../contract.js';
import type { JobStatus } from '../../core/report.js';
import type { BackendLease, Changed, InsertResult, NewJob, NextTicket, Stored } from './backend.js';

/** A flow as the backend holds it. */
export interface StoredFlowRecord {
  status: JobStatus;
  /** The graph, codec-encoded. */
  graph: Stored;
  version: number;
}

/** How a committed change ends the flow. */
export type FlowEnd =
  { status: 'succeeded'; result: Stored } | { status: 'failed'; error: ErrorInfo } | { status: 'cancelled' };

/** A re-run of a failed or cancelled step job, with its next ticket (as `rerun`). */
export interface StepRerun {
  id: string;
  /** The job's gen now. */
  gen: number;
  next: NextTicket;
}

/** One change of a flow, computed from the flow at `version`. */
export interface FlowCommit {
  flowId: string;
  version: number;
  /**
   * The step whose success this records, with its result; `op` names the
   * advance (the same over its tries), so a resent write already applied is
   * recognised as done.
   */
  step?: { lease: BackendLease; result: Stored; op?: string | undefined } | undefined;
  /** The new graph (encoded), if it changed. */
  graph?: Stored | undefined;
  end?: FlowEnd | undefined;
  /** Re-open the failed or cancelled flow (`active` again). */
  reopen: boolean;
  reruns: StepRerun[];
  /** Step jobs to insert if absent (their tickets are confirmed). */
  enqueue: NewJob[];
}

/** What a commit did: applied, the flow changed meanwhile, or the step's lease is stale. */
export type FlowVerdict = 'ok' | 'conflict' | 'stale';

/** The flows part of a result backend; see the module comment. */
export interface BackendFlows {
  /** Records the flow job (`active`, with its graph) and its first steps; a flow id stored already is a duplicate. */
  startFlow(flow: NewJob, graph: Stored, first: readonly NewJob[]): Promise<Changed<InsertResult>>;
  /** The flow, if `id` is one. */
  readFlow(id: string): Promise<StoredFlowRecord | undefined>;
  /** The link of a step job, if `id` is one. */
  flowLink(id: string): Promise<FlowLink | undefined>;
  /** Applies a change atomically; see the module comment. */
  commitFlow(change: FlowCommit): Promise<Changed<FlowVerdict>>;
}
