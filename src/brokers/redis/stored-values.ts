import { createHash } from 'node:crypto';
import type { Codec } from '../../core/codec.js';
import type { ErrorInfo } from '../../core/errors.js';
import type { StoredJobOptions } from '../contract.js';

/** Marks a binary codec output, stored as base64 (Redis replies come back as text). */
const BINARY = '\u0000';

/**
 * A codec's output as a Redis field: text as is, bytes as base64 after a
 * NUL mark (Redis replies come back as text); nothing (`undefined`/`null`) is ''.
 */
export function storeBytes(data: string | Uint8Array | null | undefined): string {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  return BINARY + Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** A field written by {@link storeBytes} as the codec's output again; missing or '' is null. */
export function loadBytes(text: string | null | undefined): string | Buffer | null {
  if (text === undefined || text === null || text === '') return null;
  if (text.startsWith(BINARY)) return Buffer.from(text.slice(1), 'base64');
  return text;
}

/** Encodes a value for a Redis field; `undefined` is '' (no field). */
export function encodeValue(codec: Codec, value: unknown): string {
  if (value === undefined) return '';
  return storeBytes(codec.encode(value));
}

/** Decodes a stored value; missing or '' is `undefined`. */
export function decodeValue(codec: Codec, text: string | null | undefined): unknown {
  const data = loadBytes(text);
  return data === null ? undefined : codec.decode(data);
}

/** An error as stored and as reported: only the serialisable fields. */
export function errorJson(error: ErrorInfo): string {
  const info: ErrorInfo = { name: String(error.name), message: String(error.message) };
  if (error.stack !== undefined) info.stack = String(error.stack);
  if (error.code !== undefined) info.code = String(error.code);
  return JSON.stringify(info);
}

/** Parses a stored error; undefined when missing or unreadable. */
export function parseErrorJson(text: string | null | undefined): ErrorInfo | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ErrorInfo;
  } catch {
    return { name: 'Error', message: text };
  }
}

const MAX_CACHED = 512;

/**
 * Job options are interned: the job keeps a short reference and the JSON is
 * stored once in the `opts` hash, so a waiting job costs a few bytes of
 * options instead of ~90 (and its hash stays in Redis's compact encoding).
 * Jobs of one call share one options object, so each object is hashed once.
 */
export class OptionsTable {
  readonly #refs = new WeakMap<StoredJobOptions, { ref: string; json: string }>();
  readonly #byRef = new Map<string, StoredJobOptions>();
  /** References this instance has stored (so later enqueues send only the reference). */
  readonly #stored = new Set<string>();

  /** The reference and JSON of some options. */
  intern(options: StoredJobOptions): { ref: string; json: string } {
    let entry = this.#refs.get(options);
    if (!entry) {
      const json = JSON.stringify(options);
      entry = { ref: createHash('sha1').update(json).digest('base64url').slice(0, 12), json };
      this.#refs.set(options, entry);
    }
    return entry;
  }

  /** True the first time a reference is sent by this instance (its JSON must go along). */
  needsStoring(ref: string): boolean {
    if (this.#stored.has(ref)) return false;
    if (this.#stored.size >= MAX_CACHED) this.#stored.clear();
    this.#stored.add(ref);
    return true;
  }

  /** Forgets what was stored (after a reconnect the data may be older than this process thinks). */
  forgetStored(): void {
    this.#stored.clear();
  }

  /** Options by reference, if this instance has seen them. */
  known(ref: string): StoredJobOptions | undefined {
    return this.#byRef.get(ref);
  }

  /** Parses and caches the JSON of a reference; frozen, since many jobs share it. */
  remember(ref: string, json: string): StoredJobOptions {
    let options = this.#byRef.get(ref);
    if (!options) {
      const value = JSON.parse(json) as StoredJobOptions;
      Object.freeze(value.backoff);
      options = Object.freeze(value);
      if (this.#byRef.size >= MAX_CACHED) this.#byRef.clear();
      this.#byRef.set(ref, options);
    }
    return options;
  }
}
