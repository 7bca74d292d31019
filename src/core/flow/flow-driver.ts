/**
 * The flow logic every broker shares (docs/flows.md, "Atomic advance"): what
 * happens to a flow when one of its steps succeeds, fails for good or is
 * cancelled, and what cancelling and re-running a flow do. Each function runs
 * inside ONE broker operation, on the storage that operation gives it
 * ({@link FlowTx}), so a worker killed at any moment leaves either the old
 * state or the new one.
 *
 * Flow job states: active ──last step done──▶ succeeded
 *                  active ──a step failed / was cancelled──▶ failed
 *                  active ──cancel──▶ cancelled (live steps cancelled too)
 *                  failed | cancelled ──retry──▶ active (failed steps re-run, held steps start)
 */
import type { ErrorInfo } from '../errors.js';
import { ErrorCodes } from '../errors.js';
import type { FlowGraph, FlowLink, FlowStep, FlowTx } from '../contract/flows.js';
import { fill, stepAt, stepRequest } from './flow-graph.js';

/** A step succeeded: record its result in the graph; start what is ready, or finish the flow. */
export function stepSucceeded(tx: FlowTx, link: FlowLink, result: unknown): void {
  const flow = tx.readFlow(link.flowId);
  const step = flow && stepAt(flow.graph, link.step);
  if (!flow || !step || step.state === 'done') return;
  step.state = 'done';
  const graph = flow.graph;
  let finished = false;
  for (const [target, path] of step.to) {
    if (target === -1) finished = fill(graph.result, path, result);
    else {
      const next = graph.steps[target]!;
      if (fill(next.input!, path, result)) next.state = 'ready';
    }
  }
  const running = flow.status === 'active';
  if (running) startReady(tx, graph);
  tx.writeGraph(link.flowId, graph);
  if (finished && running) tx.finishFlow(link.flowId, { status: 'succeeded', result: graph.result.value });
}

/** A step failed for good (or was cancelled): the flow fails, naming it. */
export function stepFailed(tx: FlowTx, link: FlowLink, task: string, error: ErrorInfo | undefined): void {
  const flow = tx.readFlow(link.flowId);
  if (!flow || flow.status !== 'active') return;
  tx.finishFlow(link.flowId, { status: 'failed', error: stepError(task, `${link.flowId}.${link.step}`, error) });
}

/** The flow's error for a failed step: names the step's task and job id, and repeats its error. */
export function stepError(task: string, jobId: string, error: ErrorInfo | undefined): ErrorInfo {
  const info: ErrorInfo = {
    name: error?.name ?? 'JobCancelledError',
    message: `step ${task} (job ${jobId}) ${error ? `failed: ${error.message}` : 'was cancelled'}`,
    code: error?.code ?? ErrorCodes.JOB_CANCELLED,
  };
  if (error?.stack !== undefined) info.stack = error.stack;
  return info;
}

/** Cancels a live flow and its live steps; false if it is not a live flow. */
export function cancelFlow(tx: FlowTx, flowId: string): boolean {
  const flow = tx.readFlow(flowId);
  if (!flow || flow.status !== 'active') return false;
  tx.finishFlow(flowId, { status: 'cancelled' });
  for (const step of flow.graph.steps) if (step.state === 'started') tx.cancel(step.request.id);
  return true;
}

/** Re-runs a failed or cancelled flow: its failed and cancelled steps run again, held ones start. */
export function retryFlow(tx: FlowTx, flowId: string): boolean {
  const flow = tx.readFlow(flowId);
  if (!flow || (flow.status !== 'failed' && flow.status !== 'cancelled')) return false;
  tx.reopenFlow(flowId);
  for (const step of flow.graph.steps) {
    if (step.state !== 'started') continue;
    const status = tx.jobStatus(step.request.id);
    if (status === 'failed' || status === 'cancelled') tx.rerun(step.request.id);
    else if (status === undefined) tx.enqueue([stepRequest(step)]); // its record expired: start it afresh
  }
  startReady(tx, flow.graph);
  tx.writeGraph(flowId, flow.graph);
  return true;
}

function startReady(tx: FlowTx, graph: FlowGraph): void {
  const start: FlowStep[] = graph.steps.filter((s) => s.state === 'ready');
  if (start.length === 0) return;
  for (const step of start) step.state = 'started';
  tx.enqueue(start.map(stepRequest));
}
