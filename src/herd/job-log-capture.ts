import { format } from 'node:util';
import type { Logger } from 'pino';
import type { JobLogLine } from '../core/contract/index.js';
import { MAX_JOB_LOG_LINE_CHARS } from '../core/contract/index.js';

const CAPTURED = new Set<string>(['info', 'warn', 'error', 'fatal']);

/**
 * Wraps a job's pino logger so that what the handler logs at `info` and
 * above also reaches `sink` as a {@link JobLogLine} (to be kept with the
 * job), whatever the logger's own level. Everything else about the logger
 * is pino's own; only the handler's direct calls are captured.
 */
export function captureJobLogs(logger: Logger, attempt: number, sink: (line: JobLogLine) => void): Logger {
  return new Proxy(logger, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !CAPTURED.has(property) || typeof value !== 'function') return value;
      const level = property as JobLogLine['level'];
      return (...args: unknown[]): unknown => {
        sink({ at: Date.now(), attempt, level, msg: messageOf(args) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** pino's call shapes — `(msg, ...args)`, `(obj, msg?, ...args)`, `(err, msg?)` — as one line of text. */
function messageOf(args: unknown[]): string {
  const [first, ...rest] = args;
  let text: string;
  if (first instanceof Error) {
    text = rest.length > 0 ? `${format(...rest)}: ${first.message}` : first.message;
  } else if (typeof first === 'object' && first !== null) {
    const message = rest.length > 0 ? format(...rest) : '';
    let fields: string;
    try {
      fields = JSON.stringify(first);
    } catch {
      fields = '[unserialisable]';
    }
    text = message === '' ? fields : `${message} ${fields}`;
  } else {
    text = format(first, ...rest);
  }
  return text.length > MAX_JOB_LOG_LINE_CHARS ? `${text.slice(0, MAX_JOB_LOG_LINE_CHARS - 1)}…` : text;
}
