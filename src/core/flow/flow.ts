/**
 * Flows (Celery's canvas, DESIGN §12): signatures, `chain`, `group` and
 * `chord`. A flow is a tree of plain frozen nodes; `compileFlow` turns it
 * into the graph a broker stores and advances (`flow-graph.ts`).
 *
 * Typing: a `Flow<In, Out>` takes `In` (`[]` when it needs no input, `[X]`
 * when the previous step's result `X` is prepended to its arguments) and
 * yields `Out`. `chain` checks each step against the one before (up to eight
 * steps; from nine on, steps are not checked and the result is `unknown`), `group` yields the tuple of its
 * members' results, `chord` hands that tuple to its callback.
 */
import type { JobOptions } from '../options.js';
import { validateJobOptions } from '../options.js';
import type { TaskDefinition } from '../task.js';
import { fail } from '../validate.js';

/** A call not yet made: a task, its (possibly partial) arguments and job options. */
export interface SignatureNode {
  readonly type: 'sig';
  readonly task: TaskDefinition;
  readonly args: readonly unknown[];
  readonly options: JobOptions;
}

/** The runtime shape of a flow. */
export type FlowNode =
  | SignatureNode
  | { readonly type: 'chain'; readonly steps: readonly FlowNode[] }
  | { readonly type: 'group'; readonly members: readonly FlowNode[] }
  | { readonly type: 'chord'; readonly group: readonly FlowNode[]; readonly callback: FlowNode };

/** The kind of a flow's outermost node, which is the flow job's task name. */
export type FlowKind = 'chain' | 'group' | 'chord';

/**
 * A flow that takes `In` (`[]`: nothing; `[X]`: the previous result) and
 * yields `Out`. Made by `task.sig()`, {@link chain}, {@link group}, {@link chord}.
 */
export interface Flow<In extends unknown[] = unknown[], Out = unknown> {
  readonly kind: 'drover.flow';
  readonly node: FlowNode;
  /** Type-level only (never set): what the flow takes and yields. */
  readonly types?: { readonly input: (...input: In) => void; readonly output: Out };
}

/** A signature: one task call in a flow. */
export interface Signature<In extends unknown[] = unknown[], Out = unknown> extends Flow<In, Out> {
  readonly node: SignatureNode;
}

/** Every suffix of a parameter tuple: what `sig` may be given (the head comes from the previous step). */
export type ParamSuffix<P extends unknown[]> = P extends [unknown, ...infer R] ? P | ParamSuffix<R> : P;

/** A tuple as long as `A` that any values fit (`sig(4)` infers `[4]`, which must still match `[b: number]`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOfLength<A extends unknown[]> = { [K in keyof A]: any };

/** The parameters a signature leaves for its input: `[]` or the one prepended value. */
export type SigInput<P extends unknown[], A extends unknown[]> = number extends P['length']
  ? unknown[] // rest parameters: anything goes
  : P extends [...infer H, ...AnyOfLength<A>]
    ? H extends [] | [unknown]
      ? H
      : never
    : [];

type OutOf<F> = F extends Flow<never, infer O> ? O : never;

/** What a flow resolves to. @example FlowResult<typeof flow> */
export type FlowResult<F> = OutOf<F>;
type AnyFlow = Flow<never, unknown>;

/** True for a value made by `sig`, {@link chain}, {@link group} or {@link chord}. */
export function isFlow(value: unknown): value is Flow {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'drover.flow';
}

/** @internal makes a signature (`task.sig(...)` calls this). */
export function signature(task: TaskDefinition, args: readonly unknown[], options: JobOptions): Signature {
  if (options.key !== undefined)
    fail('key', 'undefined in a step of a flow (give no idempotency key to a step)', options.key);
  validateJobOptions(options);
  return wrap<Signature>({ type: 'sig', task, args: Object.freeze([...args]), options });
}

/** Freezes a node into a flow; its type parameters are the caller's to state. */
function wrap<F>(node: FlowNode): F {
  return Object.freeze({ kind: 'drover.flow', node: Object.freeze(node) }) as unknown as F;
}

function nodesOf(name: string, items: readonly unknown[]): FlowNode[] {
  if (items.length === 0) fail(name, 'at least one signature or flow', items);
  return items.map((item, i) => {
    if (!isFlow(item)) fail(`${name}[${i}]`, 'a signature (task.sig(...)) or a flow', item);
    return item.node;
  });
}

