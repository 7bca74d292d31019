/**
 * Compiling a flow tree into the graph a broker stores (`FlowGraph`).
 *
 * Every signature becomes a step. A step's input is the output of what ran
 * before it: nothing (it starts with the flow), one step's result, or a
 * group's — nested arrays of results, one leaf per step. Each step lists
 * where its result goes (`to`: step index and position, -1 for the flow's
 * own result), so advancing is: put the result in place, count it, and
 * start whatever has all its inputs. A chord is a chain of a group and its
 * callback.
 */
import type { EnqueueRequest } from '../contract/index.js';
import type { FlowEdge, FlowGraph, FlowInput, FlowStartRequest, FlowStep } from '../contract/flows.js';
import { resolveJobOptions, toEnqueueRequest } from '../options.js';
import type { Flow, FlowKind, FlowNode, SignatureNode } from './flow.js';
import { InvalidArgumentError } from '../errors.js';
import { MAX_FLOW_STEPS } from './flow-spec.js';

/** What a sub-flow yields: one step's result, or a group's (nested). */
type Output = { step: number } | { group: Output[] };

/** Checks one signature before it becomes a step (the app checks its arguments and task). */
export type StepCheck = (sig: SignatureNode, request: EnqueueRequest) => void;

/** Compiles a flow into the request that starts it. Step `i` gets the id `${id}.${i}`. */
export function compileFlow(id: string, flow: Flow, check: StepCheck, spec: () => unknown): FlowStartRequest {
  const steps: FlowStep[] = [];
  const out = build(flow.node, undefined, steps, id, check);
  const result: FlowInput = { needs: 0, value: null };
  connect(out, -1, result, steps);
  const first: EnqueueRequest[] = [];
  for (const step of steps) {
    if (step.input !== undefined) continue;
    step.state = 'started';
    first.push(step.request);
  }
  return { id, kind: kindOf(flow.node), graph: { steps, result }, first, spec };
}

function kindOf(node: FlowNode): FlowKind {
  return node.type === 'sig' ? 'chain' : node.type;
}

function build(node: FlowNode, input: Output | undefined, steps: FlowStep[], id: string, check: StepCheck): Output {
  switch (node.type) {
    case 'sig':
      return addStep(node, input, steps, id, check);
    case 'chain': {
      let out = input;
      for (const step of node.steps) out = build(step, out, steps, id, check);
      return out!;
    }
    case 'group':
      return { group: node.members.map((m) => build(m, input, steps, id, check)) };
    case 'chord': {
      const members = { group: node.group.map((m) => build(m, input, steps, id, check)) };
      return build(node.callback, members, steps, id, check);
    }
  }
}

function addStep(
  sig: SignatureNode,
  input: Output | undefined,
  steps: FlowStep[],
  id: string,
  check: StepCheck,
): Output {
  const index = steps.length;
  if (index >= MAX_FLOW_STEPS) throw new InvalidArgumentError(`A flow holds at most ${MAX_FLOW_STEPS} steps`);
  const resolved = resolveJobOptions(sig.task.name, sig.task.options, sig.options);
  const request = toEnqueueRequest(`${id}.${index}`, sig.task.name, [...sig.args], resolved);
  request.key = undefined;
  request.flow = { flowId: id, step: index };
  check(sig, request);
  const step: FlowStep = { request, to: [], state: 'waiting' };
  steps.push(step);
  if (input !== undefined) {
    step.input = { needs: 0, value: null };
    connect(input, index, step.input, steps);
  }
  return { step: index };
}

/** Routes every leaf of `out` into `target`'s input, building its nested skeleton. */
function connect(out: Output, target: number, into: FlowInput, steps: FlowStep[]): void {
  into.value = skeleton(out);
  const walk = (o: Output, path: number[]): void => {
    if ('step' in o) {
      const edge: FlowEdge = [target, path];
      steps[o.step]!.to.push(edge);
      into.needs++;
    } else o.group.forEach((m, i) => walk(m, [...path, i]));
  };
  walk(out, []);
}

function skeleton(out: Output): unknown {
  return 'step' in out ? null : out.group.map(skeleton);
}

/** The request that starts a step: its input (if any) prepended to its own arguments. */
export function stepRequest(step: FlowStep): EnqueueRequest {
  return step.input === undefined ? step.request : { ...step.request, args: [step.input.value, ...step.request.args] };
}

/** Puts `value` at `path` in `input`, counts it; true once every input arrived. */
export function fill(input: FlowInput, path: readonly number[], value: unknown): boolean {
  if (path.length === 0) input.value = value;
  else {
    let at = input.value as unknown[];
    for (let i = 0; i < path.length - 1; i++) at = at[path[i]!] as unknown[];
    at[path[path.length - 1]!] = value;
  }
  input.needs--;
  return input.needs === 0;
}

/** The graph's step of a link, if the link points into it. */
export function stepAt(graph: FlowGraph, index: number): FlowStep | undefined {
  return Number.isInteger(index) && index >= 0 ? graph.steps[index] : undefined;
}
