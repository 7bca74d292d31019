/**
 * Flows as JSON (`POST /v1/flows`, and what the `ws://` broker forwards):
 * `{"task","args","options"}` for a signature, `{"chain":[…]}`,
 * `{"group":[…]}`, `{"chord":{"group":[…],"callback":{…}}}`, nested.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../errors.js';
import { jobOptionsFromJson, jobOptionsJsonSchema, jobOptionsToJson } from '../options-table.js';
import type { JobOptionsJson } from '../options-table.js';
import type { TaskDefinition } from '../task.js';
import { NO_CONTROL_CHARS } from '../validate.js';
import type { Flow, FlowNode } from './flow.js';
import { chainOf, chord, group, signature } from './flow.js';

/** Most steps in one flow. */
export const MAX_FLOW_STEPS = 1_000;
/** Deepest nesting of chains, groups and chords. */
export const MAX_FLOW_DEPTH = 32;

/** A signature as JSON. */
export interface SignatureSpec {
  task: string;
  args?: unknown[];
  options?: JobOptionsJson;
}

/** A flow as JSON. */
export type FlowSpec =
  SignatureSpec | { chain: FlowSpec[] } | { group: FlowSpec[] } | { chord: { group: FlowSpec[]; callback: FlowSpec } };

const signatureSchema = z.strictObject({
  task: z.string().min(1).max(200).regex(NO_CONTROL_CHARS, 'must not contain control characters'),
  args: z.array(z.unknown()).optional(),
  options: jobOptionsJsonSchema.optional(),
});

/**
 * Checks a flow given as JSON; a mistake throws InvalidArgumentError naming
 * its path (`body.chain[1].task: …`).
 */
export function parseFlowSpec(value: unknown, where: string): FlowSpec {
  let steps = 0;
  const walk = (v: unknown, at: string, depth: number): FlowSpec => {
    if (depth > MAX_FLOW_DEPTH) bad(at, `nested more than ${MAX_FLOW_DEPTH} levels deep`);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      bad(at, 'expected a step {"task","args"} or {"chain"|"group"|"chord": …}');
    const keys = Object.keys(v);
    const list = (items: unknown, name: string): FlowSpec[] => {
      if (!Array.isArray(items) || items.length === 0) bad(name, 'expected a non-empty array of steps or flows');
      return items.map((item, i) => walk(item, `${name}[${i}]`, depth + 1));
    };
    if (keys.length === 1 && keys[0] === 'chain')
      return { chain: list((v as { chain: unknown }).chain, `${at}.chain`) };
    if (keys.length === 1 && keys[0] === 'group')
      return { group: list((v as { group: unknown }).group, `${at}.group`) };
    if (keys.length === 1 && keys[0] === 'chord') {
      const c: unknown = (v as { chord: unknown }).chord;
      if (
        typeof c !== 'object' ||
        c === null ||
        Array.isArray(c) ||
        Object.keys(c).some((k) => k !== 'group' && k !== 'callback')
      )
        bad(`${at}.chord`, 'expected {"group":[…],"callback":{…}}');
      const { group: members, callback } = c as { group?: unknown; callback?: unknown };
      return {
        chord: {
          group: list(members, `${at}.chord.group`),
          callback: walk(callback, `${at}.chord.callback`, depth + 1),
        },
      };
    }
    if (!('task' in v))
      bad(at, `expected a step {"task","args"} or {"chain"|"group"|"chord": …}, got keys ${JSON.stringify(keys)}`);
    const parsed = signatureSchema.safeParse(v);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      bad([at, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join(''), issue.message);
    }
    if (++steps > MAX_FLOW_STEPS) bad(at, `a flow holds at most ${MAX_FLOW_STEPS} steps`);
    return parsed.data as SignatureSpec;
  };
  return walk(value, where, 0);
}

function bad(at: string, message: string): never {
  throw new InvalidArgumentError(`${at}: ${message}`);
}

/** A checked spec to a flow; `taskOf` gives the definition of a task name. */
export function flowFromSpec(spec: FlowSpec, taskOf: (name: string) => TaskDefinition): Flow {
  if ('chain' in spec) return chainOf(spec.chain.map((s) => flowFromSpec(s, taskOf)));
  if ('group' in spec) return group(...spec.group.map((s) => flowFromSpec(s, taskOf)));
  if ('chord' in spec)
    return chord(
      spec.chord.group.map((s) => flowFromSpec(s, taskOf)),
      flowFromSpec(spec.chord.callback, taskOf),
    );
  return signature(taskOf(spec.task), spec.args ?? [], jobOptionsFromJson(spec.options));
}

/** A flow as JSON, each step with its task's options and its own merged. */
export function flowToSpec(node: FlowNode): FlowSpec {
  switch (node.type) {
    case 'sig': {
      const options = jobOptionsToJson({ ...node.task.options, ...node.options });
      const spec: SignatureSpec = { task: node.task.name, args: [...node.args] };
      if (Object.keys(options).length > 0) spec.options = options;
      return spec;
    }
    case 'chain':
      return { chain: node.steps.map(flowToSpec) };
    case 'group':
      return { group: node.members.map(flowToSpec) };
    case 'chord':
      return { chord: { group: node.group.map(flowToSpec), callback: flowToSpec(node.callback) } };
  }
}
