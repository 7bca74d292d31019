/**
 * The flows part of the Redis result backend (`../backend-flows.ts`): the
 * flow job is a job hash (queue `drover.flows`, `active`, never in the lease
 * set) with its graph (`gr`) and version (`gv`); a step's hash carries its
 * link (`fl`, `fx`). A start is `lua/fstart.lua`, a change `lua/fcommit.lua`,
 * each one atomic script; a step that fails for good or is cancelled fails
 * its flow inside the script that ends it (`flow_step_ended` in `lua/lib.lua`).
 */
import { randomBytes } from 'node:crypto';
import type { FlowLink } from '../../contract.js';
import type { JobStatus } from '../../../core/report.js';
import { loadBytes, storeBytes } from '../../redis/stored-values.js';
import type { Changed, InsertResult, NewJob, Stored } from '../backend.js';
import type { FlowCommit, FlowVerdict, StoredFlowRecord } from '../backend-flows.js';
import { errorJson } from '../backend-rules.js';
import type { Reply } from './records.js';
import { toNotes } from './records.js';

/** What the flows use of the backend. */
export interface RedisFlowsHost {
  resultTtl: number;
  run(name: 'fstart' | 'fcommit', args: (string | number)[]): Promise<Reply>;
  /** HMGET of a job's hash. */
  fieldsOf(id: string, names: readonly string[]): Promise<(string | null)[]>;
}

/** A job's 12 values as `lua/insert.lua` takes them. */
export function insertArgs(job: NewJob): (string | number)[] {
  return [
    job.id,
    job.task,
    job.queue,
    storeBytes(job.args),
    job.priority,
    job.createdAt,
    job.runAt,
    job.delayed ? '1' : '',
    job.key ?? '',
    JSON.stringify(job.options),
    job.options.retries,
    job.nonce,
  ];
}

/** A step job's insert values and its step index. */
function stepArgs(job: NewJob): (string | number)[] {
  return [...insertArgs(job), job.flow?.step ?? -1];
}

/** Records the flow job and its first steps in one script. */
export async function startFlow(
  host: RedisFlowsHost,
  flow: NewJob,
  graph: Stored,
  first: readonly NewJob[],
): Promise<Changed<InsertResult>> {
  const args: (string | number)[] = [flow.id, flow.task, flow.queue, storeBytes(flow.args)];
  args.push(JSON.stringify(flow.options), storeBytes(graph), ...first.flatMap(stepArgs));
  const [[verdict, status], notes] = (await host.run('fstart', args)) as [[string, JobStatus?], Reply[]];
  const duplicate = verdict === 'exists';
  return { value: { id: flow.id, status: duplicate ? status! : 'active', duplicate }, notes: toNotes(notes) };
}

/** The flow, if `id` is one. */
export async function readFlow(host: RedisFlowsHost, id: string): Promise<StoredFlowRecord | undefined> {
  const [status, graph, version] = await host.fieldsOf(id, ['s', 'gr', 'gv']);
  if (graph == null || version == null) return undefined;
  return { status: status as JobStatus, graph: loadBytes(graph), version: Number(version) };
}

/** The link of a step job, if `id` is one. */
export async function flowLink(host: RedisFlowsHost, id: string): Promise<FlowLink | undefined> {
  const [flowId, step] = await host.fieldsOf(id, ['fl', 'fx']);
  return flowId == null ? undefined : { flowId, step: Number(step) };
}

/** Applies a change in one script (see `lua/fcommit.lua`). */
export async function commitFlow(host: RedisFlowsHost, c: FlowCommit): Promise<Changed<FlowVerdict>> {
  const end = c.end;
  const payload =
    end?.status === 'succeeded' ? storeBytes(end.result) : end?.status === 'failed' ? errorJson(end.error).json : '';
  const args: (string | number)[] = [host.resultTtl, c.flowId, c.version, c.graph == null ? '' : storeBytes(c.graph)];
  if (c.step) args.push(c.step.lease.id, c.step.lease.token, storeBytes(c.step.result), c.step.op ?? opId());
  else args.push('', '', '', '');
  args.push(end?.status ?? '', payload, c.reopen ? '1' : '', c.reruns.length);
  for (const r of c.reruns) args.push(r.id, r.gen, r.next.gen, r.next.nonce);
  args.push(c.enqueue.length, ...c.enqueue.flatMap(stepArgs));
  const [[verdict], notes] = (await host.run('fcommit', args)) as [[FlowVerdict], Reply[]];
  return { value: verdict, notes: toNotes(notes) };
}

function opId(): string {
  return randomBytes(8).toString('hex');
}
