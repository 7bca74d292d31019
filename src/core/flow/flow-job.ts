import type { EnqueueRequest, FlowStartRequest } from '../contract/index.js';
import { FLOW_QUEUE } from '../contract/flows.js';
import { resolveStoredOptions } from '../options-table.js';

/** A flow job's options: it is never leased, so it never retries on its own. */
const FLOW_JOB_OPTIONS = Object.freeze(resolveStoredOptions({ retries: 0 }));

/** The job record of a flow, for brokers that store it as a job: task = its kind, queue {@link FLOW_QUEUE}, no arguments. */
export function flowJobRequest(request: FlowStartRequest): EnqueueRequest {
  return {
    id: request.id,
    task: request.kind,
    queue: FLOW_QUEUE,
    args: [],
    priority: 0,
    delayMs: 0,
    options: FLOW_JOB_OPTIONS,
  };
}
