/**
 * The optional flows part of a broker (DESIGN §12, docs/flows.md). A flow
 * is a job of its own (task `chain`, `group` or `chord`, queue
 * {@link FLOW_QUEUE}) that no worker leases: it is `active` from its start
 * until its last step finishes, and keeps its {@link FlowGraph} with it.
 * Its steps are ordinary jobs whose request carries a {@link FlowLink}.
 *
 * What a broker with this part promises, each in ONE broker operation (a
 * transaction, a script — or, where the broker cannot, an idempotent
 * advance whose next step ids are derived from the flow id and step):
 * - `startFlow`: the flow job and its first steps appear together;
 * - `ack` of a step records its success and advances its flow (enqueues
 *   what now has all its inputs, or finishes the flow with its result);
 * - a step that fails for good (`nack` without retry, a lease that expires
 *   on its last attempt) or is cancelled fails its flow;
 * - `cancel(flowId)` cancels the flow and its live steps; `retry(flowId)`
 *   of a failed or cancelled flow re-runs its failed steps and continues.
 * While a flow is not `active`, finishing steps record their results in its
 * graph but start nothing. The graph logic itself is shared
 * (`core/flow/flow-driver.ts`); brokers supply the storage ({@link FlowTx}).
 */
import type { ErrorInfo } from '../errors.js';
import type { JobStatus } from '../report.js';
import type { EnqueueRequest, EnqueueResult } from './jobs.js';

/** The queue flow jobs are kept in (never leased). */
export const FLOW_QUEUE = 'drover.flows';

/** A step's place in its flow, stored with the step. */
export interface FlowLink {
  flowId: string;
  /** Index of the step in its flow's graph. */
  step: number;
}

/** Values arriving for a step (or the flow's result): how many are still missing, and those so far. */
export interface FlowInput {
  needs: number;
  /** `null` until set, or nested arrays of results for a group. */
  value: unknown;
}

/** Where a step's result goes: step index (-1: the flow's result) and the position in its input. */
export type FlowEdge = [step: number, path: number[]];

/** Life of one step in the graph: waiting for inputs → ready → started (enqueued) → done. */
export type FlowStepState = 'waiting' | 'ready' | 'started' | 'done';

/** One step of a flow's graph. */
export interface FlowStep {
  /** Its job's request; `args` are the signature's own (the input is prepended when it starts). */
  request: EnqueueRequest;
  /** Absent: it starts with the flow. */
  input?: FlowInput;
  to: FlowEdge[];
  state: FlowStepState;
}

/** What a broker keeps with a flow job. */
export interface FlowGraph {
  steps: FlowStep[];
  result: FlowInput;
}

/** Everything {@link FlowStore.startFlow} records. */
export interface FlowStartRequest {
  id: string;
  /** The flow job's task name. */
  kind: 'chain' | 'group' | 'chord';
  graph: FlowGraph;
  /** The steps that start at once (already marked `started` in the graph). */
  first: EnqueueRequest[];
  /** The flow as `POST /v1/flows` takes it (made on demand), for brokers that forward flows to a server. */
  spec(): unknown;
}

/** The optional flows part of a broker (see the file's header). */
export interface FlowStore {
  /** Records the flow job (`active`) and enqueues its first steps, in one operation. */
  startFlow(request: FlowStartRequest): Promise<EnqueueResult>;
}

/** A flow job as its broker holds it, for the shared flow logic. */
export interface StoredFlow {
  status: JobStatus;
  graph: FlowGraph;
}

/**
 * The storage operations the shared flow logic needs, run inside one broker
 * operation (a transaction): brokers whose storage is synchronous inside it
 * implement this and call `core/flow/flow-driver.ts`.
 */
export interface FlowTx {
  /** The flow job, if it exists. */
  readFlow(flowId: string): StoredFlow | undefined;
  /** Writes the flow's graph back. */
  writeGraph(flowId: string, graph: FlowGraph): void;
  /** Finishes the flow job (if still live) with its result, error, or as cancelled; records its terminal report. */
  finishFlow(flowId: string, outcome: FlowOutcome): void;
  /** Re-opens a failed or cancelled flow job: `active` again, with `queued` and `active` reports. */
  reopenFlow(flowId: string): void;
  /** Enqueues step jobs. */
  enqueue(requests: EnqueueRequest[]): void;
  /** A step job's status, if it exists. */
  jobStatus(id: string): JobStatus | undefined;
  /** Re-runs a failed or cancelled step job (as `retry` does). */
  rerun(id: string): void;
  /** Cancels a live step job (as `cancel` does). */
  cancel(id: string): void;
}

/** How a flow ends. */
export type FlowOutcome =
  { status: 'succeeded'; result: unknown } | { status: 'failed'; error: ErrorInfo } | { status: 'cancelled' };
