/**
 * THE one rule set for payloads — job arguments, results and progress
 * values — on every path: a library call (`app.call`), an HTTP body
 * (`POST /v1/jobs`) and a WebSocket frame (docs/reliability.md S28). It is
 * checked at enqueue, so a job one path accepts is never refused by another
 * (the worker protocol frames it within its own limits).
 *
 * - nesting: at most {@link PayloadLimits.DEPTH} levels (the args array, or
 *   a result value, is level 1), so a job frame stays within the protocol's
 *   64 levels;
 * - keys: `__proto__` is refused, and so is `constructor` holding an object
 *   with a `prototype` key (`constructor.prototype`); a plain `constructor`
 *   key is data;
 * - numbers: finite, and an integer beyond ±(2^53 − 1) is refused — JSON
 *   readers would round it silently (send it as a string);
 * - arguments: at most {@link PayloadLimits.ARGS} of them (a handler is
 *   called with them spread).
 */
import { InvalidArgumentError } from './errors.js';

/** The limits of the payload rule set. */
export const PayloadLimits = Object.freeze({
  /** Deepest nesting of arrays and objects in a payload (the args array or the result itself is level 1). */
  DEPTH: 48,
  /** Most arguments of one job. */
  ARGS: 10_000,
});

/** The reason a payload breaks the rules, or undefined when it keeps them. Never throws. */
export function payloadProblem(value: unknown): string | undefined {
  // Fast path (most calls): a flat array of safe scalars keeps every rule, with nothing to walk or allocate.
  if (Array.isArray(value) && flatAndSafe(value)) return undefined;
  // Iterative: a hostile value cannot overflow the stack; the depth bound keeps the walk bounded.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `non-finite number at ${at(item.path)}`;
      if (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER)
        return `integer ${String(v)} at ${at(item.path)} is beyond ±(2^53 − 1) and would be rounded; send it as a string`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (item.depth > PayloadLimits.DEPTH)
      return `value nested deeper than ${PayloadLimits.DEPTH} levels at ${at(item.path)}`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i] as unknown, path: `${item.path}[${i}]`, depth: item.depth + 1 });
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) continue; // Date, Map…: the codec's business
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const path = `${item.path}.${key}`;
      if (key === '__proto__') return `forbidden key "__proto__" at ${at(path)}`;
      if (key === 'constructor' && isPlainObject(child) && Object.hasOwn(child, 'prototype'))
        return `forbidden key "constructor.prototype" at ${at(path)}`;
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** True for an array of strings, booleans, null, undefined and safe finite numbers only. */
function flatAndSafe(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'object' && v !== null) return false;
    if (
      typeof v === 'number' &&
      (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER))
    )
      return false;
  }
  return true;
}

/**
 * Throws an InvalidArgumentError when `args` breaks the payload rules
 * (see the file's header); `what` names them in the message.
 * @example assertPayloadArgs(args, 'Arguments of add') // throws on [{ __proto__: … }]
 */
export function assertPayloadArgs(args: readonly unknown[], what: string): void {
  if (args.length > PayloadLimits.ARGS)
    throw new InvalidArgumentError(`${what}: at most ${PayloadLimits.ARGS} arguments, got ${args.length}`);
  const problem = payloadProblem(args);
  if (problem !== undefined) throw new InvalidArgumentError(`${what}: ${problem}`);
}

/** Throws an InvalidArgumentError when a result or progress value breaks the payload rules. */
export function assertPayloadValue(value: unknown, what: string): void {
  const problem = payloadProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`${what}: ${problem}`);
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(path: string): string {
  return path === '' ? 'the top' : path;
}
