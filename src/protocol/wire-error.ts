/**
 * Errors across the socket: a handler's error becomes a bounded
 * {@link WireError} in a `fail` frame and is rebuilt on the other side with
 * its `name`, `message`, `stack` and stable `code` (so `isDroverError`
 * still recognises drover errors).
 */
import type { ErrorInfo } from '../core/errors.js';
import { toErrorInfo } from '../core/errors.js';
import { Limits } from './constants.js';
import type { WireError } from './messages.js';

/** Turns anything thrown into a wire error, truncating long text. */
export function toWireError(error: unknown): WireError {
  return boundErrorInfo(toErrorInfo(error));
}

/** Truncates an error's fields to the protocol's limits. */
export function boundErrorInfo(info: ErrorInfo | WireError): ErrorInfo {
  const out: ErrorInfo = {
    name: truncate(info.name || 'Error', Limits.NAME),
    message: truncate(info.message, Limits.ERROR_MESSAGE),
  };
  if (info.stack !== undefined) out.stack = truncate(info.stack, Limits.ERROR_STACK);
  if (info.code !== undefined) out.code = truncate(info.code, Limits.NAME);
  return out;
}

/** Rebuilds an Error from a wire error: same name, message, stack and code. */
export function fromWireError(info: WireError): Error & { code?: string } {
  const error = new Error(info.message) as Error & { code?: string };
  error.name = info.name;
  if (info.stack !== undefined) error.stack = info.stack;
  if (info.code !== undefined) error.code = info.code;
  return error;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
