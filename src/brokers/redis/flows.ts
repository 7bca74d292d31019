/**
 * Flows on Redis (contract/flows.ts). The flow job is a job hash (queue
 * `drover.flows`, `active`, never in the lease set) with its graph (`gr`,
 * codec-encoded) and a version (`gv`) bumped by every change; a step's hash
 * carries its link (`fl`, `fx`). The shared flow logic runs here, on the
 * graph as read; `flow.lua` applies its result in one script only if the
 * version is unchanged (else this reads again: optimistic concurrency), so
 * a step's success and its flow's advance are one atomic change. Failures
 * (a step failed for good, expired on its last attempt, or cancelled) fail
 * the flow inside `finish.lua`, `sweep.lua` and `cancel.lua` themselves.
 */
import { randomBytes } from 'node:crypto';
import type { EnqueueResult, FlowGraph, FlowLink, FlowStartRequest, StoredFlow } from '../../core/contract/index.js';
import { FLOW_QUEUE } from '../../core/contract/index.js';
import { StaleLeaseError } from '../../core/errors.js';
import { cancelFlow, retryFlow, stepSucceeded } from '../../core/flow/flow-driver.js';
import { flowJobRequest } from '../../core/flow/flow-job.js';
import { FlowPlan } from '../../core/flow/flow-plan.js';
import type { JobStatus } from '../../core/report.js';
import type { LeaseRef } from '../contract.js';
import type { RedisEngine } from './redis-engine.js';
import { decodeValue, encodeValue, errorJson } from './stored-values.js';

/** How often a change is recomputed when other processes keep changing the flow first. */
const MAX_TRIES = 50;

/** What the step's success recorded (for its reports). */
export interface StepRecorded {
  task: string;
  queue: string;
  attempt: number;
  n: number;
  at: number;
}

/** A flow as read, with the version its change must find. */
interface ReadFlow {
  flow: StoredFlow | undefined;
  version: string;
}

/** Flow operations of one Redis broker. */
export class RedisFlows {
  readonly #engine: RedisEngine;

  constructor(engine: RedisEngine) {
    this.#engine = engine;
  }

  /** Records the flow job and its first steps in one script. */
  async start(request: FlowStartRequest): Promise<EnqueueResult> {
    const engine = this.#engine;
    const job = flowJobRequest(request);
    const { ref, json } = engine.optionsTable.intern(job.options);
    const plan = new FlowPlan(undefined);
    plan.graph = request.graph;
    plan.enqueue(request.first);
    const reply = (await this.#commit(job.id, '', plan, undefined, [job.task, FLOW_QUEUE, ref, json])) as string[];
    return { id: job.id, status: 'active', duplicate: reply[0] === 'exists' };
  }

  /** A step succeeded: its success and its flow's advance, in one script. */
  async stepSucceeded(lease: LeaseRef, link: FlowLink, result: unknown, payload: string): Promise<StepRecorded> {
    const op = randomBytes(8).toString('hex');
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await this.#read(link.flowId);
      const plan = new FlowPlan(read.flow);
      stepSucceeded(plan, link, result);
      const reply = await this.#commit(link.flowId, read.version, plan, [lease.id, lease.token, payload, op]);
      const verdict = reply[0];
      if (verdict === 'conflict') continue;
      if (verdict === 'stale') throw new StaleLeaseError(lease.id);
      if (verdict === 'again') return { task: '', queue: '', attempt: 0, n: 0, at: 0 };
      const [, at, task, queue, attempt, n] = reply;
      return { task: String(task), queue: String(queue), attempt: Number(attempt), n: Number(n), at: Number(at) };
    }
    throw new Error(`drover redis broker: flow ${link.flowId} kept changing; the step ${lease.id} was not recorded`);
  }

  /** Cancels a live flow, then its live steps (each through `cancelStep`); false if not live. */
  async cancel(flowId: string, cancelStep: (id: string) => Promise<unknown>): Promise<boolean> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await this.#read(flowId);
      const plan = new FlowPlan(read.flow);
      if (!cancelFlow(plan, flowId)) return false;
      const reply = await this.#commit(flowId, read.version, plan);
      if (reply[0] === 'conflict') continue;
      // A step cancelled now finds its flow no longer active, so it changes nothing more.
      for (const id of plan.cancels) await cancelStep(id);
      return true;
    }
    return false;
  }

  /** Re-runs a failed or cancelled flow; false if it is not one. */
  async retry(flowId: string): Promise<boolean> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const read = await this.#read(flowId);
      const started = read.flow?.graph.steps.filter((s) => s.state === 'started').map((s) => s.request.id) ?? [];
      const plan = new FlowPlan(read.flow, await this.#statuses(started));
      if (!retryFlow(plan, flowId)) return false;
      const reply = await this.#commit(flowId, read.version, plan);
      if (reply[0] === 'conflict') continue;
      return true;
    }
    return false;
  }

  async #read(flowId: string): Promise<ReadFlow> {
    const engine = this.#engine;
    const [status, graph, version] = await engine.client.hmget(`${engine.kp}j:${flowId}`, 's', 'gr', 'gv');
    if (graph == null || version == null) return { flow: undefined, version: 'none' };
    const decoded = decodeValue(engine.options.codec, graph) as FlowGraph;
    return { flow: { status: (status ?? 'queued') as JobStatus, graph: decoded }, version };
  }

  async #statuses(ids: readonly string[]): Promise<Map<string, JobStatus>> {
    const engine = this.#engine;
    const out = new Map<string, JobStatus>();
    if (ids.length === 0) return out;
    const pipeline = engine.client.pipeline();
    for (const id of ids) pipeline.hmget(`${engine.kp}j:${id}`, 't', 's');
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([, fields], i) => {
      const [task, status] = fields as [string | null, string | null];
      if (task !== null) out.set(ids[i]!, (status ?? 'queued') as JobStatus);
    });
    return out;
  }

  /** Runs `flow.lua` with a plan: see its header for the arguments. */
  #commit(
    flowId: string,
    version: string,
    plan: FlowPlan,
    step?: [id: string, token: string, payload: string, op: string],
    start?: [task: string, queue: string, ref: string, json: string],
  ): Promise<unknown[]> {
    const engine = this.#engine;
    const codec = engine.options.codec;
    const { resultTtl, keepFinished } = engine.options;
    const ends = plan.ends;
    const endPayload =
      ends?.status === 'succeeded'
        ? encodeValue(codec, ends.result)
        : ends?.status === 'failed'
          ? errorJson(ends.error)
          : '';
    const args: (string | number)[] = [resultTtl, keepFinished, flowId, version];
    args.push(plan.graph === undefined ? '' : encodeValue(codec, plan.graph));
    args.push(...(step ?? ['', '', '', '']), ends?.status ?? '', endPayload, plan.reopen ? '1' : '');
    args.push(...(start ?? ['', '', '', '']), plan.reruns.length, ...plan.reruns, plan.enqueued.length);
    for (const req of plan.enqueued) {
      const { ref, json } = engine.optionsTable.intern(req.options);
      const delay = req.delayMs > 0 ? Math.ceil(req.delayMs) : 0;
      args.push(req.id, req.task, req.queue, encodeValue(codec, req.args), req.priority, delay, ref, json);
      args.push(req.flow?.step ?? -1);
    }
    return engine.run('flow', args) as Promise<unknown[]>;
  }
}
