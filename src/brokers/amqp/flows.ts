/**
 * Flows on the AMQP broker (contract/flows.ts), through the result backend
 * (`backend-flows.ts`). Each change reads the flow, runs the shared flow
 * logic on a plan (`core/flow/flow-plan.ts`), publishes and confirms the
 * tickets of the step jobs it starts or re-runs, then commits in one backend
 * write that checks the flow's version and inserts a step only if absent —
 * so a retried or redelivered advance never loses or doubles a step.
 */
import type { Codec } from '../../core/codec.js';
import { BrokerError } from '../../core/errors.js';
import { cancelFlow, retryFlow, stepSucceeded } from '../../core/flow/flow-driver.js';
import { flowJobRequest } from '../../core/flow/flow-job.js';
import { FlowPlan } from '../../core/flow/flow-plan.js';
import type { JobStatus } from '../../core/report.js';
import type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  FlowGraph,
  FlowLink,
  FlowOutcome,
  FlowStartRequest,
} from '../contract.js';
import type { BackendLease, JobRecord, NewJob, Note, ResultBackend, Stored } from './backend.js';
import type { BackendFlows, FlowCommit, FlowEnd, FlowVerdict, StepRerun, StoredFlowRecord } from './backend-flows.js';
import type { LiveNote } from './report-hub.js';
import { decode, encode } from './report-hub.js';
import { newJob } from './schedule-fire.js';
import { ticketOf } from './ticket.js';
import { freshToken } from './tokens.js';
import type { WorkQueues } from './work-queues.js';

/** How often a change is computed again when other processes keep changing the flow first. */
const MAX_TRIES = 50;

/** What the flows need from the broker. */
export interface FlowsHost {
  backend: ResultBackend & BackendFlows;
  work: WorkQueues;
  codec: Codec;
  /** Checks a step's request as `enqueue` does (throws). */
  check: (request: EnqueueRequest) => void;
  publish: (notes: readonly LiveNote[]) => void;
  /** Step jobs were queued. */
  wake: () => void;
}

/** The flows of one AMQP broker; see the module comment. */
export class AmqpFlows {
  readonly #h: FlowsHost;

  constructor(host: FlowsHost) {
    this.#h = host;
  }

