/**
 * Turning frames into messages and back. Parsing never throws: every way a
 * frame can be wrong (binary, too large, too deep, not JSON, hostile keys,
 * unknown type, wrong fields) becomes a {@link FrameProblem} with the
 * `error` code to answer with, so nothing a peer sends can crash the reader.
 */
import type { z } from 'zod';
import type { WireErrorCode } from './constants.js';
import { Limits, WireErrorCodes } from './constants.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { clientSchemas, serverSchemas } from './messages.js';

/** A frame that could not be accepted, and what to answer. */
export interface FrameProblem {
  ok: false;
  code: WireErrorCode;
  /** Safe to send back: never echoes the frame's content. */
  reason: string;
  /** The frame's `type`, `id` and `lease` when they could be read (lets a reader settle a job whose frame was bad). */
  type?: string;
  id?: string;
  lease?: string;
}

/** A parsed, validated message. */
export interface FrameOk<M> {
  ok: true;
  message: M;
}

/** What {@link parseClientFrame} and {@link parseServerFrame} return. */
export type ParsedFrame<M> = FrameOk<M> | FrameProblem;

/** What a WebSocket library hands over as a message. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

/** Parses a frame from a client. `maxBytes` is the limit of the connection's phase. */
export function parseClientFrame(data: RawFrame, isBinary: boolean, maxBytes: number): ParsedFrame<ClientMessage> {
  return parseFrame(data, isBinary, maxBytes, clientSchemas) as ParsedFrame<ClientMessage>;
}

/** Parses a frame from a server. */
export function parseServerFrame(
  data: RawFrame,
  isBinary: boolean,
  maxBytes: number = Limits.FRAME,
): ParsedFrame<ServerMessage> {
  return parseFrame(data, isBinary, maxBytes, serverSchemas) as ParsedFrame<ServerMessage>;
}

/** Serialises a message to a text frame. */
export function serialize(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

/** Byte length of a raw frame. */
export function frameBytes(data: RawFrame): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function problem(code: WireErrorCode, reason: string, extra: Partial<FrameProblem> = {}): FrameProblem {
  return { ok: false, code, reason, ...extra };
}

function parseFrame(
  data: RawFrame,
  isBinary: boolean,
  maxBytes: number,
  schemas: Record<string, z.ZodType>,
): ParsedFrame<unknown> {
  if (isBinary)
    return problem(WireErrorCodes.BAD_FRAME, 'binary frames are not part of the protocol; send JSON text frames');
  const bytes = frameBytes(data);
  if (bytes > maxBytes)
    return problem(WireErrorCodes.TOO_LARGE, `frame of ${bytes} bytes is over the limit of ${maxBytes}`);
  const text = toText(data);
  if (nestingExceeds(text, Limits.DEPTH))
    return problem(WireErrorCodes.BAD_FRAME, `frame nested deeper than ${Limits.DEPTH} levels`, identifyText(text));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem(WireErrorCodes.BAD_FRAME, 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem(WireErrorCodes.BAD_FRAME, 'frame must be a JSON object with a string "type"');
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string')
    return problem(WireErrorCodes.BAD_FRAME, 'frame must be a JSON object with a string "type"');
  const ids = identify(record);
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema)
    return problem(WireErrorCodes.UNKNOWN_TYPE, `unknown frame type ${JSON.stringify(type.slice(0, 40))}`, ids);
  const hostile = findHostileValue(record);
  if (hostile !== undefined) return problem(WireErrorCodes.BAD_FRAME, hostile, ids);
  const parsed = schema.safeParse(record);
  if (!parsed.success) return problem(WireErrorCodes.BAD_FRAME, describeIssues(type, parsed.error), ids);
  return { ok: true, message: parsed.data };
}

function toText(data: RawFrame): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The type, id and lease of a frame too deep to accept, so its job can still be settled alone (V8's JSON.parse is iterative). */
function identifyText(text: string): Partial<FrameProblem> {
  // Past a few times the limit it is an attack, not a job: parsing tens of thousands of levels costs real time.
  if (nestingExceeds(text, 4 * Limits.DEPTH)) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return identify(value as Record<string, unknown>);
  } catch {
    // not JSON either: nothing to identify
  }
  return {};
}

function identify(record: Record<string, unknown>): Partial<FrameProblem> {
  const out: Partial<FrameProblem> = { type: String(record.type).slice(0, 40) };
  if (typeof record.id === 'string' && record.id.length <= Limits.ID) out.id = record.id;
  if (typeof record.lease === 'string' && record.lease.length <= Limits.ID) out.lease = record.lease;
  return out;
}

/**
 * True when brackets outside strings nest deeper than `limit`. Checked before
 * `JSON.parse`, so a megabyte of `[[[[…` costs a linear scan, not a parse.
 */
export function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/**
 * Refuses what the payload rules of `src/core/payload-rules.ts` refuse, in
 * any field: the keys that pollute prototypes when merged by careless code
 * (`__proto__`, and `constructor` holding a `prototype`; a plain
 * `constructor` key is data), numbers JSON cannot carry back (1e400 →
 * Infinity) and integers beyond ±(2^53 − 1), which JSON readers round.
 * Depth is already bounded, so the walk is bounded too.
 */
function findHostileValue(root: unknown): string | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'frame carries a number outside the range of a double';
      if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER)
        return 'frame carries an integer beyond ±(2^53 − 1), which would be rounded; send it as a string';
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' || typeof item === 'number') stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (key === '__proto__') return 'frame carries a forbidden key "__proto__"';
        if (key === 'constructor' && typeof item === 'object' && item !== null && Object.hasOwn(item, 'prototype'))
          return 'frame carries a forbidden key "constructor.prototype"';
        if (typeof item === 'object' || typeof item === 'number') stack.push(item);
      }
    }
  }
  return undefined;
}

function describeIssues(type: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `invalid ${type} frame`;
  const path = first.path.length > 0 ? first.path.map(String).join('.') : '(frame)';
  return `invalid ${type} frame: ${path}: ${first.message}`.slice(0, 300);
}
