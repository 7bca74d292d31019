/**
 * drover's error families. Every error carries a stable string `code`, so
 * errors can cross process and socket boundaries and still be recognised
 * (see {@link isDroverError}); `instanceof` is a convenience, not a contract.
 */

/** Every stable error code drover uses. Documented in docs/errors.md. */
export const ErrorCodes = {
  CONFIG: 'ERR_DROVER_CONFIG',
  INVALID_ARGUMENT: 'ERR_DROVER_INVALID_ARGUMENT',
  UNKNOWN_TASK: 'ERR_DROVER_UNKNOWN_TASK',
  JOB_FAILED: 'ERR_DROVER_JOB_FAILED',
  JOB_CANCELLED: 'ERR_DROVER_JOB_CANCELLED',
  JOB_NOT_FOUND: 'ERR_DROVER_JOB_NOT_FOUND',
  TIMEOUT: 'ERR_DROVER_TIMEOUT',
  JOB_TIMEOUT: 'ERR_DROVER_JOB_TIMEOUT',
  STALE_LEASE: 'ERR_DROVER_STALE_LEASE',
  LEASE_EXPIRED: 'ERR_DROVER_LEASE_EXPIRED',
  LEASE_LOST: 'ERR_DROVER_LEASE_LOST',
  BROKER: 'ERR_DROVER_BROKER',
  BROKER_FULL: 'ERR_DROVER_BROKER_FULL',
  CLOSED: 'ERR_DROVER_CLOSED',
  PROTOCOL: 'ERR_DROVER_PROTOCOL',
  AUTH: 'ERR_DROVER_AUTH',
  INVALID_SCHEDULE: 'ERR_DROVER_INVALID_SCHEDULE',
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Options every drover error accepts. */
export interface DroverErrorOptions {
  cause?: unknown;
  jobId?: string;
}

/** Base class of every error drover throws on purpose. */
export class DroverError extends Error {
  /** Stable machine-readable code, one of {@link ErrorCodes}. */
  readonly code: ErrorCode;
  /** The job the error is about, when there is one. */
  readonly jobId: string | undefined;

  constructor(code: ErrorCode, message: string, options: DroverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.jobId = options.jobId;
  }
}

/** Bad options or configuration (unknown broker URL, short secret…). */
export class ConfigError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.CONFIG, message, options);
  }
}

/** A public function got an argument of the wrong type or range. */
export class InvalidArgumentError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.INVALID_ARGUMENT, message, options);
  }
}

/** A job names a task nobody registered. */
export class UnknownTaskError extends DroverError {
  constructor(task: string, options?: DroverErrorOptions) {
    super(
      ErrorCodes.UNKNOWN_TASK,
      `Unknown task ${JSON.stringify(task)}: no handler is registered under that name`,
      options,
    );
  }
}

/** The serialisable form of an error: what crosses brokers and sockets. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** The job ended `failed`; `cause` carries the handler's last error. */
export class JobFailedError extends DroverError {
  override readonly cause: ErrorInfo;
  constructor(jobId: string, cause: ErrorInfo) {
    super(ErrorCodes.JOB_FAILED, `Job ${jobId} failed: ${cause.message}`, { jobId });
    this.cause = cause;
  }
}

/** The job was cancelled before it finished. */
export class JobCancelledError extends DroverError {
  constructor(jobId: string) {
    super(ErrorCodes.JOB_CANCELLED, `Job ${jobId} was cancelled`, { jobId });
  }
}

/** No job with that id (never existed, or its result expired). */
export class JobNotFoundError extends DroverError {
  constructor(jobId: string) {
    super(ErrorCodes.JOB_NOT_FOUND, `Job ${jobId} not found (unknown id, or its result expired)`, { jobId });
  }
}

/** Waiting (for a result, a connection…) took longer than allowed. */
export class TimeoutError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.TIMEOUT, message, options);
  }
}

/** An attempt ran past its `timeout`. */
export class JobTimeoutError extends DroverError {
  constructor(jobId: string, timeoutMs: number) {
    super(ErrorCodes.JOB_TIMEOUT, `Job ${jobId} timed out after ${timeoutMs} ms`, { jobId });
  }
}

/** A completion, progress or renewal whose lease has moved on: refused. */
export class StaleLeaseError extends DroverError {
  constructor(jobId: string) {
    super(ErrorCodes.STALE_LEASE, `Lease of job ${jobId} is stale: the job was re-leased, cancelled or finished`, {
      jobId,
    });
  }
}

/** A lease ran out before its holder finished: the worker died or hung (reported as the attempt's error). */
export class LeaseExpiredError extends DroverError {
  constructor(jobId: string) {
    super(ErrorCodes.LEASE_EXPIRED, `Lease of job ${jobId} expired: its worker died, hung or lost its connection`, {
      jobId,
    });
  }
}

/** The herd could not renew a lease: the job's signal aborts with this. */
export class LeaseLostError extends DroverError {
  constructor(jobId: string) {
    super(ErrorCodes.LEASE_LOST, `Lost the lease of job ${jobId}; another worker may run it`, { jobId });
  }
}

/** The broker failed or could not be reached. */
export class BrokerError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.BROKER, message, options);
  }
}

/** The broker refuses more jobs (e.g. `memory:` past `maxQueued`). */
export class BrokerFullError extends DroverError {
  constructor(message: string) {
    super(ErrorCodes.BROKER_FULL, message);
  }
}

/** The app, worker or broker is closed or closing. */
export class ClosedError extends DroverError {
  constructor(what: string) {
    super(ErrorCodes.CLOSED, `${what} is closed`);
  }
}

/** A peer broke the wire protocol. */
export class ProtocolError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.PROTOCOL, message, options);
  }
}

/** Authentication failed (same message for every kind of failure). */
export class AuthError extends DroverError {
  constructor(message = 'auth failed') {
    super(ErrorCodes.AUTH, message);
  }
}

/** A schedule's cron expression, time zone or period was refused (the message names it). */
export class InvalidScheduleError extends DroverError {
  constructor(message: string, options?: DroverErrorOptions) {
    super(ErrorCodes.INVALID_SCHEDULE, message, options);
  }
}

/** True for any drover error, even one rebuilt after crossing a boundary. */
export function isDroverError(value: unknown): value is DroverError {
  if (value instanceof DroverError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_DROVER_');
}

/** Turns anything thrown into its serialisable {@link ErrorInfo}. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info: ErrorInfo = { name: error.name, message: error.message };
    if (error.stack !== undefined) info.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    return info;
  }
  return { name: 'Error', message: typeof error === 'string' ? error : safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