/**
 * Runs flows one after the other; each result is prepended to the next
 * one's arguments. Resolves to the last one's result.
 * @example chain(add.sig(2, 2), add.sig(4), mul.sig(10)) // mul(add(add(2, 2), 4), 10) = 80
 */
export function chain<A>(a: Flow<[], A>): Flow<[], A>;
export function chain<I extends unknown[], A, B>(a: Flow<I, A>, b: Flow<[A], B>): Flow<I, B>;
export function chain<I extends unknown[], A, B, C>(a: Flow<I, A>, b: Flow<[A], B>, c: Flow<[B], C>): Flow<I, C>;
export function chain<I extends unknown[], A, B, C, D>(
  a: Flow<I, A>,
  b: Flow<[A], B>,
  c: Flow<[B], C>,
  d: Flow<[C], D>,
): Flow<I, D>;
export function chain<I extends unknown[], A, B, C, D, E>(
  a: Flow<I, A>,
  b: Flow<[A], B>,
  c: Flow<[B], C>,
  d: Flow<[C], D>,
  e: Flow<[D], E>,
): Flow<I, E>;
export function chain<I extends unknown[], A, B, C, D, E, F>(
  a: Flow<I, A>,
  b: Flow<[A], B>,
  c: Flow<[B], C>,
  d: Flow<[C], D>,
  e: Flow<[D], E>,
  f: Flow<[E], F>,
): Flow<I, F>;
export function chain<I extends unknown[], A, B, C, D, E, F, G>(
  a: Flow<I, A>,
  b: Flow<[A], B>,
  c: Flow<[B], C>,
  d: Flow<[C], D>,
  e: Flow<[D], E>,
  f: Flow<[E], F>,
  g: Flow<[F], G>,
): Flow<I, G>;
export function chain<I extends unknown[], A, B, C, D, E, F, G, H>(
  a: Flow<I, A>,
  b: Flow<[A], B>,
  c: Flow<[B], C>,
  d: Flow<[C], D>,
  e: Flow<[D], E>,
  f: Flow<[E], F>,
  g: Flow<[F], G>,
  h: Flow<[G], H>,
): Flow<I, H>;
export function chain(
  ...steps: [AnyFlow, AnyFlow, AnyFlow, AnyFlow, AnyFlow, AnyFlow, AnyFlow, AnyFlow, AnyFlow, ...AnyFlow[]]
): Flow<unknown[], unknown>;
export function chain(...steps: AnyFlow[]): Flow<unknown[], unknown> {
  return chainOf(steps);
}

/** A chain of any number of flows, untyped (flows built at run time, e.g. from JSON). */
export function chainOf(steps: readonly AnyFlow[]): Flow<unknown[], unknown> {
  return wrap({ type: 'chain', steps: Object.freeze(nodesOf('chain', steps)) });
}

/**
 * Runs flows side by side, each given the same input. Resolves to the
 * array of their results, in order.
 * @example group(add.sig(1, 1), add.sig(2, 2)) // [2, 4]
 */
export function group<I extends unknown[], T extends Flow<I, unknown>[]>(
  ...members: [...T]
): Flow<I, { -readonly [K in keyof T]: OutOf<T[K]> }> {
  return wrap({ type: 'group', members: Object.freeze(nodesOf('group', members)) });
}

/**
 * A group whose results, as one array, are prepended to the callback's
 * arguments. Takes a group or an array of flows.
 * @example chord(group(add.sig(1, 1), add.sig(2, 2)), sum.sig()) // sum([2, 4]) = 6
 */
export function chord<I extends unknown[], G, R>(
  members: Flow<I, G> | readonly Flow<I, unknown>[],
  callback: Flow<[G], R>,
): Flow<I, R> {
  let nodes: readonly FlowNode[];
  if (Array.isArray(members)) nodes = nodesOf('chord', members as readonly unknown[]);
  else if (isFlow(members) && members.node.type === 'group') nodes = members.node.members;
  else return fail('group', 'a group or an array of signatures', members);
  if (!isFlow(callback)) fail('callback', 'a signature (task.sig(...)) or a flow', callback);
  return wrap({ type: 'chord', group: Object.freeze([...nodes]), callback: callback.node });
}
