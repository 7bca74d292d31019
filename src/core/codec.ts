import { Packr } from 'msgpackr';

/**
 * A codec turns job arguments and results into bytes or text and back.
 * `json` is the default; `msgpack` (msgpackr) carries Date, Map, Set, BigInt
 * and Uint8Array too. Any object of this shape can be passed instead.
 */
export interface Codec {
  readonly name: string;
  encode(value: unknown): string | Uint8Array;
  decode(data: string | Uint8Array): unknown;
  /**
   * Throws a TypeError naming the first value the codec cannot carry.
   * Defaults to a round trip through `encode` when absent.
   */
  check?(value: unknown): void;
}

/** Names of the built-in codecs. */
export type CodecName = 'json' | 'msgpack';

/** JSON: plain objects, arrays, strings, finite numbers, booleans, null. */
export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => JSON.stringify(value),
  decode: (data) => JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8')) as unknown,
  check: (value) => walk(value, '', jsonLeafProblem),
};

// structuredClone keeps Map apart from plain objects (and Set, Date, BigInt, Uint8Array, cycles); self-contained messages.
const packr = new Packr({ structuredClone: true, moreTypes: true, useBigIntExtension: true });

/** MessagePack via msgpackr: also Date, Map, Set, BigInt, Uint8Array. */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  encode: (value) => packr.pack(value),
  decode: (data) => packr.unpack(typeof data === 'string' ? Buffer.from(data, 'base64') : data) as unknown,
  check: (value) => walk(value, '', msgpackLeafProblem),
};

/** Resolves a codec option: a built-in name or a codec object. */
export function resolveCodec(codec: CodecName | Codec | undefined): Codec {
  if (codec === undefined || codec === 'json') return jsonCodec;
  if (codec === 'msgpack') return msgpackCodec;
  if (
    typeof codec === 'object' &&
    codec !== null &&
    typeof codec.encode === 'function' &&
    typeof codec.decode === 'function'
  ) {
    return codec;
  }
  throw new TypeError(
    `Expected \`codec\` to be 'json', 'msgpack' or an object with encode/decode, got ${describe(codec)}`,
  );
}

/** Throws a TypeError if the codec cannot carry `value` unchanged. */
export function assertEncodable(codec: Codec, value: unknown, what: string): void {
  try {
    if (codec.check) codec.check(value);
    else codec.encode(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${what} cannot be carried by the ${codec.name} codec: ${reason}`);
  }
}

/** A short, safe description of a value for error messages: `-1 (number)`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)} (string)`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${String(value)} (${typeof value})`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
      return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
    }
  }
}

type LeafCheck = (value: unknown) => string | undefined;

const MAX_DEPTH = 200;

function walk(value: unknown, path: string, leaf: LeafCheck, depth = 0): void {
  if (depth > MAX_DEPTH) throw new TypeError(`value nested deeper than ${MAX_DEPTH} levels at ${path || 'the top'}`);
  if (value === null) return;
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return;
  if (type === 'object') {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i], `${path}[${i}]`, leaf, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      for (const k of Object.keys(value as object))
        walk((value as Record<string, unknown>)[k], `${path}.${k}`, leaf, depth + 1);
      return;
    }
  }
  const problem = leaf(value);
  if (problem !== undefined) throw new TypeError(`${problem} at ${path || 'the top'}`);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      walk(k, `${path}<key>`, leaf, depth + 1);
      walk(v, `${path}.get(${String(k)})`, leaf, depth + 1);
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const v of value) walk(v, `${path}<item ${i++}>`, leaf, depth + 1);
  }
}

function jsonLeafProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `non-finite number ${String(value)}`;
  return `${describe(value)} is not JSON`;
}

function msgpackLeafProblem(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'bigint' || value === undefined) return undefined;
  if (value instanceof Date || value instanceof Map || value instanceof Set || value instanceof Uint8Array)
    return undefined;
  if (value instanceof RegExp || value instanceof Error) return undefined;
  return `${describe(value)} is not supported`;
}