  /** Records the flow job and its first steps (their tickets confirmed first). */
  async start(request: FlowStartRequest): Promise<EnqueueResult> {
    const { backend, codec } = this.#h;
    for (const step of request.first) this.#h.check(step);
    const now = Date.now();
    const first = request.first.map((r) => this.#stepJob(r, now));
    await this.#publish(first, [], now);
    const flow = newJob(flowJobRequest(request), codec, now);
    const { value, notes } = await backend.startFlow(flow, encode(codec, request.graph), first);
    this.#done(notes, first);
    return { id: value.id, status: value.status, duplicate: value.duplicate };
  }

  /** A step succeeded: its success and its flow's advance, in one commit. False when the lease is stale. */
  async ackStep(lease: BackendLease, link: FlowLink, stored: Stored, result: unknown): Promise<boolean> {
    const op = freshToken();
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await this.#h.backend.readFlow(link.flowId);
      if (!read) {
        // The flow is gone (pruned): the step's success is still recorded.
        const { value, notes } = await this.#h.backend.ack(lease, stored);
        this.#h.publish(this.#live(notes, lease.id, result, undefined));
        return value;
      }
      const plan = new FlowPlan(this.#flowOf(read));
      stepSucceeded(plan, link, result);
      const verdict = await this.#commit(link.flowId, read, plan, new Map(), { lease, result: stored, op }, result);
      if (verdict !== 'conflict') return verdict === 'ok';
    }
    throw this.#busy(link.flowId);
  }

  /** Cancels a flow and its live steps (each through `cancelStep`); undefined when `id` is not a flow. */
  async cancel(id: string, cancelStep: (id: string) => Promise<unknown>): Promise<CancelResult | undefined> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await this.#h.backend.readFlow(id);
      if (!read) return undefined;
      const plan = new FlowPlan(this.#flowOf(read));
      if (!cancelFlow(plan, id)) return 'finished';
      if ((await this.#commit(id, read, plan, new Map())) === 'conflict') continue;
      // A step cancelled now finds its flow no longer active: it changes nothing more.
      for (const step of plan.cancels) await cancelStep(step);
      return 'aborted';
    }
    throw this.#busy(id);
  }

  /**
   * Re-runs a failed or cancelled flow: its failed steps run again, held ones start.
   * Undefined when `id` is not a flow; null when it is one that is not failed or cancelled.
   */
  async retry(id: string): Promise<JobRecord | null | undefined> {
    const { backend } = this.#h;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await backend.readFlow(id);
      if (!read) return undefined;
      const flow = this.#flowOf(read);
      const started = flow.graph.steps.filter((s) => s.state === 'started').map((s) => s.request.id);
      const records = new Map<string, JobRecord>();
      for (const step of started) {
        const record = await backend.get(step);
        if (record) records.set(step, record);
      }
      const statuses = new Map<string, JobStatus>([...records].map(([k, r]) => [k, r.status]));
      const plan = new FlowPlan(flow, statuses);
      if (!retryFlow(plan, id)) return null;
      if ((await this.#commit(id, read, plan, records)) === 'conflict') continue;
      return (await backend.get(id)) ?? null;
    }
    throw this.#busy(id);
  }

  /** Publishes the plan's tickets, commits it, and publishes its reports. */
  async #commit(
    flowId: string,
    read: StoredFlowRecord,
    plan: FlowPlan,
    records: ReadonlyMap<string, JobRecord>,
    step?: FlowCommit['step'],
    raw?: unknown,
  ): Promise<FlowVerdict> {
    const { backend, codec } = this.#h;
    const now = Date.now();
    const enqueue = plan.enqueued.map((r) => this.#stepJob(r, now));
    const reruns: StepRerun[] = [];
    for (const id of plan.reruns) {
      const record = records.get(id);
      if (record)
        reruns.push({
          id,
          gen: record.gen,
          next: { gen: record.gen + 1, nonce: freshToken(), runAt: now, delayed: false },
        });
    }
    await this.#publish(
      enqueue,
      reruns.map((r) => ({ rerun: r, record: records.get(r.id)! })),
      now,
    );
    const { value, notes } = await backend.commitFlow({
      flowId,
      version: read.version,
      step,
      graph: plan.graph === undefined ? undefined : encode(codec, plan.graph),
      end: this.#endOf(plan.ends),
      reopen: plan.reopen,
      reruns,
      enqueue,
    });
    if (value !== 'ok') return value;
    const flowResult = plan.ends?.status === 'succeeded' ? plan.ends.result : undefined;
    const live = step ? this.#live(notes, step.lease.id, raw, { id: flowId, result: flowResult }) : notes;
    this.#done(live, [...enqueue, ...reruns.map((r) => r.next)]);
    return value;
  }

  /** Confirms the tickets of new step jobs and re-runs, before their state commits. */
  async #publish(
    jobs: readonly NewJob[],
    reruns: { rerun: StepRerun; record: JobRecord }[],
    now: number,
  ): Promise<void> {
    const tickets = jobs.map((job) => ({
      queue: job.queue,
      ticket: ticketOf(job.id, 1, job.nonce, job.priority, now, job.runAt - now),
    }));
    for (const { rerun, record } of reruns)
      tickets.push({
        queue: record.queue,
        ticket: ticketOf(rerun.id, rerun.next.gen, rerun.next.nonce, record.priority, now, 0),
      });
    if (tickets.length > 0) await this.#h.work.publish(tickets);
  }

  #done(notes: readonly LiveNote[], started: readonly { delayed: boolean }[]): void {
    this.#h.publish(notes);
    if (started.some((j) => !j.delayed)) this.#h.wake();
  }

  #stepJob(request: EnqueueRequest, now: number): NewJob {
    return { ...newJob(request, this.#h.codec, now), flow: request.flow };
  }

  #flowOf(read: StoredFlowRecord): { status: JobStatus; graph: FlowGraph } {
    return { status: read.status, graph: decode(this.#h.codec, read.graph) as FlowGraph };
  }

  #endOf(outcome: FlowOutcome | undefined): FlowEnd | undefined {
    if (outcome?.status === 'succeeded') return { status: 'succeeded', result: encode(this.#h.codec, outcome.result) };
    return outcome;
  }

  /** The notes with the raw results of the step and of the flow, for listeners. */
  #live(
    notes: readonly Note[],
    stepId: string,
    result: unknown,
    flow: { id: string; result: unknown } | undefined,
  ): LiveNote[] {
    return notes.map((n): LiveNote => {
      if (n.status !== 'succeeded') return n;
      if (n.id === stepId) return { ...n, raw: result };
      return flow && n.id === flow.id ? { ...n, raw: flow.result } : n;
    });
  }

  #busy(flowId: string): BrokerError {
    return new BrokerError(`Flow ${flowId} kept changing under this change; it was not applied (try again)`);
  }
}
